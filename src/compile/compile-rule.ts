import type { Diagnostic } from '../diagnostics.js';
import type { SigmaRule } from '../rule/model.js';
import { compileMatcher, type Matcher } from './compile-matcher.js';
import type { MatchNode } from './ir.js';
import { lowerRule } from './lower-rule.js';
import { lowerLogsource } from './lower-logsource.js';
import type { LogsourceCondition } from '../pipeline/logsource-condition.js';

export interface CompiledRule {
  readonly rule: SigmaRule;
  /** The detection logic alone. */
  readonly ir: MatchNode;
  /** What decides a match: the logsource condition (when a pipeline gives one) AND the detection. */
  readonly matcher: Matcher;
  readonly logsourceIr?: MatchNode;
  /** The pipeline's logsource condition the IR was made from (the rule index buckets by it). */
  readonly logsource?: LogsourceCondition;
}

/** Compiles a rule; a placeholder left without a value makes it uncompilable (a diagnostic, no rule). */
export function compileRule(rule: SigmaRule, logsource?: LogsourceCondition): { compiled?: CompiledRule; diagnostics: readonly Diagnostic[] } {
  const { ir, diagnostics } = lowerRule(rule);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const logsourceIr = logsource === undefined ? undefined : lowerLogsource(logsource);
  return { compiled: compiledFromIr(rule, ir, logsourceIr, logsource), diagnostics };
}

/**
 * A compiled rule from IR already lowered (a worker gets its rules' IR from the main thread instead of
 * lowering every rule again); `logsourceIr` is the lowered `logsource`.
 */
export function compiledFromIr(rule: SigmaRule, ir: MatchNode, logsourceIr?: MatchNode, logsource?: LogsourceCondition): CompiledRule {
  const full: MatchNode = logsourceIr === undefined ? ir : { kind: 'and', children: [logsourceIr, ir] };
  const compiled: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
    rule,
    ir,
    // The closure tree is built on the rule's first candidate event, then replaces this stub: with every
    // SigmaHQ rule most never meet an event they could match (the rule index and prefilter decide first),
    // and building them all was a fifth of loading the rules.
    matcher: (c) => (compiled.matcher = compileMatcher(full))(c),
    ...(logsourceIr !== undefined && logsource !== undefined ? { logsourceIr, logsource } : {}),
  };
  return compiled;
}
