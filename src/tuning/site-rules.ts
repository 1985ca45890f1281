import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { loadRules, type RuleCollection } from '../rule/load-rules.js';
import { applySiteConfig } from './apply-site-config.js';
import { loadSiteConfig, type SiteConfig } from './site-config.js';

export interface SiteRuleOptions {
  readonly rules?: readonly string[];
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  readonly config?: string;
  readonly cache?: boolean;
  /** The built-in pack, when neither the options nor the site configuration name rules. */
  readonly builtin: () => string;
}

/**
 * The rules a tuning command works with: `--rules` (else the site configuration's `rules`, else the built-in
 * pack), its filters, placeholders from both, and the site's disables and level overrides applied.
 * Errors of the configuration and the rules come back formatted (file:line:col), for stderr.
 */
export function loadSiteRules(cwd: string, o: SiteRuleOptions): { collection: RuleCollection; messages: string[]; configError: boolean } {
  const site = loadSiteConfig(cwd, o.config);
  const messages = site.diagnostics.map((d) => formatDiagnostic(d, site.sources, false));
  const config = site.config;
  const placeholders = sitePlaceholders(config, o.placeholders);
  const paths = o.rules ?? (config !== undefined && config.rules.length > 0 ? config.rules : [o.builtin()]);
  const loaded = loadRules([...paths, ...(config?.filters ?? [])], { placeholders, cache: o.cache === true });
  const errors: Diagnostic[] = loaded.diagnostics.filter((d) => d.severity === 'error');
  messages.push(...errors.map((d) => formatDiagnostic(d, loaded.sources, false)));
  if (config === undefined) return { collection: loaded, messages, configError: site.diagnostics.some((d) => d.code === 'config-unreadable') };
  const applied = applySiteConfig(loaded.rules, config);
  messages.push(...applied.diagnostics.map((d) => formatDiagnostic(d, site.sources, false)));
  return { collection: { ...loaded, rules: applied.rules }, messages, configError: false };
}

/** Placeholder values: the site configuration's, then those given on the command line added to them. */
export function sitePlaceholders(config: SiteConfig | undefined, given: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const placeholders = new Map<string, string[]>();
  for (const [k, v] of config?.placeholders ?? []) placeholders.set(k, [...v]);
  for (const [k, v] of given) placeholders.set(k, [...(placeholders.get(k) ?? []), ...v]);
  return placeholders;
}
