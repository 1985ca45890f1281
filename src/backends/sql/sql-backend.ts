import type { BackendSpec } from '../backend-spec.js';
import { EVENTS_TABLE } from './events-table.js';
import { sqlDialect } from './sql-dialect.js';
import type { SqlSpec } from './sql-spec.js';

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
      query: ([condition]) => `SELECT e.record_id, e.event_time, e.host, e.channel, e.event_id FROM ${EVENTS_TABLE} AS e WHERE ${condition} ORDER BY e.record_id`,
    }),
  };
}
