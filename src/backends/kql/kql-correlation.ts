import { hasUpperSide } from '../../engine/correlate/group-window.js';
import type { PlannedCorrelation } from '../../engine/correlate/plan-correlations.js';
import type { SigmaCorrelation, SigmaRule } from '../../rule/model.js';
import { convertPlannedCorrelations, CorrelationRefused } from '../convert-planned-correlations.js';
import type { ConvertedCorrelation } from '../sql/sql-correlation.js';
import { rowReader, type KqlCorrelationTarget } from './kql-correlation-fields.js';
import { kqlName, kqlString } from './kql-text.js';
import { METRIC_NUMBER_MAX_LENGTH, METRIC_NUMBER_PATTERN } from '../../engine/correlate/metric-number.js';

export type { KqlCorrelationTarget } from './kql-correlation-fields.js';

/**
 * Sigma correlations as one KQL query each, with the engine's window semantics (README, "Correlations in KQL"):
 * sliding windows on event time, both ends inclusive; a monotone condition (gt, gte) fires at the first event whose
 * window [t − timespan, t] meets it and the firing consumes the window's events; a condition with an upper side
 * (lt, lte, eq, neq, ranges) is judged once per complete window [t0, t0 + timespan] opened at the first event after
 * the previous window. Both are sequential, so each group's events, sorted, go through `scan`, whose one step keeps
 * the open window (its events' times, rules, ids, values as parallel arrays) as the engine's GroupWindow does.
 *
 * Each row is one firing: the group-by values (one column per name), window_start_ms, window_end_ms, aggregate,
 * first_ms, last_ms, contributor_count, contributor_times (ms), record_ids (Defender ReportId), last_rid.
 */
export function convertCorrelationsKql(
  target: KqlCorrelationTarget,
  rules: readonly SigmaRule[],
  correlations: readonly SigmaCorrelation[],
  ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string },
): ConvertedCorrelation[] {
  return convertPlannedCorrelations<string>(
    target,
    rules,
    correlations,
    (p, inner) =>
      correlationQuery(p, target, rules, ruleQuery, (index) => {
        const { result, planned } = inner(index);
        return { query: result, groupBy: planned.correlation.groupBy };
      }),
    (query) => query,
  );
}

/** Column names the query uses itself: a group-by name among them would be ambiguous. */
const RESERVED = new Set(['t', 'first_t', 'member', 'rid', 'val', 'isnum', 'sigma_key', 'sigma_n', 'w0', 'fired', 'aggregate', 'window_start_ms', 'window_end_ms', 'first_ms', 'last_ms', 'contributor_count', 'contributor_times', 'record_ids', 'last_rid']);
const ARRAYS = { t: 'w_t', first_t: 'w_f', member: 'w_m', rid: 'w_r', val: 'w_v' } as const;
/** The items' columns the scan keeps as arrays; a metric's also `isnum` (1 when its value is a number) as w_n. */
type Item = keyof typeof ARRAYS | 'isnum';
/** A time later than any event's (ms), for "no such event" in the ordered chain search. */
const NEVER = 9_000_000_000_000_000;
const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==', neq: '!=' } as const;

function correlationQuery(
  p: PlannedCorrelation,
  target: KqlCorrelationTarget,
  rules: readonly SigmaRule[],
  ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string },
  inner: (index: number) => { query: string; groupBy: readonly string[] },
): string {
  const c = p.correlation;
  const type = c.type;
  const metric = type === 'value_sum' || type === 'value_avg' || type === 'value_percentile' || type === 'value_median';
  const names = c.groupBy;
  for (const n of names) if (RESERVED.has(n)) throw new CorrelationRefused(`group-by name '${n}' is a column name of the converted query`);
  const g = names.map((_, k) => `g${k}`);
  const valueFields = type === 'value_count' || metric ? (c.condition?.field ?? []) : [];
  // value_count's value: the fields' texts as one JSON array ("" when any is missing, which no array's text is); a
  // metric's: its one field's text, read as a number after the union (the engine reads no number from a tuple).
  const valueOf = (parts: readonly string[]) =>
    metric
      ? parts.length === 1
        ? (parts[0] as string)
        : '""'
      : parts.length === 0
        ? '""'
        : `iff(${parts.map((x) => `isnotempty(${x})`).join(' and ')}, tostring(pack_array(${parts.join(', ')})), "")`;
  const legs = p.members.map((m, k) => {
    if (m.kind === 'selector') throw new CorrelationRefused(`'${c.rules[k]}' selects rules by level when a hunt runs; list the rules by id or name to convert it`);
    const fields = p.groupFields[k] as readonly string[];
    if (m.kind === 'rule') {
      const rule = rules[m.rule] as SigmaRule;
      const q = ruleQuery(rule);
      if ('reason' in q) throw new CorrelationRefused(`its rule '${rule.title}' cannot be converted: ${q.reason}`);
      const r = rowReader(target, rule, q.query);
      const groups = fields.map((f, n) => `g${n} = ${r.field(f)}`);
      return `(${q.query}\n| project ${[`t = ${r.timeMs}`, `first_t = ${r.timeMs}`, `member = ${k}`, `rid = ${r.rid}`, ...groups, `val = ${valueOf(valueFields.map(r.field))}`].join(', ')})`;
    }
    // An inner correlation's firing is one item at its last event's time, with its group values by name.
    const { query, groupBy: innerNames } = inner(m.correlation);
    const pick = (name: string) => (innerNames.includes(name) ? kqlName(name) : '""');
    const groups = fields.map((f, n) => `g${n} = ${pick(f)}`);
    return `(${query}\n| project ${['t = last_ms', 'first_t = first_ms', `member = ${k}`, 'rid = last_rid', ...groups, `val = ${valueOf(valueFields.map(pick))}`].join(', ')})`;
  });
  const T = p.spec.timespanMs;
  const present = ['isnotnull(t)', ...g.map((x) => `isnotempty(${x})`)].join(' and ');
  const key = g.length === 0 ? '""' : `tostring(pack_array(${g.join(', ')}))`;
  // A metric's text read by the engine's grammar (metric-number.ts): `isnum` 1 and `val` its double, or 0 and 0.0.
  const numbers = metric
    ? `\n| extend isnum = iff(strlen(val) <= ${METRIC_NUMBER_MAX_LENGTH} and val matches regex ${kqlString(METRIC_NUMBER_PATTERN)} and isfinite(todouble(val)), 1, 0)` +
      `\n| extend val = iff(isnum == 1, todouble(val), 0.0)`
    : '';
  const head = `union\n${legs.join(',\n')}\n| where ${present}${numbers}\n| extend sigma_key = ${key}\n| sort by sigma_key asc, t asc, member asc, rid asc`;
  // Only a metric's aggregate reads `isnum`.
  const arrays = (metric ? { ...ARRAYS, isnum: 'w_n' } : ARRAYS) as Readonly<Record<Item, string>>;
  const items = Object.keys(arrays) as Item[];
  const cols: Record<Item, string> = { ...arrays };
  const comparison = (agg: string) => p.spec.comparisons.map((cmp) => `(${agg}) ${OPS[cmp.op]} ${cmp.value}`).join(' and ');
  // A metric window without a number has no aggregate, so no condition holds (never null: a scan state is a bool).
  const holds = (agg: string, w: Record<Item, string> = cols) => (metric ? `iff(array_sum(${w.isnum}) > 0, ${comparison(agg)}, false)` : comparison(agg));
  const q = Math.min(100, Math.max(0, type === 'value_median' ? 50 : (p.spec.percentile ?? 50))) / 100;
  const aggregate = (w: Record<Item, string>): string => {
    switch (type) {
      case 'event_count':
        return `array_length(${w.t})`;
      case 'value_count':
        return `array_length(set_difference(${w.val}, dynamic([""])))`;
      case 'temporal':
        return `array_length(set_union(${w.member}, dynamic([])))`;
      case 'temporal_ordered':
        return orderedPrefix(w, p.members.length);
      case 'value_sum':
        return `iff(array_sum(${w.isnum}) > 0, array_sum(${w.val}), real(null))`;
      case 'value_avg':
        return `iff(array_sum(${w.isnum}) > 0, array_sum(${w.val}) / array_sum(${w.isnum}), real(null))`;
      case 'value_percentile':
      case 'value_median': {
        // The engine's percentile: the numbers sorted (the others null, sorted last), rank r = p/100 · (n − 1), the
        // numbers at floor(r) and ceil(r) linearly interpolated.
        const r = `(${String(q)} * (array_sum(${w.isnum}) - 1))`;
        const sorted = `array_sort_asc(array_iff(${w.isnum}, ${w.val}, real(null)))`;
        const at = (k: string) => `todouble(${sorted}[${k}])`;
        const lo = `tolong(${r})`;
        const hi = `iff(${r} > ${lo}, ${lo} + 1, ${lo})`;
        return `iff(array_sum(${w.isnum}) > 0, ${at(lo)} + (${at(hi)} - ${at(lo)}) * (${r} - ${lo}), real(null))`;
      }
      default: {
        const never: never = type;
        return never;
      }
    }
  };
  const declare = Object.values(arrays).map((a) => `${a}: dynamic`);
  let scan: string;
  let tail: string[];
  if (!hasUpperSide(p.spec.comparisons)) {
    // The window at each event: the events after the last firing no older than t − T, this one included.
    const base = (x: Item) => `iff(s1.sigma_key == sigma_key and s1.fired == false, s1.${arrays[x]}, dynamic([]))`;
    const appended = (x: Item) => `array_concat(${base(x)}, pack_array(${x}))`;
    const from = `array_index_of(series_greater_equals(${appended('t')}, repeat(t - ${T}, array_length(${appended('t')}))), true)`;
    const w = Object.fromEntries(items.map((x) => [x, `array_slice(${appended(x)}, ${from}, -1)`])) as Record<Item, string>;
    const assign = [...items.map((x) => `${arrays[x]} = ${w[x]}`), `fired = ${holds(aggregate(w), w)}`];
    scan = `scan declare (${[...declare, 'fired: bool = false'].join(', ')}) with (\nstep s1: true => ${assign.join(',\n  ')};\n)`;
    tail = ['where fired', `extend aggregate = ${aggregate(cols)}`, project(`t - ${T}`, 't')];
  } else {
    // Windows [t0, t0 + T] one after another, each opened by the first event after the previous one's end; the
    // last event of a window holds all of it.
    const same = `s1.sigma_key == sigma_key and t <= s1.w0 + ${T}`;
    const assign = ['w0 = iff(' + same + ', s1.w0, t)', ...items.map((x) => `${arrays[x]} = iff(${same}, array_concat(s1.${arrays[x]}, pack_array(${x})), pack_array(${x}))`)];
    scan = `scan declare (${['w0: long', ...declare].join(', ')}) with (\nstep s1: true => ${assign.join(',\n  ')};\n)`;
    tail = ['extend sigma_n = array_length(w_t)', 'summarize arg_max(sigma_n, *) by sigma_key, w0', `extend aggregate = ${aggregate(cols)}`, `where ${holds('aggregate')}`, project('w0', `w0 + ${T}`)];
  }
  return [head, scan, ...tail, 'sort by window_end_ms asc, last_ms asc'].join('\n| ');

  function project(start: string, end: string): string {
    const groups = names.map((n, k) => `${kqlName(n)} = g${k}`);
    const ids = target === 'kql-defender' ? ['record_ids = w_r'] : [];
    const last = (a: string) => `${a}[array_length(${a}) - 1]`;
    return `project ${[...groups, `window_start_ms = ${start}`, `window_end_ms = ${end}`, 'aggregate', 'first_ms = tolong(array_sort_asc(w_f)[0])', `last_ms = tolong(${last('w_t')})`, 'contributor_count = array_length(w_t)', 'contributor_times = w_t', ...ids, `last_rid = tolong(${last('w_r')})`].join(', ')}`;
  }
}

/**
 * temporal_ordered: the longest prefix of the member list whose events occur in time order inside the window (ties
 * count as ordered), found as the engine does: each member's earliest event at or after the previous member's.
 */
function orderedPrefix(w: Record<Item, string>, members: number): string {
  const n = `array_length(${w.t})`;
  let prev = `-${NEVER}`;
  const terms: string[] = [];
  for (let m = 0; m < members; m++) {
    const eligible = `array_iff(series_greater_equals(${w.t}, repeat(${prev}, ${n})), series_equals(${w.member}, repeat(${m}, ${n})), false)`;
    const earliest = `tolong(array_sort_asc(array_iff(${eligible}, ${w.t}, ${NEVER}))[0])`;
    terms.push(`iff(${earliest} < ${NEVER}, 1, 0)`);
    prev = earliest;
  }
  return terms.join(' + ');
}
