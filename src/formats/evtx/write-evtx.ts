import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
import { encodeValue, isoToFiletime, type WriterValue } from './write-values.js';

/** One event to write: the System fields Windows records, and the EventData fields in order. */
export interface WriterEvent {
  readonly provider: string;
  readonly providerGuid?: string;
  readonly eventId: number;
  readonly version?: number;
  readonly level?: number;
  readonly task?: number;
  readonly opcode?: number;
  readonly keywords?: string;
  /** ISO-8601 UTC, up to 7 fraction digits. */
  readonly time: string;
  readonly processId?: number;
  readonly threadId?: number;
  readonly channel: string;
  readonly computer: string;
  readonly userSid?: string;
  readonly data: ReadonlyArray<readonly [string, WriterValue]>;
  /**
   * Written as `<UserData><element xmlns=…><name>value</name>…</element></UserData>` instead of EventData
   * (`data` is then ignored): the shape of provider-specific events such as System 104, "log cleared".
   */
  readonly userData?: { readonly element: string; readonly xmlns?: string; readonly fields: ReadonlyArray<readonly [string, WriterValue]> };
}

const CHUNK_END_MARGIN = 64;
const XMLNS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** A growable little-endian byte buffer. */
class Bytes {
  buf = Buffer.alloc(4096);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }
}

function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 65599) + name.charCodeAt(i)) >>> 0;
  return h & 0xffff;
}

type TemplateValue = { readonly sub: number } | { readonly literal: string };
interface TemplateElement {
  readonly name: string;
  readonly attrs: ReadonlyArray<readonly [string, TemplateValue]>;
  readonly content?: TemplateValue;
  readonly children?: readonly TemplateElement[];
}

/** The template Windows would use for this event shape, and the substitution values in slot order. */
function templateFor(e: WriterEvent, id: number): { key: string; root: TemplateElement; values: WriterValue[] } {
  const values: WriterValue[] = [];
  const sub = (v: WriterValue): TemplateValue => ({ sub: values.push(v) - 1 });
  const el = (name: string, content?: TemplateValue, attrs: Array<[string, TemplateValue]> = [], children?: TemplateElement[]): TemplateElement => ({
    name,
    attrs,
    ...(content !== undefined ? { content } : {}),
    ...(children !== undefined ? { children } : {}),
  });
  const system = [
    el('Provider', undefined, [
      ['Name', sub(e.provider)],
      ['Guid', sub(e.providerGuid === undefined ? null : { type: 'guid', value: e.providerGuid })],
    ]),
    el('EventID', sub({ type: 'uint16', value: e.eventId })),
    el('Version', sub({ type: 'uint8', value: e.version ?? 0 })),
    el('Level', sub({ type: 'uint8', value: e.level ?? 4 })),
    el('Task', sub({ type: 'uint16', value: e.task ?? 0 })),
    el('Opcode', sub({ type: 'uint8', value: e.opcode ?? 0 })),
    el('Keywords', sub({ type: 'hex64', value: e.keywords ?? '0x8000000000000000' })),
    el('TimeCreated', undefined, [['SystemTime', sub({ type: 'filetime', value: e.time })]]),
    el('EventRecordID', sub({ type: 'uint64', value: id })),
    el('Correlation'),
    el('Execution', undefined, [
      ['ProcessID', sub({ type: 'uint32', value: e.processId ?? 0 })],
      ['ThreadID', sub({ type: 'uint32', value: e.threadId ?? 0 })],
    ]),
    el('Channel', sub(e.channel)),
    el('Computer', sub(e.computer)),
    el('Security', undefined, [['UserID', sub(e.userSid === undefined ? null : { type: 'sid', value: e.userSid })]]),
  ];
  const u = e.userData;
  const payload =
    u === undefined
      ? el('EventData', undefined, [], e.data.map(([name, v]) => el('Data', sub(v), [['Name', { literal: name }]])))
      : el('UserData', undefined, [], [el(u.element, undefined, u.xmlns === undefined ? [] : [['xmlns', { literal: u.xmlns }]], u.fields.map(([name, v]) => el(name, sub(v))))]);
  const root = el('Event', undefined, [['xmlns', { literal: XMLNS }]], [el('System', undefined, [], system), payload]);
  const key = u === undefined ? `${e.provider}|${e.eventId}|${e.data.map(([n]) => n).join(',')}` : `${e.provider}|${e.eventId}|U:${u.element}|${u.fields.map(([n]) => n).join(',')}`;
  return { key, root, values };
}

/** Builds one chunk: names and template definitions are written inline at first use, referenced after. */
class ChunkBuilder {
  readonly buf = Buffer.alloc(CHUNK_SIZE);
  pos = 512;
  firstId = -1;
  lastId = -1;
  lastRecordOffset = 0;
  private names = new Map<string, number>();
  private templates = new Map<string, number>();
  private nameBuckets = new Array<number>(64).fill(0);
  private templateBuckets = new Array<number>(32).fill(0);
  private templateCount = 0;

  /** Appends the record, or returns false when it does not fit (the chunk is left unchanged). */
  tryAdd(e: WriterEvent, id: number): boolean {
    const snapshot = { names: new Map(this.names), templates: new Map(this.templates), nb: [...this.nameBuckets], tb: [...this.templateBuckets], tc: this.templateCount };
    const { key, root, values } = templateFor(e, id);
    const rec = new Bytes();
    const base = this.pos;
    const at = () => base + rec.len;
    rec.u32(0x00002a2a);
    rec.u32(0);
    rec.bytes(encodeValue({ type: 'uint64', value: id }).bytes);
    rec.bytes(encodeValue({ type: 'filetime', value: e.time }).bytes);
    rec.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
    rec.u8(0x0c);
    rec.u8(0x01);
    const existing = this.templates.get(key);
    const templateId = existing ?? ++this.templateCount;
    rec.u32(templateId);
    if (existing !== undefined) rec.u32(existing);
    else {
      const defOffset = at() + 4;
      rec.u32(defOffset);
      this.templates.set(key, defOffset);
      const bucket = templateId % 32;
      rec.u32(this.templateBuckets[bucket] ?? 0);
      this.templateBuckets[bucket] = defOffset;
      const guid = Buffer.alloc(16);
      guid.writeUInt32LE(templateId, 0);
      guid.write(key.slice(0, 12).padEnd(12, '\0'), 4, 'latin1');
      rec.bytes(guid);
      const sizeAt = rec.len;
      rec.u32(0);
      const bodyStart = rec.len;
      rec.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
      this.writeElement(rec, root, at, values);
      rec.u8(0x00);
      rec.setU32(sizeAt, rec.len - bodyStart);
    }
    const encoded = values.map(encodeValue);
    rec.u32(encoded.length);
    for (const v of encoded) {
      rec.u16(v.bytes.length);
      rec.u8(v.type);
      rec.u8(0);
    }
    for (const v of encoded) rec.bytes(v.bytes);
    rec.u8(0x00);
    const size = rec.len + 4;
    // Keep a margin at the chunk's end, as Windows does: libevtx skips a record ending in the last bytes.
    if (this.pos + size > CHUNK_SIZE - CHUNK_END_MARGIN) {
      this.names = snapshot.names;
      this.templates = snapshot.templates;
      this.nameBuckets = snapshot.nb;
      this.templateBuckets = snapshot.tb;
      this.templateCount = snapshot.tc;
      return false;
    }
    rec.u32(size);
    rec.setU32(4, size);
    rec.buf.copy(this.buf, this.pos, 0, rec.len);
    this.lastRecordOffset = this.pos;
    this.pos += size;
    if (this.firstId < 0) this.firstId = id;
    this.lastId = id;
    return true;
  }

  private writeName(rec: Bytes, name: string, at: () => number): void {
    const known = this.names.get(name);
    if (known !== undefined) {
      rec.u32(known);
      return;
    }
    const offset = at() + 4;
    rec.u32(offset);
    this.names.set(name, offset);
    const hash = nameHash(name);
    rec.u32(this.nameBuckets[hash % 64] ?? 0);
    this.nameBuckets[hash % 64] = offset;
    rec.u16(hash);
    rec.u16(name.length);
    rec.bytes(Buffer.from(name, 'utf16le'));
    rec.u16(0);
  }

  private writeValue(rec: Bytes, v: TemplateValue, values: readonly WriterValue[]): void {
    if ('literal' in v) {
      rec.u8(0x05);
      rec.u8(0x01);
      rec.u16(v.literal.length);
      rec.bytes(Buffer.from(v.literal, 'utf16le'));
    } else {
      rec.u8(0x0e);
      rec.u16(v.sub);
      rec.u8(encodeValue(values[v.sub] ?? null).type);
    }
  }

  private writeElement(rec: Bytes, el: TemplateElement, at: () => number, values: readonly WriterValue[]): void {
    const start = rec.len;
    rec.u8(el.attrs.length > 0 ? 0x41 : 0x01);
    rec.u16(0xffff);
    const sizeAt = rec.len;
    rec.u32(0);
    this.writeName(rec, el.name, at);
    if (el.attrs.length > 0) {
      const listAt = rec.len;
      rec.u32(0);
      el.attrs.forEach(([name, v], i) => {
        rec.u8(i < el.attrs.length - 1 ? 0x46 : 0x06);
        this.writeName(rec, name, at);
        this.writeValue(rec, v, values);
      });
      rec.setU32(listAt, rec.len - listAt - 4);
    }
    if (el.content === undefined && (el.children === undefined || el.children.length === 0)) {
      rec.u8(0x03);
    } else {
      rec.u8(0x02);
      if (el.content !== undefined) this.writeValue(rec, el.content, values);
      for (const c of el.children ?? []) this.writeElement(rec, c, at, values);
      rec.u8(0x04);
    }
    rec.setU32(sizeAt, rec.len - start - 7);
  }

  finish(chunkNumberFirst: number): Buffer {
    const b = this.buf;
    b.write('ElfChnk\0', 0, 'latin1');
    b.writeBigUInt64LE(BigInt(chunkNumberFirst), 8);
    b.writeBigUInt64LE(BigInt(chunkNumberFirst + (this.lastId - this.firstId)), 16);
    b.writeBigUInt64LE(BigInt(this.firstId), 24);
    b.writeBigUInt64LE(BigInt(this.lastId), 32);
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(this.lastRecordOffset, 44);
    b.writeUInt32LE(this.pos, 48);
    this.nameBuckets.forEach((o, i) => b.writeUInt32LE(o, 128 + 4 * i));
    this.templateBuckets.forEach((o, i) => b.writeUInt32LE(o, 384 + 4 * i));
    b.writeUInt32LE(crc32(b.subarray(512, this.pos)), 52);
    b.writeUInt32LE(0, 120);
    b.writeUInt32LE(crc32(Buffer.concat([b.subarray(0, 120), b.subarray(128, 512)])), 124);
    return b;
  }
}

/**
 * Writes EVTX files as Windows does (template-based BinXML, one template per event shape per chunk).
 * Chunks are handed to `sink` as they fill; the file header comes last, from `header()`.
 */
export class EvtxWriter {
  private chunk = new ChunkBuilder();
  private chunks = 0;
  private nextId: number;

  constructor(
    private readonly sink: (chunk: Buffer) => void,
    firstRecordId = 1,
  ) {
    this.nextId = firstRecordId;
  }

  add(e: WriterEvent): void {
    isoToFiletime(e.time);
    if (this.chunk.tryAdd(e, this.nextId)) {
      this.nextId++;
      return;
    }
    if (this.chunk.firstId < 0) throw new Error(`event ${e.provider}/${e.eventId} is larger than a chunk`);
    this.flushChunk();
    if (!this.chunk.tryAdd(e, this.nextId)) throw new Error(`event ${e.provider}/${e.eventId} is larger than a chunk`);
    this.nextId++;
  }

  private flushChunk(): void {
    this.sink(this.chunk.finish(this.chunk.firstId - 1));
    this.chunks++;
    this.chunk = new ChunkBuilder();
  }

  /** Flushes the last chunk and returns the 4096-byte file header. */
  end(): Buffer {
    if (this.chunk.firstId >= 0) this.flushChunk();
    const h = Buffer.alloc(FILE_HEADER_SIZE);
    h.write('ElfFile\0', 0, 'latin1');
    h.writeBigUInt64LE(0n, 8);
    h.writeBigUInt64LE(BigInt(Math.max(0, this.chunks - 1)), 16);
    h.writeBigUInt64LE(BigInt(this.nextId), 24);
    h.writeUInt32LE(128, 32);
    h.writeUInt16LE(1, 36);
    h.writeUInt16LE(3, 38);
    h.writeUInt16LE(FILE_HEADER_SIZE, 40);
    h.writeUInt16LE(Math.min(this.chunks, 0xffff), 42);
    h.writeUInt32LE(0, 120);
    h.writeUInt32LE(crc32(h.subarray(0, 120)), 124);
    return h;
  }
}

/** An EVTX file in memory. */
export function writeEvtxBuffer(events: Iterable<WriterEvent>): Buffer {
  const chunks: Buffer[] = [];
  const w = new EvtxWriter((c) => chunks.push(Buffer.from(c)));
  for (const e of events) w.add(e);
  return Buffer.concat([w.end(), ...chunks]);
}

/** Streams events to an EVTX file on disk; memory holds one chunk at a time. */
export function writeEvtxFile(path: string, events: Iterable<WriterEvent>): { records: number; bytes: number } {
  const fd = openSync(path, 'w');
  try {
    let offset = FILE_HEADER_SIZE;
    let records = 0;
    const w = new EvtxWriter((c) => {
      writeSync(fd, c, 0, c.length, offset);
      offset += c.length;
    });
    for (const e of events) {
      w.add(e);
      records++;
    }
    writeSync(fd, w.end(), 0, FILE_HEADER_SIZE, 0);
    return { records, bytes: offset };
  } finally {
    closeSync(fd);
  }
}
