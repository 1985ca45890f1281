import type { Event } from '../../event/event.js';
import { eventColumns, type EventColumns } from '../../event/event-columns.js';

export type SqlTarget = 'postgres' | 'duckdb' | 'sqlite';

/** The table every converted query reads (see the README section on `sigmatch convert`). */
export const EVENTS_TABLE = 'sigma_events';

/**
 * One row per event. The columns are for people, indexes and joins; every rule test reads `event`, the event's fields
 * exactly as sigmatch matches them (after the Windows pipeline's field mapping: 4688 names as Sysmon's, Hashes split),
 * so a query finds what the engine finds.
 */
export function eventsTableDdl(target: SqlTarget, table = EVENTS_TABLE): string {
  // SQLite keeps its binary JSONB (3.45+): the JSON functions read it without parsing text on every call.
  const json = target === 'postgres' ? 'JSONB' : target === 'duckdb' ? 'JSON' : 'BLOB';
  const time = target === 'sqlite' ? 'TEXT' : 'TIMESTAMPTZ';
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    `  record_id BIGINT PRIMARY KEY,`,
    `  source_file TEXT,`,
    `  source_record BIGINT,`,
    `  event_time ${time},`,
    `  host TEXT,`,
    `  channel TEXT,`,
    `  event_id INTEGER,`,
    `  event ${json} NOT NULL`,
    `)`,
  ].join('\n');
}

/** A row of the events table: the record id and the event's columns (see EventColumns). */
export interface EventRow extends EventColumns {
  readonly record_id: number;
}

/** The row of an event already normalised by the pipeline (normalizeWindowsEvent); `id` is the table's record id. */
export function eventRow(event: Event, id: number): EventRow {
  return { record_id: id, ...eventColumns(event) };
}
