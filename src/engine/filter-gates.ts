import type { CompiledRule } from '../compile/compile-rule.js';
import { compileRule } from '../compile/compile-rule.js';
import type { EventCache } from '../compile/event-cache.js';
import type { Diagnostic } from '../diagnostics.js';
import { warning } from '../diagnostics.js';
import { filterAsRule, filterTargetsRule } from '../rule/apply-filters.js';
import type { SigmaFilter } from '../rule/model.js';

/**
 * Sigma filters as a gate after a rule matched: the alert stands iff every filter that reaches the rule (its
 * logsource covers the rule's and its `rules` name it, or `any`) holds on the event. The same result as
 * pySigma's rewrite `(rule) and (filter)`, but the rule's matcher is untouched, so each suppression can be
 * counted per filter and per rule, and shown.
 */
export class FilterGates {
  private readonly byRule: ReadonlyArray<ReadonlyArray<{ readonly filter: number; readonly holds: (c: EventCache) => boolean }>>;
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    rules: readonly CompiledRule[],
    readonly filters: readonly SigmaFilter[],
  ) {
    const diagnostics: Diagnostic[] = [];
    const matchers = filters.map((f) => {
      const r = compileRule(filterAsRule(f));
      diagnostics.push(...r.diagnostics);
      return r.compiled?.matcher;
    });
    this.byRule = rules.map((r) =>
      filters.flatMap((f, i) => {
        const m = matchers[i];
        return m !== undefined && filterTargetsRule(f, r.rule) ? [{ filter: i, holds: m }] : [];
      }),
    );
    // A filter naming rules that none of the loaded ones is: most likely a typo or a rule not loaded.
    filters.forEach((f, i) => {
      if (f.rules !== 'any' && !this.byRule.some((list) => list.some((g) => g.filter === i))) {
        diagnostics.push(warning('filter-unmatched', `filter '${f.title}' reaches none of the loaded rules (${f.rules.join(', ')})`, f.span));
      }
    });
    this.diagnostics = diagnostics;
  }

  /** The filters whose condition is false on the event (the cache's), i.e. that suppress the rule's alert. */
  suppressors(rule: number, cache: EventCache): number[] | undefined {
    const gates = this.byRule[rule];
    if (gates === undefined || gates.length === 0) return undefined;
    let out: number[] | undefined;
    for (const g of gates) if (!g.holds(cache)) (out ??= []).push(g.filter);
    return out;
  }

  /** Whether any filter reaches the rule. */
  gated(rule: number): boolean {
    return (this.byRule[rule]?.length ?? 0) > 0;
  }
}
