import { createHash } from 'node:crypto';
import type { Event, FieldValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';
import { normalizeJsonRecord } from '../../formats/json/normalize-json.js';
import { ecsToSigma } from './ecs-to-sigma.js';

export type Doc = { readonly [k: string]: FieldValue };

/** A shipped JSON document as the engine's Event (Sigma field names), whatever its shape: EVTX JSON, Winlogbeat raw or ECS-only, flat. */
export function documentEvent(doc: Doc): Event {
  const { fields, time } = normalizeJsonRecord(ecsToSigma(doc));
  const t = time === undefined ? NaN : timeOf(time);
  return Number.isNaN(t) ? { fields } : { fields, timestamp: t };
}

const s = (v: FieldValue | undefined): string => (v === undefined || v === null ? '' : Array.isArray(v) ? String(v[0] ?? '') : String(v));

/**
 * The dedup key of an event: host | channel | record id | event time (record ids are per channel per host and
 * restart when a log is cleared, so the time tells them apart). An event without a record id is keyed by its
 * whole text: an identical document sent twice is the same event resent. 16 bytes of SHA-256.
 */
export function eventKey(event: Event, text: string): Buffer {
  const f = event.fields;
  return keyOf(s(f['Computer']), s(f['Channel']), s(f['EventRecordID']), event.timestamp ?? s(f['TimeCreated']), text);
}

function keyOf(host: string, channel: string, record: string, time: number | string, text: string): Buffer {
  const basis = record === '' ? `t|${text}` : `r|${host.toLowerCase()}|${channel.toLowerCase()}|${record}|${time}`;
  return createHash('sha256').update(basis).digest().subarray(0, 16);
}

const isDoc = (v: FieldValue | undefined): v is Doc => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

/**
 * The dedup key of a shipped document. Winlogbeat's shape (the common one) is keyed straight from `winlog.*`
 * and `@timestamp`, the same values normalizeJsonRecord would give, without building the event: ingest
 * then parses each document once and normalizes it not at all (detection does that, once).
 */
export function documentKey(doc: Doc, text: string): Buffer {
  const w = doc['winlog'];
  if (isDoc(w) && w['record_id'] !== undefined && typeof w['computer_name'] === 'string' && typeof doc['@timestamp'] === 'string') {
    const t = timeOf(doc['@timestamp']);
    return keyOf(w['computer_name'], s(w['channel']), s(w['record_id']), Number.isNaN(t) ? '' : t, text);
  }
  return eventKey(documentEvent(doc), text);
}
