import { createHash, hash } from 'node:crypto';
import type { Event, FieldValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';
import { normalizeJsonRecord, WINLOG_SYSTEM } from '../../formats/json/normalize-json.js';
import { ecsToSigma } from './ecs-to-sigma.js';

export type Doc = { readonly [k: string]: FieldValue };

/** A shipped JSON document as the engine's Event (Sigma field names), whatever its shape: EVTX JSON, Winlogbeat raw or ECS-only, flat. */
export function documentEvent(doc: Doc): Event {
  const fast = winlogbeatEvent(doc);
  if (fast !== undefined) return fast;
  const { fields, time } = normalizeJsonRecord(ecsToSigma(doc));
  const t = time === undefined ? NaN : timeOf(time);
  return Number.isNaN(t) ? { fields } : { fields, timestamp: t };
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
/**
 * documentEvent of the common shape, raw Winlogbeat (`winlog.event_data`, no ECS process/network/DNS objects, no
 * `user_data`, no `__proto__` key, no event data named as a System field), with the same fields in the same order,
 * or undefined for any other document. Built with two Object.assign copies instead of one property at a time, the
 * event keeps V8's fast properties (a dictionary otherwise, past ~16 names): over the bench's documents, building
 * alone 77 → 32 ms per 40,000, and with JSON.parse and the Windows pipeline (whose copy for an event with Hashes is
 * cheaper from a fast object) about a tenth less. test/service/document-event.test.ts holds it to normalizeJsonRecord.
 */
export function winlogbeatEvent(doc: Doc): Event | undefined {
  const w = doc['winlog'];
  if (!isDoc(w) || own(doc, '__proto__') || isDoc(doc['Event']) || w['user_data'] !== undefined) return undefined;
  if (isDoc(doc['process']) || isDoc(doc['destination']) || isDoc(doc['dns']) || isDoc(doc['source'])) return undefined;
  const data = w['event_data'];
  if (data !== undefined && (!isDoc(data) || own(data, '__proto__'))) return undefined;
  const fields: { [k: string]: FieldValue } = Object.assign({}, doc);
  for (let i = 0; i < WINLOG_SYSTEM.length; i++) {
    const [from, to] = WINLOG_SYSTEM[i] as readonly [string, string];
    const v = w[from];
    if (v === undefined || fields[to] !== undefined) continue;
    // A System name in the event data too would be two values: the general path's.
    if (data !== undefined && own(data, to)) return undefined;
    fields[to] = from === 'event_id' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  }
  if (data !== undefined) Object.assign(fields, data);
  const host = doc['host'];
  if (fields['Computer'] === undefined && isDoc(host) && typeof host['name'] === 'string') fields['Computer'] = host['name'];
  const ts = doc['@timestamp'];
  if (typeof ts !== 'string') return { fields };
  const t = ISO_MS_UTC.test(ts) ? Date.parse(ts) : timeOf(ts);
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

/** SHA-256 in one call (crypto.hash, Node >= 20.12: no Hash object per event), else through createHash. */
const sha256: (text: string) => Buffer = typeof hash === 'function' ? (text) => hash('sha256', text, 'buffer') : (text) => createHash('sha256').update(text).digest();

function keyOf(host: string, channel: string, record: string, time: number | string, text: string): Buffer {
  const basis = record === '' ? `t|${text}` : `r|${host.toLowerCase()}|${channel.toLowerCase()}|${record}|${time}`;
  return sha256(basis).subarray(0, 16);
}

const isDoc = (v: FieldValue | undefined): v is Doc => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

/**
 * The dedup key of a shipped document. Winlogbeat's shape (the common one) is keyed straight from `winlog.*`
 * and `@timestamp`, the same values normalizeJsonRecord would give, without building the event: ingest
 * then parses each document once and normalizes it not at all (detection does that, once).
 */
export function documentKey(doc: Doc, text: string): Buffer {
  const w = doc['winlog'];
  if (isDoc(w) && w['record_id'] !== undefined && typeof w['computer_name'] === 'string' && typeof doc['@timestamp'] === 'string') return winlogbeatKey(w['computer_name'], s(w['channel']), s(w['record_id']), doc['@timestamp'], text);
  return eventKey(documentEvent(doc), text);
}

const ISO_MS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** documentKey of a Winlogbeat document from its fields (scanWinlogbeat's, or the parsed document's). */
export function winlogbeatKey(host: string, channel: string, record: string, timestamp: string, text: string): Buffer {
  // Beats' own form (UTC, milliseconds) is one timeOf reads as Date.parse does: parsed straight away.
  const t = ISO_MS_UTC.test(timestamp) ? Date.parse(timestamp) : timeOf(timestamp);
  return keyOf(host, channel, record, Number.isNaN(t) ? '' : t, text);
}
