import type { Diagnostic } from '../diagnostics.js';
import type { SigmaRule } from '../rule/model.js';
import { compileMatcher, type Matcher } from './compile-matcher.js';
import type { MatchNode } from './ir.js';
import { lowerRule } from './lower-rule.js';

export interface CompiledRule {
  readonly rule: SigmaRule;
  /** The detection logic alone. */
  readonly ir: MatchNode;
  /** What decides a match: the logsource condition (when a pipeline gives one) AND the detection. */
  readonly matcher: Matcher;
  readonly logsourceIr?: MatchNode;
}

/** Compiles a rule; a placeholder left without a value makes it uncompilable (a diagnostic, no rule). */
export function compileRule(rule: SigmaRule, logsourceIr?: MatchNode): { compiled?: CompiledRule; diagnostics: readonly Diagnostic[] } {
  const { ir, diagnostics } = lowerRule(rule);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const full: MatchNode = logsourceIr === undefined ? ir : { kind: 'and', children: [logsourceIr, ir] };
  const compiled: CompiledRule = {
    rule,
    ir,
    matcher: compileMatcher(full),
    ...(logsourceIr !== undefined ? { logsourceIr } : {}),
  };
  return { compiled, diagnostics };
}
