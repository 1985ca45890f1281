import { hostOf, type CorrelationAlert } from '../engine/alert.js';
import type { CorrelationType } from '../rule/model.js';

/** What a correlation's aggregate is called in every writer. */
export const AGGREGATE_NAMES: Record<CorrelationType, string> = {
  event_count: 'count',
  value_count: 'distinct',
  temporal: 'rules',
  temporal_ordered: 'rules',
  value_sum: 'sum',
  value_avg: 'avg',
  value_percentile: 'percentile',
  value_median: 'median',
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The values every writer shows for a correlation alert. */
export function correlationSummary(a: CorrelationAlert) {
  const c = a.correlation;
  const cond = c.condition?.comparisons ?? [];
  return {
    time: iso(a.last),
    first: iso(a.first),
    windowStart: iso(a.windowStart),
    windowEnd: iso(a.windowEnd),
    host: hostOf(a),
    rule: c.title,
    ruleId: c.id ?? '',
    level: c.level ?? 'informational',
    type: c.type,
    group: a.group.map(([k, v]) => `${k}=${v}`).join(' '),
    aggregateName: AGGREGATE_NAMES[c.type],
    aggregate: Number.isInteger(a.aggregate) ? String(a.aggregate) : a.aggregate.toFixed(3),
    condition: cond.length > 0 ? cond.map((x) => `${x.op} ${x.value}`).join(', ') : `gte ${c.rules.length}`,
    contributors: a.contributorCount,
  };
}
