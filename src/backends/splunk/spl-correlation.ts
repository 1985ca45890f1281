import { hasUpperSide } from '../../engine/correlate/group-window.js';
import type { PlannedCorrelation } from '../../engine/correlate/plan-correlations.js';
import { resolveWindowsLogsource } from '../../pipeline/windows-logsources.js';
import type { SigmaCorrelation, SigmaRule } from '../../rule/model.js';
import { convertPlannedCorrelations, CorrelationRefused } from '../convert-planned-correlations.js';
import { Refusal } from '../dialect.js';
import type { ConvertedCorrelation } from '../sql/sql-correlation.js';
import { splunkFieldGroups } from './splunk-backend.js';
import { evalName } from './spl-text.js';

/** limits.conf [streamstats] max_stream_window: the largest window streamstats takes (Splunk's default). */
export const MAX_STREAM_WINDOW = 10_000;

/** The columns each firing row has after its group-by values. */
export const SPL_FIRING_COLUMNS = ['window_start_ms', 'window_end_ms', 'aggregate', 'first_ms', 'last_ms', 'contributor_count'] as const;

/**
 * Why a correlation type other than event_count is refused (the metric types too): its window is every event in [t − timespan, t] (or a
 * complete window), any number of them, and streamstats bounds a window by a count (window=, at most
 * max_stream_window) or by time (time_window=, which needs the results in time order, where reset_after, the only
 * way to consume a firing's events, resets every group at once; and whose inclusion of an event exactly a timespan
 * old the reference does not state).
 */
const UNBOUNDED =
  'its window is every event of the group in [t − timespan, t], any number of them; streamstats windows are bounded by a count ' +
  `(window=, at most max_stream_window, ${MAX_STREAM_WINDOW} by default) or by time (time_window=, which needs the results in time order, where ` +
  "reset_after, streamstats' only way to consume a firing's events, resets every group's statistics at once, and whose " +
  'inclusion of an event exactly a timespan old the search reference does not state)';

/**
 * Sigma correlations as one SPL search each, with the engine's window semantics exactly where SPL can say them (README,
 * "Correlations in SPL"): event_count with a monotone condition (gt, gte). The engine fires at the first event whose
 * window [t − timespan, t] holds n events since the group's last firing, and the firing consumes them. Sorted by group
 * and time, that is the event whose last n events since the last firing (streamstats window=n by the group) begin no
 * earlier than t − timespan; reset_after empties the windows after a firing. Every other type and every condition
 * with an upper side is refused with the reason.
 *
 * Each row is one firing: the group-by values (one column per name), window_start_ms, window_end_ms, aggregate,
 * first_ms, last_ms, contributor_count.
 */
export function convertCorrelationsSpl(
  rules: readonly SigmaRule[],
  correlations: readonly SigmaCorrelation[],
  ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string },
): ConvertedCorrelation[] {
  return convertPlannedCorrelations<string>('splunk', rules, correlations, (p) => correlationQuery(p, rules, ruleQuery), (query) => query);
}

/** The count n the condition asks for (all of its gt/gte sides at once), at least 1: an event's window holds the event. */
function threshold(p: PlannedCorrelation): number {
  let n = 1;
  for (const c of p.spec.comparisons) n = Math.max(n, c.op === 'gt' ? Math.floor(c.value) + 1 : Math.ceil(c.value));
  return n;
}

/** The Splunk field a referenced rule's events hold a Sigma field in (the same in each of the rule's logsource parts). */
function splunkField(rule: SigmaRule, name: string): string {
  const resolved = resolveWindowsLogsource(rule);
  if ('reason' in resolved) throw new CorrelationRefused(`its rule '${rule.title}' has no logsource for Splunk: ${resolved.reason}`);
  const groups = splunkFieldGroups(resolved.condition);
  if (typeof groups === 'string') throw new CorrelationRefused(`its rule '${rule.title}' cannot be converted: ${groups}`);
  try {
    const names = new Set(groups.map((g) => g.field(name)));
    if (names.size > 1) throw new CorrelationRefused(`field '${name}' is named ${[...names].join(' and ')} in the different events of rule '${rule.title}'`);
    return evalName([...names][0] as string);
  } catch (e) {
    if (e instanceof Refusal) throw new CorrelationRefused(`${e.message} (group-by field of rule '${rule.title}')`);
    throw e;
  }
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function correlationQuery(p: PlannedCorrelation, rules: readonly SigmaRule[], ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string }): string {
  const c = p.correlation;
  const type = c.type;
  if (type !== 'event_count') throw new CorrelationRefused(`${type} cannot be said exactly in SPL: ${UNBOUNDED}`);
  if (hasUpperSide(p.spec.comparisons)) {
    throw new CorrelationRefused(
      'a condition with an upper side is judged once per complete window [t0, t0 + timespan] opened at the first event after the previous window: ' +
        "a recurrence only streamstats' reset can carry, over all of a window's events, and without window= the search reference says streamstats " +
        `keeps the last max_stream_window (${MAX_STREAM_WINDOW}) events, so a larger window would be judged on part of it`,
    );
  }
  const n = threshold(p);
  if (n > MAX_STREAM_WINDOW) throw new CorrelationRefused(`its threshold (${n} events) is more than a streamstats window takes (max_stream_window, ${MAX_STREAM_WINDOW} by default)`);
  const names = c.groupBy;
  for (const name of names) {
    if (!PLAIN_NAME.test(name)) throw new CorrelationRefused(`group-by name '${name}' is not a plain field name (letters, digits, _)`);
    if (name.startsWith('sigma_') || (SPL_FIRING_COLUMNS as readonly string[]).includes(name)) throw new CorrelationRefused(`group-by name '${name}' is a field name of the converted search`);
  }
  const legs = p.members.map((m, k) => {
    if (m.kind === 'selector') throw new CorrelationRefused(`'${c.rules[k]}' selects rules by level when a hunt runs; list the rules by id or name to convert it`);
    if (m.kind === 'correlation') {
      throw new CorrelationRefused(
        `its input '${c.rules[k]}' is a correlation: its firings would have to join this search's events, and multisearch takes only streaming commands (the inner search sorts) while append cuts a subsearch at its result limit`,
      );
    }
    const rule = rules[m.rule] as SigmaRule;
    const q = ruleQuery(rule);
    if ('reason' in q) throw new CorrelationRefused(`its rule '${rule.title}' cannot be converted: ${q.reason}`);
    const fields = (p.groupFields[k] as readonly string[]).map((f, g) => `sigma_g${g}=${splunkField(rule, f)}`);
    return fields.length === 0 ? q.query : `${q.query}\n| eval ${fields.join(', ')}`;
  });
  const T = p.spec.timespanMs;
  const g = names.map((_, k) => `sigma_g${k}`);
  const fires = `sigma_n>=${n} AND sigma_ms - sigma_first<=${T}`;
  const stages = [
    legs.length === 1 ? (legs[0] as string) : `| multisearch ${legs.map((l) => `[search ${l}]`).join(' ')}`,
    // Whole milliseconds as the engine reads the event's time: _time holds at most microseconds, so the half
    // microsecond added keeps the product's rounding error from crossing a millisecond.
    'eval sigma_ms=floor(_time * 1000 + 0.0005)',
    ...(g.length === 0
      ? ['sort 0 num(sigma_ms)', `streamstats reset_after="(${fires})" window=${n} count AS sigma_n min(sigma_ms) AS sigma_first`]
      : [
          // An event without the field (or with several values) takes no part, as in the engine.
          `where ${g.map((x) => `mvcount(${x})==1`).join(' AND ')}`,
          // The group as one key whose text cannot tie two groups (length-prefixed) and sorts the same whatever sort's case rules.
          `eval sigma_key=md5(${g.map((x) => `len(${x}) . ":" . ${x}`).join(' . ')})`,
          // Each group's events together, in time order: reset_after resets every group, and here only the current one has events.
          'sort 0 str(sigma_key), num(sigma_ms)',
          `streamstats reset_after="(${fires})" window=${n} global=false count AS sigma_n min(sigma_ms) AS sigma_first BY sigma_key`,
        ]),
    `where ${fires}`,
    `eval window_start_ms=sigma_ms - ${T}, window_end_ms=sigma_ms, aggregate=sigma_n, first_ms=sigma_first, last_ms=sigma_ms, contributor_count=sigma_n`,
    ...(g.length === 0 ? [] : [`rename ${names.map((name, k) => `sigma_g${k} AS ${name}`).join(', ')}`]),
    `table ${[...names, ...SPL_FIRING_COLUMNS].join(' ')}`,
  ];
  return stages.join('\n| ');
}
