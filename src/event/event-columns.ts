import type { Event, FieldValue } from './event.js';
import { holdsValue } from './event.js';
import { timeOf } from './event-time.js';

/**
 * An event as a database row holds it, but its record id: the columns people, indexes and joins use, and every
 * field as JSON text (what converted rules read). Made where the event is read, in a worker thread or not.
 */
export interface EventColumns {
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

/** The columns of an event already normalised by the pipeline (normalizeWindowsEvent). */
export function eventColumns(event: Event): EventColumns {
  const f = event.fields;
  const time = event.timestamp ?? firstTime(f['TimeCreated'] ?? f['UtcTime']);
  const eventId = firstScalar(f['EventID']);
  return {
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

/**
 * JSON text of the fields; a bigint is written as its digits (a JSON number), which JSON.stringify cannot do. Most
 * events hold none: plain JSON.stringify first (a replacer costs a call per value, a third of the time), and the
 * replacer only for an event it refused.
 */
export function fieldsJson(fields: { readonly [k: string]: FieldValue }): string {
  try {
    return JSON.stringify(fields);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const marks: string[] = [];
  const body = JSON.stringify(fields, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000bigint${marks.length - 1}\u0000`;
  });
  return marks.length === 0 ? body : body.replace(/"\\u0000bigint(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)] as string);
}
