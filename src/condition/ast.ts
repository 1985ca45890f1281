/** A range of characters inside the condition string (0-based, end exclusive). */
export interface ConditionSpan {
  readonly start: number;
  readonly end: number;
}

export type ConditionNode =
  | { readonly kind: 'or'; readonly operands: readonly ConditionNode[]; readonly span: ConditionSpan }
  | { readonly kind: 'and'; readonly operands: readonly ConditionNode[]; readonly span: ConditionSpan }
  | { readonly kind: 'not'; readonly operand: ConditionNode; readonly span: ConditionSpan }
  | { readonly kind: 'identifier'; readonly name: string; readonly span: ConditionSpan }
  /** `1 of pattern`, `all of pattern`; pattern null means `them`. */
  | {
      readonly kind: 'selector';
      readonly quantifier: 'one' | 'all';
      readonly pattern: string | null;
      readonly span: ConditionSpan;
    };

/** The identifiers a selector pattern picks: whole-name glob on `*`; names starting with `_` only for `_` patterns. */
export function selectIdentifiers(pattern: string | null, names: Iterable<string>): string[] {
  const out: string[] = [];
  if (pattern === null) {
    for (const n of names) if (!n.startsWith('_')) out.push(n);
    return out;
  }
  let re = patterns.get(pattern);
  if (re === undefined) {
    if (patterns.size >= 10_000) patterns.clear();
    patterns.set(pattern, (re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`)));
  }
  const allowPrivate = pattern.startsWith('_');
  for (const n of names) {
    if (n.startsWith('_') && !allowPrivate) continue;
    if (re.test(n)) out.push(n);
  }
  return out;
}

/** Selector patterns as regular expressions, made once each (a rule set has a few hundred distinct ones). */
const patterns = new Map<string, RegExp>();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
