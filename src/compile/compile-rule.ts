import type { Diagnostic } from '../diagnostics.js';
import type { SigmaRule } from '../rule/model.js';
import { compileMatcher, type Matcher } from './compile-matcher.js';
import type { MatchNode } from './ir.js';
import { requiredEventIds } from './event-ids.js';
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
  /** The event IDs the detection requires (requiredEventIds of `ir`): the rule index buckets by them. */
  readonly eventIds: ReadonlySet<number> | undefined;
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
    eventIds: requiredEventIds(ir),
  };
  return compiled;
}

/** A rule's IR as `compiledLazily` reads it, when first needed. */
export interface RuleIr {
  readonly ir: MatchNode;
  readonly logsourceIr?: MatchNode;
}

/**
 * The compiled rule `compiledFromIr` gives, with its IR read (`load`, called once) only when something first
 * needs it: its matcher on a first candidate event, its prefilter anchor, explain. A worker gets every rule's
 * IR serialized, and deserializing all of it cost each worker 0.15-0.2 s before its first event, for rules
 * most of which never meet one. `eventIds` and `logsource` are what the rule index reads up front.
 */
export function compiledLazily(rule: SigmaRule, load: () => RuleIr, eventIds: ReadonlySet<number> | undefined, logsource?: LogsourceCondition): CompiledRule {
  let loaded: RuleIr | undefined;
  const irOf = (): RuleIr => (loaded ??= load());
  const compiled: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
    rule,
    get ir() {
      return irOf().ir;
    },
    matcher: (c) => {
      const { ir, logsourceIr } = irOf();
      return (compiled.matcher = compileMatcher(logsourceIr === undefined ? ir : { kind: 'and', children: [logsourceIr, ir] }))(c);
    },
    eventIds,
  };
  if (logsource !== undefined) {
    compiled.logsource = logsource;
    // A getter of its own (a spread would call it now).
    Object.defineProperty(compiled, 'logsourceIr', { enumerable: true, get: () => irOf().logsourceIr });
  }
  return compiled;
}
