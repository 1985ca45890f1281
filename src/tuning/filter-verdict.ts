import { compileRule, type CompiledRule } from '../compile/compile-rule.js';
import { explain, type Explanation } from '../engine/explain.js';
import type { Event } from '../event/event.js';
import { filterAsRule, filterTargetsRule } from '../rule/apply-filters.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';

/** What one filter says about one rule's alert on one event. */
export interface FilterVerdict {
  readonly filter: SigmaFilter;
  /** The filter's logsource covers the rule's and its `rules` name the rule (or `any`). */
  readonly applies: boolean;
  /** It applies and its condition is false on the event: the alert would not stand (pySigma's meaning). */
  readonly suppresses: boolean;
  /** The filter's detections on the event, when it applies. */
  readonly explanation?: Explanation;
}

const compiledFilters = new WeakMap<SigmaFilter, CompiledRule | null>();

/**
 * The filter's selections and condition as a rule of their own, so the engine's explain can show which of
 * its items held. Compiled without a logsource: a filter's logsource scopes the rules it reaches, not events.
 */
export function compileFilter(filter: SigmaFilter): CompiledRule | null {
  let c = compiledFilters.get(filter);
  if (c !== undefined) return c;
  c = compileRule(filterAsRule(filter)).compiled ?? null;
  compiledFilters.set(filter, c);
  return c;
}

/** Every filter's verdict on the rule's alert for this (normalized) event, in the filters' order. */
export function filterVerdicts(filters: readonly SigmaFilter[], rule: SigmaRule, event: Event): FilterVerdict[] {
  return filters.map((filter) => {
    if (!filterTargetsRule(filter, rule)) return { filter, applies: false, suppresses: false };
    const compiled = compileFilter(filter);
    if (compiled === null) return { filter, applies: true, suppresses: false };
    const explanation = explain(compiled, event);
    return { filter, applies: true, suppresses: !explanation.matched, explanation };
  });
}
