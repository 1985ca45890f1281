import type { BackendSpec } from '../backend-spec.js';
import { EVENTS_TABLE } from './events-table.js';
import { sqlDialect } from './sql-dialect.js';
import type { SqlSpec } from './sql-spec.js';

const COLUMNS = 'e.record_id, e.event_time, e.host, e.channel, e.event_id';

/** A SQL target: the shared leaf logic over the dialect's table, a SELECT over the events table. */
export function sqlBackend(spec: SqlSpec, summary: string): BackendSpec {
  const dialect = sqlDialect(spec);
  return {
    summary,
    extension: 'sql',
    // One events table of every channel: the logsource condition is part of the WHERE. It keeps Sysmon's field
    // names (the loader maps Security 4688 to them), so no renaming.
    place: (_rule, logsource) => ({
      kind: 'placed',
      sources: [{ dialect, fields: {}, logsource }],
      query: ([condition]) => `SELECT ${COLUMNS} FROM ${EVENTS_TABLE} AS e WHERE ${condition} ORDER BY e.record_id`,
    }),
  };
}

/**
 * A SQL target whose field tests read `e.f[i]`, the i-th of the fields the rule names, all read by `values` from the
 * event once per row in a subquery (DuckDB: one JSON parse per row instead of one per test).
 */
export function slottedSqlBackend(make: (slot: (key: string) => string) => SqlSpec, values: (event: string, keys: readonly string[]) => string, summary: string): BackendSpec {
  return {
    summary,
    extension: 'sql',
    place: (_rule, logsource) => {
      // Per rule: the keys its tests name, in the order they are first named.
      const keys: string[] = [];
      const index = new Map<string, number>();
      const slot = (key: string) => {
        let i = index.get(key);
        if (i === undefined) {
          i = keys.push(key);
          index.set(key, i);
        }
        return `e.f[${i}]`;
      };
      const dialect = sqlDialect(make(slot));
      const from = () => (keys.length === 0 ? `${EVENTS_TABLE} AS e` : `(SELECT s.*, ${values('s.event', keys)} AS f FROM ${EVENTS_TABLE} AS s) AS e`);
      return {
        kind: 'placed',
        sources: [{ dialect, fields: {}, logsource }],
        query: ([condition]) => `SELECT ${COLUMNS} FROM ${from()} WHERE ${condition} ORDER BY e.record_id`,
      };
    },
  };
}
