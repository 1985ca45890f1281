import type { CompiledRule } from '../compile/compile-rule.js';
import { compileRule } from '../compile/compile-rule.js';
import type { EventCache } from '../compile/event-cache.js';
import type { Diagnostic } from '../diagnostics.js';
import { warning } from '../diagnostics.js';
import { filterAsRule, filterTargetsRule } from '../rule/apply-filters.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';
import { RuleIndex } from './rule-index.js';

/**
 * Sigma filters as a gate after a rule matched: the alert stands iff every filter that reaches the rule (its
 * logsource covers the rule's and its `rules` name it, or `any`) holds on the event. The same result as
 * pySigma's rewrite `(rule) and (filter)`, but the rule's matcher is untouched, so each suppression can be
 * counted per filter and per rule, and shown.
 */
export class FilterGates {
  /** Per rule, the filters that reach it. */
  private readonly byRule: ReadonlyArray<readonly number[]>;
  /**
   * Each filter's suppression as a rule of its own, `not (filter condition)` (an exclusion `not selection`
   * becomes `selection`), indexed like the hunt's rules: an event meets only the filters whose literals it holds,
   * once per event however many of its rules matched.
   */
  private readonly suppressing: readonly CompiledRule[];
  private readonly filterOf = new Map<CompiledRule, number>();
  private index: RuleIndex | undefined;
  /** The suppressing filters of the event last asked about (by its cache's generation). */
  private memo: { event: unknown; generation: number; filters: ReadonlySet<number> } | undefined;
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    rules: readonly CompiledRule[],
    readonly filters: readonly SigmaFilter[],
  ) {
    const diagnostics: Diagnostic[] = [];
    const suppressing: CompiledRule[] = [];
    const usable = filters.map((f, i) => {
      const r = compileRule(filterAsRule(f));
      diagnostics.push(...r.diagnostics);
      if (r.compiled === undefined) return false;
      const negated = compileRule(suppressionRule(f)).compiled;
      if (negated === undefined) return false;
      suppressing.push(negated);
      this.filterOf.set(negated, i);
      return true;
    });
    this.suppressing = suppressing;
    this.byRule = rules.map((r) => filters.flatMap((f, i) => (usable[i] === true && filterTargetsRule(f, r.rule) ? [i] : [])));
    // A filter naming rules that none of the loaded ones is: most likely a typo or a rule not loaded.
    filters.forEach((f, i) => {
      if (f.rules !== 'any' && !this.byRule.some((list) => list.includes(i))) {
        diagnostics.push(warning('filter-unmatched', `filter '${f.title}' reaches none of the loaded rules (${f.rules.join(', ')})`, f.span));
      }
    });
    this.diagnostics = diagnostics;
  }

  /** The filters whose condition is false on the event (the cache's), i.e. that suppress the rule's alert. */
  suppressors(rule: number, cache: EventCache): number[] | undefined {
    const gates = this.byRule[rule];
    if (gates === undefined || gates.length === 0) return undefined;
    const suppressing = this.suppressingFilters(cache);
    if (suppressing.size === 0) return undefined;
    let out: number[] | undefined;
    for (const f of gates) if (suppressing.has(f)) (out ??= []).push(f);
    return out;
  }

  /** Every filter that suppresses on the cache's event (whatever rules it reaches), computed once per event. */
  private suppressingFilters(cache: EventCache): ReadonlySet<number> {
    const event = cache.event;
    const m = this.memo;
    if (m !== undefined && m.event === event && m.generation === cache.generation) return m.filters;
    this.index ??= new RuleIndex(this.suppressing);
    const filters = new Set<number>();
    for (const r of this.index.candidates(event, cache)) if (r.matcher(cache)) filters.add(this.filterOf.get(r) as number);
    this.memo = { event, generation: cache.generation, filters };
    return filters;
  }

  /** Whether any filter reaches the rule. */
  gated(rule: number): boolean {
    return (this.byRule[rule]?.length ?? 0) > 0;
  }
}

/** The filter as the rule that matches exactly where it suppresses: `not (condition)`, a leading `not` dropped. */
function suppressionRule(f: SigmaFilter): SigmaRule {
  const rule = filterAsRule(f);
  const c = f.condition;
  const ast = c.ast.kind === 'not' ? c.ast.operand : { kind: 'not' as const, operand: c.ast, span: c.ast.span };
  return { ...rule, conditions: [{ ...c, ast }] };
}
