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
  const record = s(f['EventRecordID']);
  const basis = record === '' ? `t|${text}` : `r|${s(f['Computer']).toLowerCase()}|${s(f['Channel']).toLowerCase()}|${record}|${event.timestamp ?? s(f['TimeCreated'])}`;
  return createHash('sha256').update(basis).digest().subarray(0, 16);
}
