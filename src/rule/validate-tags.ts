import { warning, type Diagnostic, type Span } from '../diagnostics.js';

const TAG_FORMAT = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;

const ATTACK_TACTICS = new Set([
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'stealth',
  'defense-impairment',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'exfiltration',
  'command-and-control',
  'impact',
]);

const NAMESPACE_CHECKS: Record<string, (name: string) => boolean> = {
  attack: (n) => ATTACK_TACTICS.has(n) || /^(t\d{4}(\.\d{3})?|[gsm]\d{4}|ds\d{4}|a\d{4})$/.test(n),
  car: (n) => /^\d{4}-\d{2}-\d{3}$/.test(n),
  cve: (n) => /^\d{4}-\d{4,}$/.test(n),
  d3fend: () => true,
  detection: (n) => ['dfir', 'emerging-threats', 'threat-hunting'].includes(n),
  stp: (n) => /^[1-5][auk]?$/.test(n),
  tlp: (n) => ['red', 'amber', 'amber-strict', 'green', 'clear', 'white'].includes(n),
};

/** Tag warnings: format, namespace, per-namespace validity, duplicates. */
export function validateTags(tags: readonly string[], spans: readonly Span[], diagnostics: Diagnostic[]): void {
  const seen = new Set<string>();
  tags.forEach((tag, i) => {
    const span = spans[i];
    if (seen.has(tag)) diagnostics.push(warning('tag-duplicate', `tag '${tag}' is listed twice`, span));
    seen.add(tag);
    const dot = tag.indexOf('.');
    const ns = dot < 0 ? tag : tag.slice(0, dot);
    const name = dot < 0 ? '' : tag.slice(dot + 1);
    const check = NAMESPACE_CHECKS[ns];
    if (check === undefined) {
      diagnostics.push(warning('tag-namespace', `tag '${tag}' uses an unknown namespace '${ns}'`, span));
      return;
    }
    if (ns !== 'd3fend' && !TAG_FORMAT.test(tag)) {
      diagnostics.push(warning('tag-format', `tag '${tag}' does not match namespace.name in lowercase`, span));
      return;
    }
    if (!check(name)) diagnostics.push(warning('tag-invalid', `'${name}' is not a valid ${ns} tag`, span));
  });
}
