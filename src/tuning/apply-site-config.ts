import { warning, type Diagnostic } from '../diagnostics.js';
import type { SigmaRule } from '../rule/model.js';
import type { SiteConfig } from './site-config.js';

export interface SiteRules {
  /** The rules left on, with the site's level where `levels` gives one. */
  readonly rules: readonly SigmaRule[];
  /** The rules `disable` turned off, for the hunt's "not loaded" list. */
  readonly disabled: readonly SigmaRule[];
  /** `config-unknown-rule` warnings: an id or name of `levels` or `disable` that no loaded rule has. */
  readonly diagnostics: readonly Diagnostic[];
}

const refsOf = (r: SigmaRule) => [r.id, r.name, r.title].filter((x): x is string => x !== undefined);

/**
 * The site's per-rule choices applied to loaded rules: disabled ids (or names) are left out, level overrides
 * replace the rule's level (before `min-level` selects, so a site can raise a rule above its threshold).
 */
export function applySiteConfig(rules: readonly SigmaRule[], config: SiteConfig): SiteRules {
  const kept: SigmaRule[] = [];
  const disabled: SigmaRule[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const refs = refsOf(rule);
    for (const ref of refs) seen.add(ref);
    if (refs.some((ref) => config.disabled.has(ref))) {
      disabled.push(rule);
      continue;
    }
    const level = refs.map((ref) => config.levels.get(ref)).find((l) => l !== undefined);
    kept.push(level === undefined || level === rule.level ? rule : { ...rule, level });
  }
  const diagnostics: Diagnostic[] = [];
  for (const [ref, span] of config.ruleRefs) {
    if (!seen.has(ref)) diagnostics.push(warning('config-unknown-rule', `no loaded rule has the id or name '${ref}'`, span));
  }
  return { rules: kept, disabled, diagnostics };
}
