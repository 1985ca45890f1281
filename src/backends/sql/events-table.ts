import type { Event, FieldValue } from '../../event/event.js';
import { holdsValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';

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

export interface EventRow {
  readonly record_id: number;
  readonly source_file: string | null;
  readonly source_record: number | null;
  /** ISO-8601 UTC, or null when the event has no time. */
  readonly event_time: string | null;
  readonly host: string | null;
  readonly channel: string | null;
  readonly event_id: number | null;
  /** The fields as JSON text (bigints as JSON numbers, digits kept). */
  readonly event: string;
}

/** The row of an event already normalised by the pipeline (normalizeWindowsEvent); `id` is the table's record id. */
export function eventRow(event: Event, id: number): EventRow {
  const f = event.fields;
  const time = event.timestamp ?? firstTime(f['TimeCreated'] ?? f['UtcTime']);
  const eventId = firstScalar(f['EventID']);
  return {
    record_id: id,
    source_file: event.source?.file ?? null,
    source_record: event.source?.record ?? null,
    event_time: time === undefined || Number.isNaN(time) ? null : new Date(time).toISOString(),
    host: text(firstScalar(f['Computer'])),
    channel: text(firstScalar(f['Channel'])),
    event_id: typeof eventId === 'number' && Number.isInteger(eventId) && Math.abs(eventId) < 2 ** 31 ? eventId : holdsNumber(eventId),
    event: fieldsJson(f),
  };
}

function firstScalar(v: FieldValue | undefined): FieldValue | undefined {
  return Array.isArray(v) ? firstScalar(v[0] as FieldValue | undefined) : v;
}

function text(v: FieldValue | undefined): string | null {
  return v === undefined || v === null || typeof v === 'object' ? null : String(v);
}

function holdsNumber(v: FieldValue | undefined): number | null {
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v.trim())) return null;
  return holdsValue(v, Number(v.trim())) ? Number(v.trim()) : null;
}

function firstTime(v: FieldValue | undefined): number | undefined {
  const s = firstScalar(v);
  return s === undefined || s === null || typeof s === 'object' ? undefined : timeOf(s as FieldValue);
}

/** JSON text of the fields; a bigint is written as its digits (a JSON number), which JSON.stringify cannot do. */
export function fieldsJson(fields: { readonly [k: string]: FieldValue }): string {
  const marks: string[] = [];
  const body = JSON.stringify(fields, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000bigint${marks.length - 1}\u0000`;
  });
  return marks.length === 0 ? body : body.replace(/"\\u0000bigint(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)] as string);
}
