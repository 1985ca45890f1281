import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, FieldValue } from '../src/event/event.js';
import { readEvtxFile } from '../src/formats/evtx/read-evtx.js';
import type { WriterEvent } from '../src/formats/evtx/write-evtx.js';
import type { WriterValue } from '../src/formats/evtx/write-values.js';

/** The real EVTX files of the shared corpus (attack samples, then the evtx crate's samples), sorted by path. */
export function realEvtxFiles(corpus: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (p.endsWith('.evtx')) out.push(p);
  };
  for (const d of ['evtx/evtx-to-mitre-attack', 'evtx/evtx-rs-samples']) {
    try {
      walk(join(corpus, d));
    } catch {
      // A corpus without that folder: the other one still counts.
    }
  }
  return out;
}

/** Every event the reader gets from the files (bad records are skipped, as a hunt skips them). */
export function* realEvents(files: readonly string[]): Generator<Event> {
  for (const f of files) for (const it of readEvtxFile(f)) if (it.kind === 'record') yield it.event;
}

/** The System fields the writer takes as properties (flattened names), not as EventData. */
const SYSTEM = new Set([
  'Provider_Name', 'Provider_Guid', 'Provider_EventSourceName', 'EventID', 'EventID_Qualifiers', 'Version', 'Level', 'Task', 'Opcode', 'Keywords',
  'TimeCreated_SystemTime', 'TimeCreated', 'EventRecordID', 'Correlation_ActivityID', 'Correlation_RelatedActivityID', 'Execution_ProcessID',
  'Execution_ThreadID', 'Channel', 'Computer', 'Security_UserID',
]);

const num = (v: FieldValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

function writerValue(v: FieldValue): WriterValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : String(v);
  if (typeof v === 'bigint') return { type: 'uint64', value: v };
  // Several values (or a nested object) in one field: replayed as their text, which is what rules test.
  if (Array.isArray(v)) return v.map(String).join(' ');
  return undefined;
}

/**
 * An event of a real file as the writer replays it: the same System values and data fields, the time moved
 * by `shiftMs` (so replayed rounds follow one another). Its record id is the writer's.
 */
export function toWriterEvent(e: Event, shiftMs: number): WriterEvent | undefined {
  const f = e.fields;
  const eventId = num(f['EventID']);
  const t = Date.parse(String(f['TimeCreated_SystemTime'] ?? f['TimeCreated'] ?? ''));
  if (eventId === undefined || eventId > 0xffff || Number.isNaN(t)) return undefined;
  const data: Array<readonly [string, WriterValue]> = [];
  for (const [k, v] of Object.entries(f)) {
    if (SYSTEM.has(k)) continue;
    const w = writerValue(v);
    if (w !== undefined) data.push([k, w]);
  }
  const guid = typeof f['Provider_Guid'] === 'string' && /^\{[0-9a-f-]{36}\}$/i.test(f['Provider_Guid']) ? f['Provider_Guid'] : undefined;
  const sid = typeof f['Security_UserID'] === 'string' && /^S-\d+(-\d+)+$/.test(f['Security_UserID']) ? f['Security_UserID'] : undefined;
  const pid = num(f['Execution_ProcessID']);
  const tid = num(f['Execution_ThreadID']);
  const small = (v: FieldValue | undefined, max: number) => {
    const n = num(v);
    return n !== undefined && n <= max ? n : undefined;
  };
  const version = small(f['Version'], 0xff);
  const level = small(f['Level'], 0xff);
  const task = small(f['Task'], 0xffff);
  const opcode = small(f['Opcode'], 0xff);
  const keywords = typeof f['Keywords'] === 'string' && /^0x[0-9a-f]{1,16}$/i.test(f['Keywords']) ? f['Keywords'] : undefined;
  return {
    provider: String(f['Provider_Name'] ?? ''),
    ...(guid !== undefined ? { providerGuid: guid } : {}),
    eventId,
    ...(version !== undefined ? { version } : {}),
    ...(level !== undefined ? { level } : {}),
    ...(task !== undefined ? { task } : {}),
    ...(opcode !== undefined ? { opcode } : {}),
    ...(keywords !== undefined ? { keywords } : {}),
    time: new Date(t + shiftMs).toISOString().replace('Z', '0000Z'),
    ...(pid !== undefined && pid <= 0xffffffff ? { processId: pid } : {}),
    ...(tid !== undefined && tid <= 0xffffffff ? { threadId: tid } : {}),
    channel: String(f['Channel'] ?? ''),
    computer: String(f['Computer'] ?? ''),
    ...(sid !== undefined ? { userSid: sid } : {}),
    data,
  };
}

/** EVTX chunks hold 64 KiB: an event whose data cannot fit is left out of the replay. */
const MAX_DATA_CHARS = 28_000;

/**
 * The real files' events replayed in rounds until about `targetBytes` of EVTX: each round is the same
 * events with times a day later than the round before; a target smaller than one round takes its start.
 */
export function* replayRealEvents(files: readonly string[], targetBytes: number): Generator<WriterEvent> {
  const base: Array<{ event: WriterEvent; bytes: number }> = [];
  for (const e of realEvents(files)) {
    const w = toWriterEvent(e, 0);
    if (w === undefined) continue;
    const chars = w.data.reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 8), 0);
    if (chars > MAX_DATA_CHARS) continue;
    // Our writer's bytes: UTF-16 data plus about 220 bytes of System values and record framing (measured).
    base.push({ event: w, bytes: 2 * chars + 220 });
  }
  if (base.length === 0) return;
  let written = 0;
  for (let r = 0; ; r++) {
    const shift = r * 86_400_000;
    for (const { event, bytes } of base) {
      if (written >= targetBytes) return;
      written += bytes;
      yield r === 0 ? event : { ...event, time: new Date(Date.parse(event.time) + shift).toISOString().replace('Z', '0000Z') };
    }
  }
}

export interface FieldLengths {
  readonly field: string;
  readonly count: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface Mix {
  readonly events: number;
  readonly channels: ReadonlyArray<readonly [string, number]>;
  readonly eventIds: ReadonlyArray<readonly [string, number]>;
  readonly lengths: readonly FieldLengths[];
  /** Median and p90 of the summed length of an event's string values. */
  readonly eventChars: { readonly median: number; readonly p90: number; readonly p99: number };
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Channels, channel/event ID pairs and per-field string lengths of a set of events. */
export function measureMix(events: Iterable<Event>): Mix {
  const channels = new Map<string, number>();
  const ids = new Map<string, number>();
  const lengths = new Map<string, number[]>();
  const totals: number[] = [];
  let n = 0;
  for (const e of events) {
    n++;
    const ch = String(e.fields['Channel'] ?? '');
    channels.set(ch, (channels.get(ch) ?? 0) + 1);
    const id = `${ch} ${String(e.fields['EventID'] ?? '')}`;
    ids.set(id, (ids.get(id) ?? 0) + 1);
    let total = 0;
    for (const [k, v] of Object.entries(e.fields)) {
      if (typeof v !== 'string' || SYSTEM.has(k)) continue;
      total += v.length;
      let l = lengths.get(k);
      if (l === undefined) lengths.set(k, (l = []));
      l.push(v.length);
    }
    totals.push(total);
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lens = [...lengths].map(([field, l]) => {
    l.sort((a, b) => a - b);
    return { field, count: l.length, median: quantile(l, 0.5), p90: quantile(l, 0.9), p99: quantile(l, 0.99), max: l[l.length - 1] ?? 0 };
  });
  totals.sort((a, b) => a - b);
  return {
    events: n,
    channels: top(channels),
    eventIds: top(ids),
    lengths: lens.sort((a, b) => b.count * b.median - a.count * a.median),
    eventChars: { median: quantile(totals, 0.5), p90: quantile(totals, 0.9), p99: quantile(totals, 0.99) },
  };
}

/** Fields whose lengths the mix table compares: the long values rules test most. */
const TABLE_FIELDS = ['ScriptBlockText', 'Payload', 'ContextInfo', 'CommandLine', 'ParentCommandLine', 'ImagePath', 'ServiceFileName', 'Image', 'TargetFilename', 'TargetObject', 'Details', 'QueryName', 'ProcessName', 'ObjectName', 'TargetUserName', 'IpAddress'];

/** Markdown lines comparing the real files' mix with the generated corpus's. */
export function mixLines(real: Mix, generated: Mix, channels = 8): string[] {
  const share = (m: Mix, list: ReadonlyArray<readonly [string, number]>, key: string) => {
    const n = list.find(([k]) => k === key)?.[1] ?? 0;
    return m.events === 0 ? '—' : `${((100 * n) / m.events).toFixed(1)}%`;
  };
  const out = ['| channel | real | generated |', '|---|---:|---:|'];
  const keys = [...new Set([...real.channels.slice(0, channels).map(([k]) => k), ...generated.channels.slice(0, channels).map(([k]) => k)])];
  for (const k of keys) out.push(`| ${k} | ${share(real, real.channels, k)} | ${share(generated, generated.channels, k)} |`);
  out.push('', '| channel and event ID | real | generated |', '|---|---:|---:|');
  const ids = [...new Set([...real.eventIds.slice(0, 12).map(([k]) => k), ...generated.eventIds.slice(0, 12).map(([k]) => k)])];
  for (const k of ids) out.push(`| ${k} | ${share(real, real.eventIds, k)} | ${share(generated, generated.eventIds, k)} |`);
  out.push('', '| field: characters (median / p90 / p99 / max), events with it | real | generated |', '|---|---:|---:|');
  const cell = (m: Mix, f: string) => {
    const l = m.lengths.find((x) => x.field === f);
    return l === undefined ? '—' : `${l.median} / ${l.p90} / ${l.p99} / ${l.max}, ${((100 * l.count) / m.events).toFixed(1)}%`;
  };
  for (const f of TABLE_FIELDS) out.push(`| ${f} | ${cell(real, f)} | ${cell(generated, f)} |`);
  const ev = (m: Mix) => `${m.eventChars.median} / ${m.eventChars.p90} / ${m.eventChars.p99}`;
  out.push(`| all data values of an event (median / p90 / p99) | ${ev(real)} | ${ev(generated)} |`);
  return out;
}
