import type { SigmaRule } from '../../rule/model.js';
import { makeAlert, type Contribution, type CorrelationAlert } from '../alert.js';
import { contextQueryOf, resolveContext, type EntryLookup } from '../process-context.js';
import type { CorrelationFiring } from './item-store.js';
import type { CorrelationPlan } from './plan-correlations.js';

/** A firing as the alert it is, each contributing event with its own rule and process context (inner firings too). */
export function correlationAlertOf(plan: CorrelationPlan, rules: readonly SigmaRule[], f: CorrelationFiring, lookup: EntryLookup): CorrelationAlert {
  const p = plan.correlations[f.correlation];
  if (p === undefined) throw new Error(`no correlation ${f.correlation}`);
  const contributors = f.contributors.map((s): Contribution => {
    if (s.kind === 'correlation') return { kind: 'correlation', alert: correlationAlertOf(plan, rules, s.alert, lookup) };
    const q = contextQueryOf(s.event);
    return { kind: 'event', alert: makeAlert(rules[s.rule] as SigmaRule, s.event, q.namesProcess, resolveContext(q, lookup)) };
  });
  return {
    kind: 'correlation',
    correlation: p.correlation,
    group: f.group,
    first: f.first,
    last: f.last,
    windowStart: f.windowStart,
    windowEnd: f.windowEnd,
    aggregate: f.aggregate,
    contributors,
    contributorCount: f.contributorCount,
    ...(f.values !== undefined ? { values: f.values } : {}),
  };
}
