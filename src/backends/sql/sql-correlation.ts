import type { Diagnostic } from '../../diagnostics.js';
import { hasUpperSide } from '../../engine/correlate/group-window.js';
import type { PlannedCorrelation } from '../../engine/correlate/plan-correlations.js';
import { convertPlannedCorrelations, CorrelationRefused } from '../convert-planned-correlations.js';
import type { SigmaCorrelation, SigmaRule } from '../../rule/model.js';
import { SQL_OPS, sqlString } from './sql-spec.js';
import { EVENTS_TABLE, type SqlTarget } from './events-table.js';
import { clickhouseString } from './clickhouse.js';
import { METRIC_NUMBER_MAX_LENGTH, METRIC_NUMBER_PATTERN } from '../../engine/correlate/metric-number.js';

/** The targets correlations convert to: the three of events-table.ts and ClickHouse (its own table, clickhouse.ts). */
export type CorrelationTarget = SqlTarget | 'clickhouse';

/** Whether `convert` turns correlations into queries for the target. */
export const isCorrelationTarget = (target: string): target is CorrelationTarget => Object.hasOwn(TARGETS, target);

/**
 * Sigma correlations as one SQL query each over the events table, with the engine's window semantics (see the
 * README, "Correlations in SQL"): sliding windows on event time, both ends inclusive; a monotone condition (gt, gte)
 * fires at the first event whose window [t − timespan, t] meets it, and the firing consumes the window's events,
 * so an episode gives one row; a condition with an upper side (lt, lte, eq, neq, ranges) is judged once per
 * complete window [t0, t0 + timespan] opened at the first event after the previous window. Both are sequential,
 * so the queries walk each group's events with a recursive CTE (WITH RECURSIVE: PostgreSQL, DuckDB, SQLite).
 *
 * Each row is one firing: the group-by values (one column per name), window_start_ms and window_end_ms, the
 * aggregate, first_ms and last_ms, contributor_count and record_ids (the contributing events' record ids; an inner
 * correlation's firing contributes its last event's).
 */

export interface ConvertedCorrelation {
  readonly correlation: SigmaCorrelation;
  /** Absent when the correlation cannot be converted exactly (the diagnostics say why). */
  readonly query?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** How one SQL target says the few things the correlation queries need beyond the rules' own SQL. */
interface CorrelationSql {
  /** The event_time column as whole milliseconds since the epoch. */
  readonly timeMs: string;
  /**
   * The field's value as the engine's group text: a string itself, a number or boolean as JavaScript writes it, a
   * one-element array its element; NULL when absent, null, an object or an array of several (see the README).
   */
  readonly text: (key: string) => string;
  /** A JSON array of text values as JavaScript's JSON.stringify writes it (value_count over several fields). */
  readonly jsonArray: (parts: readonly string[]) => string;
  /** Record ids joined by commas in order. */
  readonly idList: (id: string, order: string) => string;
  readonly bigint: string;
  /** The double type (a percentile's rank is computed in it, as the engine does). */
  readonly double: string;
  /** The greatest integer not above a non-negative double (a percentile's lower rank). */
  readonly floor: (x: string) => string;
  /**
   * A text (`text` above) as the metric types read it: a double when it is a number of the engine's grammar
   * (metric-number.ts) whose value is finite, NULL otherwise. The grammar is tested before the cast, so no cast
   * sees a text it would read differently or reject.
   */
  readonly number: (text: string) => string;
}

const PATTERN = sqlString(METRIC_NUMBER_PATTERN);
const MAX_LENGTH = METRIC_NUMBER_MAX_LENGTH;
/**
 * The decimal magnitudes a double's cast rounds to infinity (at least 2^1024 − 2^970, halfway above the largest
 * double) and to zero (at most 2^-1075, halfway below the smallest): PostgreSQL's cast rejects both with an error,
 * so its number is bounded as a numeric first (exact for the grammar's texts: at most 100 characters, exponent < 1000).
 */
const OVERFLOW = (2n ** 1024n - 2n ** 970n).toString();
const UNDERFLOW = `${(5n ** 1075n).toString()}e-1075`;

const jsonPath = (key: string) => sqlString(`$."${key}"`);

const TARGETS: Record<CorrelationTarget, CorrelationSql> = {
  postgres: {
    timeMs: 'floor(extract(epoch FROM e.event_time) * 1000)::bigint',
    text: (key) => {
      const j = `e.event -> ${sqlString(key)}`;
      return (
        `(CASE jsonb_typeof(${j}) WHEN 'string' THEN e.event ->> ${sqlString(key)} WHEN 'number' THEN e.event ->> ${sqlString(key)} ` +
        `WHEN 'boolean' THEN e.event ->> ${sqlString(key)} WHEN 'array' THEN (CASE WHEN jsonb_array_length(${j}) = 1 ` +
        `AND jsonb_typeof(${j} -> 0) IN ('string', 'number', 'boolean') THEN ${j} ->> 0 END) END)`
      );
    },
    jsonArray: (parts) => `(jsonb_build_array(${parts.join(', ')}))::text`,
    idList: (id, order) => `string_agg(${id}::text, ',' ORDER BY ${order})`,
    bigint: 'BIGINT',
    double: 'DOUBLE PRECISION',
    floor: (x) => `floor(${x})`,
    number: (text) =>
      `(SELECT CASE WHEN length(n.v) <= ${MAX_LENGTH} AND n.v ~ ${PATTERN} THEN (CASE WHEN abs(n.v::numeric) >= ${OVERFLOW} THEN NULL ` +
      `WHEN abs(n.v::numeric) <= ${UNDERFLOW} THEN CAST(0 AS DOUBLE PRECISION) ELSE n.v::float8 END) END FROM (SELECT CAST(${text} AS TEXT) AS v) AS n)`,
  },
  duckdb: {
    timeMs: 'epoch_ms(e.event_time)',
    text: (key) => {
      const p = jsonPath(key);
      return (
        `(CASE WHEN json_type(e.event, ${p}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN') THEN e.event ->> ${p} ` +
        `WHEN json_type(e.event, ${p}) = 'ARRAY' AND json_array_length(e.event, ${p}) = 1 ` +
        `AND json_type(e.event, ${sqlString(`$."${key}"[0]`)}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN') THEN e.event ->> ${sqlString(`$."${key}"[0]`)} END)`
      );
    },
    jsonArray: (parts) => `CAST(json_array(${parts.join(', ')}) AS VARCHAR)`,
    idList: (id, order) => `string_agg(CAST(${id} AS VARCHAR), ',' ORDER BY ${order})`,
    bigint: 'BIGINT',
    double: 'DOUBLE',
    floor: (x) => `floor(${x})`,
    number: (text) =>
      `(SELECT CASE WHEN length(n.v) <= ${MAX_LENGTH} AND regexp_full_match(n.v, ${PATTERN}) AND isfinite(TRY_CAST(n.v AS DOUBLE)) THEN TRY_CAST(n.v AS DOUBLE) END ` +
      `FROM (SELECT CAST(${text} AS VARCHAR) AS v) AS n)`,
  },
  sqlite: {
    timeMs: 'CAST(round((julianday(e.event_time) - 2440587.5) * 86400000) AS INTEGER)',
    text: (key) => {
      const p = jsonPath(key);
      const one = sqlString(`$."${key}"[0]`);
      const scalar = (path: string) =>
        `CASE json_type(e.event, ${path}) WHEN 'text' THEN json_extract(e.event, ${path}) WHEN 'integer' THEN CAST(json_extract(e.event, ${path}) AS TEXT) ` +
        `WHEN 'real' THEN CAST(json_extract(e.event, ${path}) AS TEXT) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END`;
      return `(CASE WHEN json_type(e.event, ${p}) = 'array' THEN (CASE WHEN json_array_length(e.event, ${p}) = 1 THEN ${scalar(one)} END) ELSE ${scalar(p)} END)`;
    },
    jsonArray: (parts) => `json_array(${parts.join(', ')})`,
    idList: (id, order) => `group_concat(${id}, ',' ORDER BY ${order})`,
    bigint: 'INTEGER',
    double: 'REAL',
    // A non-negative real to INTEGER truncates (floor() needs SQLite's optional math functions).
    floor: (x) => `CAST(${x} AS INTEGER)`,
    // No built-in REGEXP: the grammar checked piece by piece. The text without its sign is split at its first 'e'
    // or 'E' into the mantissa (digits and at most one '.', at least one digit) and the exponent (an optional sign
    // and 1 to 3 digits); CAST reads such a text whole, an infinite result is no number.
    number: (text) =>
      `(SELECT CASE WHEN length(v) BETWEEN 1 AND ${MAX_LENGTH} AND m <> '' AND m NOT GLOB '*[^0-9.]*' AND m GLOB '*[0-9]*' AND m NOT GLOB '*.*.*' ` +
      `AND (x IS NULL OR x GLOB '[0-9]' OR x GLOB '[0-9][0-9]' OR x GLOB '[0-9][0-9][0-9]') AND abs(CAST(v AS REAL)) <= 1.7976931348623157e308 THEN CAST(v AS REAL) END ` +
      `FROM (SELECT v, CASE WHEN e > 0 THEN substr(u, 1, e - 1) ELSE u END AS m, ` +
      `CASE WHEN e > 0 THEN (CASE WHEN substr(u, e + 1, 1) IN ('+', '-') THEN substr(u, e + 2) ELSE substr(u, e + 1) END) END AS x ` +
      `FROM (SELECT v, u, instr(lower(u), 'e') AS e FROM (SELECT v, CASE WHEN substr(v, 1, 1) IN ('+', '-') THEN substr(v, 2) ELSE v END AS u ` +
      `FROM (SELECT CAST(${text} AS TEXT) AS v)))))`,
  },
  // The materialized `fields` column holds a field's scalar texts (a one-element array's element too); the JSON
  // length tells a one-element array from a longer one whose other elements are no scalars.
  clickhouse: {
    timeMs: 'toUnixTimestamp64Milli(e.event_time)',
    text: (key) => {
      const k = clickhouseString(key);
      return `if(length(e.fields[${k}]) = 1 AND JSONLength(e.event, ${k}) <= 1, e.fields[${k}][1], NULL)`;
    },
    // Only compared for equality (value_count's distinct tuples): any one-to-one text does.
    jsonArray: (parts) => `toJSONString([${parts.join(', ')}])`,
    idList: (id) => `arrayStringConcat(arrayMap(x -> toString(${id}), w), ',')`,
    bigint: 'Int64',
    double: 'Float64',
    floor: (x) => `floor(${x})`,
    number: (text) =>
      `arrayMap(nv -> if(length(nv) <= ${MAX_LENGTH} AND match(nv, ${clickhouseString(METRIC_NUMBER_PATTERN)}) AND isFinite(toFloat64OrZero(nv)), toFloat64OrNull(nv), NULL), [${text}])[1]`,
  },
};

const isMetric = (type: SigmaCorrelation['type']) => type === 'value_sum' || type === 'value_avg' || type === 'value_percentile' || type === 'value_median';

/** A text expression read as the metric types read a value (a double or NULL): what the correlation queries use. */
export const correlationNumberSql = (target: CorrelationTarget, text: string): string => TARGETS[target].number(text);

/** The correlation's condition on an aggregate (all comparisons hold). */
const conditionSql = (p: PlannedCorrelation, agg: string) =>
  p.spec.comparisons.map((cmp) => `(${agg}) ${cmp.op === 'neq' ? '<>' : SQL_OPS[cmp.op]} ${cmp.value}`).join(' AND ');

/** A group-by name as a column: quoted, so any name is one. */
const column = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Converts every correlation of a collection. `ruleQuery` gives a referenced rule's converted query (a SELECT whose
 * first column is record_id) or why it has none.
 */
export function convertCorrelationsSql(
  target: CorrelationTarget,
  rules: readonly SigmaRule[],
  correlations: readonly SigmaCorrelation[],
  ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string },
): ConvertedCorrelation[] {
  // Per planned correlation: its CTEs (inner ones first, each once), then the query that selects its firings.
  return convertPlannedCorrelations<{ readonly index: number; readonly ctes: readonly string[] }>(
    target,
    rules,
    correlations,
    (p, inner) => ({ index: p.index, ctes: correlationCtes(p, target, rules, ruleQuery, (index) => ({ ctes: inner(index).result.ctes, planned: inner(index).planned })) }),
    ({ index, ctes }) => `${target === 'clickhouse' ? 'WITH' : 'WITH RECURSIVE'}\n${ctes.join(',\n')}\nSELECT * FROM c${index}_out ORDER BY window_end_ms, last_ms`,
  );
}

/** The CTEs of one correlation (after those of the correlations it references): items, ranked, windows, out. */
function correlationCtes(
  p: PlannedCorrelation,
  target: CorrelationTarget,
  rules: readonly SigmaRule[],
  ruleQuery: (rule: SigmaRule) => { query: string } | { reason: string },
  innerOf: (index: number) => { readonly ctes: readonly string[]; readonly planned: PlannedCorrelation },
): string[] {
  const sql = TARGETS[target];
  const c = p.correlation;
  const type = c.type;
  const i = p.index;
  const T = p.spec.timespanMs;
  const names = c.groupBy;
  const g = names.length > 0 ? names.map((_, k) => `g${k}`) : ['g0'];
  // value_count's value: one field's text, or several as a JSON array (absent when any is).
  const valueOf = (parts: readonly string[]) =>
    parts.length === 1 ? (parts[0] as string) : `(CASE WHEN ${parts.map((x) => `${x} IS NOT NULL`).join(' AND ')} THEN ${sql.jsonArray(parts)} END)`;
  const fieldsOfValue = c.condition?.field ?? [];
  const metric = isMetric(type);
  // A metric's value: its one field read as a number (the engine reads no value from a tuple).
  const numberOf = (parts: readonly string[]) => (parts.length === 1 ? sql.number(parts[0] as string) : 'NULL');
  const inner: string[] = [];
  const selects: string[] = [];
  p.members.forEach((m, k) => {
    if (m.kind === 'selector') throw new CorrelationRefused(`'${c.rules[k]}' selects rules by level when a hunt runs; list the rules by id or name to convert it`);
    let value = 'NULL';
    if (m.kind === 'rule') {
      const rule = rules[m.rule] as SigmaRule;
      const q = ruleQuery(rule);
      if ('reason' in q) throw new CorrelationRefused(`its rule '${rule.title}' cannot be converted: ${q.reason}`);
      const fields = p.groupFields[k] as readonly string[];
      const groups = names.length > 0 ? fields.map((f, n) => `${sql.text(f)} AS g${n}`) : ['0 AS g0'];
      if (type === 'value_count') value = valueOf(fieldsOfValue.map((f) => sql.text(f)));
      if (metric) value = numberOf(fieldsOfValue.map((f) => sql.text(f)));
      selects.push(
        `SELECT e.record_id AS rid, ${sql.timeMs} AS t, ${sql.timeMs} AS first_t, ${k} AS member, ${groups.join(', ')}, ${value} AS val ` +
          `FROM ${EVENTS_TABLE} AS e WHERE e.record_id IN (SELECT q.record_id FROM (${q.query}) AS q)`,
      );
    } else {
      const { ctes: innerCtes, planned: ip } = innerOf(m.correlation);
      inner.push(...innerCtes.filter((x) => !inner.includes(x)));
      // The inner firing's group values by name (an outer group-by name the inner does not group by: no value).
      const innerNames = ip.correlation.groupBy;
      const pick = (name: string) => (innerNames.includes(name) ? column(name) : 'NULL');
      const groups = names.length > 0 ? (p.groupFields[k] as readonly string[]).map((f, n) => `${pick(f)} AS g${n}`) : ['0 AS g0'];
      if (type === 'value_count') value = valueOf(fieldsOfValue.map(pick));
      if (metric) value = numberOf(fieldsOfValue.map(pick));
      selects.push(`SELECT last_rid AS rid, last_ms AS t, first_ms AS first_t, ${k} AS member, ${groups.join(', ')}, ${value} AS val FROM c${ip.index}_out`);
    }
  });
  const gl = g.join(', ');
  const items = `c${i}_items AS (\n  ${selects.join('\n  UNION ALL\n  ')}\n)`;
  if (target === 'clickhouse') return [...inner, items, ...clickhouseWindows(p, g, names)];
  const same = (a: string, b: string) => g.map((x) => `${a}.${x} = ${b}.${x}`).join(' AND ');
  const ranked =
    `c${i}_ranked AS (SELECT rid, t, first_t, member, ${gl}, val, ROW_NUMBER() OVER (PARTITION BY ${gl} ORDER BY t, member, rid) AS rn ` +
    `FROM c${i}_items WHERE t IS NOT NULL AND ${g.map((x) => `${x} IS NOT NULL`).join(' AND ')})`;
  // The aggregate of the items x in a window, and the condition on it.
  const aggregate = (x: string, within: (y: string) => string): string => {
    switch (type) {
      case 'event_count':
        return `COUNT(*)`;
      case 'value_count':
        return `COUNT(DISTINCT ${x}.val)`;
      case 'temporal':
        return `COUNT(DISTINCT ${x}.member)`;
      case 'temporal_ordered':
        return orderedPrefix(p.members.length, within);
      case 'value_sum':
        return `SUM(${x}.val)`;
      case 'value_avg':
        return `SUM(${x}.val) / COUNT(${x}.val)`;
      case 'value_percentile':
      case 'value_median':
        return percentile(within);
      default: {
        const never: never = type;
        return never;
      }
    }
  };
  // Aggregates that read the window's items again (a subquery of their own, not an aggregate over x).
  const scalar = type === 'temporal_ordered' || type === 'value_percentile' || type === 'value_median';
  const holds = (agg: string) => conditionSql(p, agg);
  const groupCols = names.length > 0 ? names.map((n, k) => `f.g${k} AS ${column(n)}`).join(', ') + ', ' : '';
  const outCols = (start: string, end: string) =>
    `${groupCols}${start} AS window_start_ms, ${end} AS window_end_ms, MIN(x.first_t) AS first_ms, MAX(x.t) AS last_ms, ` +
    `COUNT(*) AS contributor_count, ${sql.idList('x.rid', 'x.rn')} AS record_ids`;
  // temporal_ordered's aggregate reads the window's items again (its chain search): they are the rows of ranked
  // that `within` selects, for a given x alias.
  if (!hasUpperSide(p.spec.comparisons)) {
    // Monotone: fire(g, rn) walks the firings; each next one is the first item after the previous firing whose
    // window (items after that firing, no older than the item's time − T) meets the condition.
    const windowOf = (x: string, prev: string, at: string) => `${x}.rn > ${prev}.rn AND ${x}.rn <= ${at}.rn AND ${x}.t >= ${at}.t - ${T} AND ${same(x, at)}`;
    // temporal_ordered's aggregate is no aggregate over x but a chain search of its own (see orderedPrefix).
    const aggAt = (prev: string, at: string) =>
      scalar ? aggregate('x', (y) => windowOf(y, prev, at)) : `(SELECT ${aggregate('x', (y) => windowOf(y, prev, at))} FROM c${i}_ranked AS x WHERE ${windowOf('x', prev, at)})`;
    const fire =
      `c${i}_fire(${gl}, rn) AS (\n` +
      `  SELECT DISTINCT ${gl}, CAST(0 AS ${sql.bigint}) FROM c${i}_ranked\n` +
      `  UNION ALL\n` +
      `  SELECT f.${g.join(', f.')}, (SELECT MIN(c.rn) FROM c${i}_ranked AS c WHERE ${same('c', 'f')} AND c.rn > f.rn AND ${holds(aggAt('f', 'c'))}) ` +
      `FROM c${i}_fire AS f WHERE f.rn IS NOT NULL\n)`;
    const fired =
      `c${i}_fired AS (SELECT ${gl}, rn, LAG(rn) OVER (PARTITION BY ${gl} ORDER BY rn) AS prev FROM c${i}_fire WHERE rn IS NOT NULL)`;
    const outRows =
      `c${i}_out AS (SELECT ${outCols('c.t - ' + T, 'c.t')}, ${aggregate('x', (y) => `${y}.rn > f.prev AND ${y}.rn <= f.rn AND ${y}.t >= c.t - ${T} AND ${same(y, 'f')}`)} AS aggregate, ` +
      `c.rid AS last_rid ` +
      `FROM c${i}_fired AS f JOIN c${i}_ranked AS c ON ${same('c', 'f')} AND c.rn = f.rn ` +
      `JOIN c${i}_ranked AS x ON ${same('x', 'f')} AND x.rn > f.prev AND x.rn <= f.rn AND x.t >= c.t - ${T} ` +
      `WHERE f.rn > 0 GROUP BY ${g.map((x) => `f.${x}`).join(', ')}, f.rn, f.prev, c.t, c.rid)`;
    return [...inner, items, ranked, fire, fired, outRows];
  }
  // Upper side: windows [t0, t0 + T] one after another, each opened at the first item after the previous one.
  const win =
    `c${i}_win(${gl}, rn, t) AS (\n` +
    `  SELECT ${gl}, rn, t FROM c${i}_ranked WHERE rn = 1\n` +
    `  UNION ALL\n` +
    `  SELECT n.${g.join(', n.')}, n.rn, n.t FROM c${i}_win AS w JOIN c${i}_ranked AS n ON ${same('n', 'w')} ` +
    `AND n.rn = (SELECT MIN(c.rn) FROM c${i}_ranked AS c WHERE ${same('c', 'w')} AND c.t > w.t + ${T})\n)`;
  const within = (y: string) => `${y}.rn >= f.rn AND ${y}.t <= f.t + ${T} AND ${same(y, 'f')}`;
  const outRows =
    `c${i}_out AS (SELECT * FROM (SELECT ${outCols('f.t', 'f.t + ' + T)}, ${aggregate('x', within)} AS aggregate, MAX(x.rid) AS last_rid ` +
    `FROM c${i}_win AS f JOIN c${i}_ranked AS x ON ${within('x')} GROUP BY ${g.map((x) => `f.${x}`).join(', ')}, f.rn, f.t) AS w WHERE ${holds('w.aggregate')})`;
  return [...inner, items, ranked, win, outRows];

  /**
   * value_percentile and value_median as the engine computes them (group-window.ts percentileOf): the window's
   * numbers sorted, rank r = p/100 · (n − 1) in doubles, the numbers at ranks floor(r) and the next one above when r
   * has a fraction, linearly interpolated: a + (b − a) · (r − floor(r)). NULL when the window has no number.
   */
  function percentile(within: (y: string) => string): string {
    const q = Math.min(100, Math.max(0, type === 'value_median' ? 50 : (p.spec.percentile ?? 50))) / 100;
    const at = (k: string) => `MAX(CASE WHEN pc.k = ${k} THEN pc.v END)`;
    const ranked =
      `SELECT y.val AS v, ROW_NUMBER() OVER (ORDER BY y.val) - 1 AS k, CAST(${String(q)} AS ${sql.double}) * (COUNT(*) OVER () - 1) AS r ` +
      `FROM c${i}_ranked AS y WHERE ${within('y')} AND y.val IS NOT NULL`;
    const ranks = `SELECT pr.v, pr.k, pr.r, pr.lo, pr.lo + (CASE WHEN pr.r > pr.lo THEN 1 ELSE 0 END) AS hi FROM (SELECT ps.v, ps.k, ps.r, ${sql.floor('ps.r')} AS lo FROM (${ranked}) AS ps) AS pr`;
    return `(SELECT ${at('pc.lo')} + (${at('pc.hi')} - ${at('pc.lo')}) * (MAX(pc.r) - MAX(pc.lo)) FROM (${ranks}) AS pc)`;
  }

  /**
   * temporal_ordered: the longest prefix of the member list whose events occur in time order inside the window (ties
   * count as ordered): the sum over j of "members 0..j−1 have a chain", each chain a nest of EXISTS.
   */
  function orderedPrefix(members: number, within: (y: string) => string): string {
    const chain = (length: number): string => {
      let inner = '';
      for (let j = length - 1; j >= 0; j--) {
        const y = `o${j}`;
        const after = j > 0 ? ` AND ${y}.t >= o${j - 1}.t` : '';
        inner = `EXISTS (SELECT 1 FROM c${i}_ranked AS ${y} WHERE ${within(y)} AND ${y}.member = ${j}${after}${inner === '' ? '' : ` AND ${inner}`})`;
      }
      return inner;
    };
    const terms: string[] = [];
    for (let j = 1; j <= members; j++) terms.push(`(CASE WHEN ${chain(j)} THEN 1 ELSE 0 END)`);
    // A scalar over the window's columns, not an aggregate: in a grouped query it reads only grouped columns.
    return `(${terms.join(' + ')})`;
  }
}

/**
 * ClickHouse's windows: its recursive CTEs cannot read the previous step's row in a subquery (26.7: "can't find
 * correlated column"), so each group's items are one array sorted as the other targets rank them (time, member,
 * record id), and arrayFold walks it with the engine's state: the last firing (monotone) or the open window's end
 * (upper side). A window is the array slice of its items, `w` below; its tuples are (t, member, rid, first_t, val).
 */
function clickhouseWindows(p: PlannedCorrelation, g: readonly string[], names: readonly string[]): string[] {
  const i = p.index;
  const T = p.spec.timespanMs;
  const type = p.correlation.type;
  const gl = g.join(', ');
  const min64 = 'toInt64(-9223372036854775807 - 1)';
  // A metric window's numbers in item order, and their sum added in that order (the engine's).
  const numbers = (w: string) => `arrayMap(x -> assumeNotNull(x.5), arrayFilter(x -> isNotNull(x.5), ${w}))`;
  const sum = (ns: string) => `arrayFold((acc, x) -> acc + x, ${ns}, toFloat64(0))`;
  const aggregate = (w: string): string => {
    switch (type) {
      case 'event_count':
        return `length(${w})`;
      case 'value_count':
        return `length(arrayDistinct(arrayFilter(v -> isNotNull(v), arrayMap(x -> x.5, ${w}))))`;
      case 'temporal':
        return `length(arrayDistinct(arrayMap(x -> x.2, ${w})))`;
      case 'temporal_ordered': {
        // The engine's greedy chain: each member's earliest item at or after the previous member's; none ends it.
        const of = (m: string, a: string) => `arrayFilter(x -> x.2 = ${m} AND x.1 >= ${a}.2, ${w})`;
        return (
          `arrayFold((a, m) -> if(notEmpty(${of('m', 'a')}), (a.1 + 1, arrayMin(arrayMap(x -> x.1, ${of('m', 'a')}))), (a.1, toInt64(9223372036854775807))), ` +
          `range(toUInt32(${p.members.length})), (toUInt64(0), ${min64})).1`
        );
      }
      case 'value_sum':
        return `arrayMap(ns -> if(empty(ns), NULL, ${sum('ns')}), [${numbers(w)}])[1]`;
      case 'value_avg':
        return `arrayMap(ns -> if(empty(ns), NULL, ${sum('ns')} / length(ns)), [${numbers(w)}])[1]`;
      case 'value_percentile':
      case 'value_median': {
        // As the other targets (percentile in correlationCtes): sorted numbers, rank r = p/100 · (n − 1), interpolated.
        const q = Math.min(100, Math.max(0, type === 'value_median' ? 50 : (p.spec.percentile ?? 50))) / 100;
        const at = (k: string) => `s[toUInt64(${k}) + 1]`;
        const interpolated = `arrayMap(r -> ${at('floor(r)')} + (${at('ceil(r)')} - ${at('floor(r)')}) * (r - floor(r)), [toFloat64(${String(q)}) * (length(s) - 1)])[1]`;
        return `arrayMap(s -> if(empty(s), NULL, ${interpolated}), [arraySort(${numbers(w)})])[1]`;
      }
      default: {
        const never: never = type;
        return never;
      }
    }
  };
  // The aggregate of a window array computed once (the array expression is long).
  const aggOf = (window: string) => `arrayMap(w -> ${aggregate('w')}, [${window}])[1]`;
  const holds = (agg: string) => conditionSql(p, agg);
  const groupCols = names.length > 0 ? names.map((n, k) => `g${k} AS ${column(n)}`).join(', ') + ', ' : '';
  const outCols = (start: string, end: string, lastRid: string) =>
    `${groupCols}${start} AS window_start_ms, ${end} AS window_end_ms, arrayMin(arrayMap(x -> x.4, w)) AS first_ms, arrayMax(arrayMap(x -> x.1, w)) AS last_ms, ` +
    `length(w) AS contributor_count, ${TARGETS.clickhouse.idList('x.3', '')} AS record_ids, ${aggregate('w')} AS aggregate, ${lastRid} AS last_rid`;
  const groups =
    `c${i}_groups AS (SELECT ${gl}, arraySort(x -> (x.1, x.2, x.3), groupArray((assumeNotNull(t), toUInt32(member), toInt64(rid), assumeNotNull(first_t), val))) AS xs ` +
    `FROM c${i}_items WHERE t IS NOT NULL AND ${g.map((x) => `${x} IS NOT NULL`).join(' AND ')} GROUP BY ${gl})`;
  if (!hasUpperSide(p.spec.comparisons)) {
    // Monotone: at each item k, the window is the items after the last firing no older than its time − T; a firing
    // is the pair (last firing, k).
    const window = (prev: string, k: string) => `arrayFilter(x -> x.1 >= xs[${k}].1 - ${T}, arraySlice(xs, ${prev} + 1, ${k} - ${prev}))`;
    const fire =
      `c${i}_fire AS (SELECT ${gl}, xs, arrayFold((acc, k) -> if(${holds(aggOf(window('acc.1', 'k')))}, (toUInt64(k), arrayPushBack(acc.2, (acc.1, toUInt64(k)))), acc), ` +
      `arrayEnumerate(xs), (toUInt64(0), CAST([], 'Array(Tuple(UInt64, UInt64))'))).2 AS fired FROM c${i}_groups)`;
    const out =
      `c${i}_out AS (SELECT ${outCols(`xs[fr.2].1 - ${T}`, 'xs[fr.2].1', 'xs[fr.2].3')} ` +
      `FROM (SELECT ${gl}, xs, fr, ${window('fr.1', 'fr.2')} AS w FROM c${i}_fire ARRAY JOIN fired AS fr))`;
    return [groups, fire, out];
  }
  // Upper side: a window [t0, t0 + T] opens at the first item after the open one's end; each is judged whole.
  const win =
    `c${i}_win AS (SELECT ${gl}, xs, arrayFold((acc, k) -> if(empty(acc.2) OR xs[k].1 > acc.1, (toInt64(xs[k].1 + ${T}), arrayPushBack(acc.2, toUInt64(k))), acc), ` +
    `arrayEnumerate(xs), (${min64}, CAST([], 'Array(UInt64)'))).2 AS starts FROM c${i}_groups)`;
  const out =
    `c${i}_out AS (SELECT * FROM (SELECT ${outCols('xs[s].1', `xs[s].1 + ${T}`, 'arrayMax(arrayMap(x -> x.3, w))')} ` +
    `FROM (SELECT ${gl}, xs, s, arrayFilter(x -> x.1 <= xs[s].1 + ${T}, arraySlice(xs, s)) AS w FROM c${i}_win ARRAY JOIN starts AS s)) WHERE ${holds('aggregate')})`;
  return [groups, win, out];
}
