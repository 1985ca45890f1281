import { documentEvent, type Doc } from '../event/document-event.js';

/** The JetStream stream every instance of a site shares, and its subjects: one per partition. */
export const STREAM = 'sigmatch-events';
export const SUBJECT_PREFIX = 'sigmatch.events.p.';
export const subjectOf = (partition: number): string => `${SUBJECT_PREFIX}${partition}`;
/**
 * The durable pull consumers of a partition are named `sigmatch-p<k>-<random>`, one per takeover (one partition
 * subject each: nats-server 2.9 has no multi-filter consumers); this is their common prefix.
 */
export const consumerOf = (partition: number): string => `sigmatch-p${partition}-`;
/** The stream's description records the partition count, so that instances started with another --partitions refuse. */
export const describe = (partitions: number): string => `sigmatch events, ${partitions} partitions by host`;
export const partitionsOf = (description: string | undefined): number | undefined => {
  const m = /^sigmatch events, (\d+) partitions by host$/.exec(description ?? '');
  return m === null ? undefined : Number(m[1]);
};

/** FNV-1a (32 bits) of the host, lower-cased (as the dedup key reads it): stable across instances, versions and restarts. */
export function partitionOf(host: string, partitions: number): number {
  let h = 0x811c9dc5;
  const text = host.toLowerCase();
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

const isDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The host of a journaled document as detection reads it (the event's `Computer`): Winlogbeat's `winlog.computer_name`
 * straight away, any other shape through documentEvent (ECS `host.name`, EVTX JSON). '' when it names none.
 */
export function hostOf(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return '';
  }
  return isDoc(doc) ? hostOfDoc(doc) : '';
}

/** hostOf for a document already parsed (ingest parsed it for its key). */
export function hostOfDoc(doc: Doc): string {
  const w = doc['winlog'];
  if (isDoc(w) && typeof w['computer_name'] === 'string') return w['computer_name'];
  const c = documentEvent(doc).fields['Computer'];
  return typeof c === 'string' ? c : Array.isArray(c) && typeof c[0] === 'string' ? c[0] : '';
}
