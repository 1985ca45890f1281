import type { EventColumns } from './event-columns.js';

/**
 * A database's bulk format, written where the events are read (a worker thread, or the main thread alone):
 * `pg-binary` is COPY's binary tuples (the header and trailer are the COPY's, not the rows'). DuckDB has none: a CSV
 * file its own reader inserted cost more than its appender fed on the main thread (40,100-42,500 against
 * 44,600-46,100 events/s, 0.2 more CPU seconds a 100,000-event load; its CSV parse and JSON check).
 */
export type RowFormat = 'pg-binary';

/**
 * Rows in a bulk format. Each row's record id is a fixed-size slot the writer fills in (fillRecordIds), since only
 * the main thread knows the numbers, in input order; the rest of the row is final where it was made.
 */
export interface RowBytes {
  readonly format: RowFormat;
  readonly bytes: Uint8Array;
  /** Where each row's record-id slot starts in `bytes`, in row order. */
  readonly ids: Uint32Array;
}

/** Milliseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01 (UTC); a time as microseconds since it stays exact in a double. */
const PG_EPOCH_MS = 946_684_800_000;
/** A builder's room to start with (a piece of four EVTX chunks is about 0.3 MB of rows), and the most it keeps between takes. */
const START_ROOM = 1 << 20;
const KEPT_ROOM = 16 << 20;

/**
 * Builds rows in a bulk format into a growing buffer, reused from take to take (each take copies its bytes out, so
 * what crosses threads is exactly the rows' bytes, in a buffer of their own: a view of a larger one would be cloned
 * whole).
 */
export class RowEncoder {
  private buf = Buffer.allocUnsafe(START_ROOM);
  private at = 0;
  private ids: number[] = [];

  constructor(readonly format: RowFormat) {}

  add(c: EventColumns): void {
    const room = 64 + 3 * (c.event.length + (c.source_file?.length ?? 0) + (c.host?.length ?? 0) + (c.channel?.length ?? 0));
    if (this.buf.length - this.at < room) this.grow(room);
    this.pgTuple(c);
  }

  take(): RowBytes {
    const bytes = new Uint8Array(this.at);
    bytes.set(this.buf.subarray(0, this.at));
    const rows: RowBytes = { format: this.format, bytes, ids: Uint32Array.from(this.ids) };
    this.at = 0;
    this.ids = [];
    // One huge event (a 50 MB script block) does not keep a worker holding room for it.
    if (this.buf.length > KEPT_ROOM) this.buf = Buffer.allocUnsafe(START_ROOM);
    return rows;
  }

  private grow(room: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + room));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /**
   * A COPY binary tuple: its field count, then each field as its byte length (-1 for NULL) and its bytes: int8
   * (the record-id slot), text, int8, timestamptz (microseconds since 2000), text, text, int4, jsonb (version 1,
   * then the JSON text). A string is written once into room for its worst case, its length filled in after.
   */
  private pgTuple(c: EventColumns): void {
    const buf = this.buf;
    let at = buf.writeInt16BE(8, this.at);
    at = buf.writeInt32BE(8, at);
    this.ids.push(at);
    at += 8;
    at = this.pgText(c.source_file, at);
    at = this.pgInt8(c.source_record, at);
    at = this.pgInt8(c.event_time === null ? null : (Date.parse(c.event_time) - PG_EPOCH_MS) * 1000, at);
    at = this.pgText(c.host, at);
    at = this.pgText(c.channel, at);
    if (c.event_id === null) at = buf.writeInt32BE(-1, at);
    else at = buf.writeInt32BE(c.event_id, buf.writeInt32BE(4, at));
    const start = at + 4;
    const end = start + 1 + buf.write(c.event, buf.writeUInt8(1, start), 'utf8');
    buf.writeInt32BE(end - start, at);
    this.at = end;
  }

  private pgText(v: string | null, at: number): number {
    if (v === null) return this.buf.writeInt32BE(-1, at);
    const n = this.buf.write(v, at + 4, 'utf8');
    this.buf.writeInt32BE(n, at);
    return at + 4 + n;
  }

  private pgInt8(v: number | null, at: number): number {
    if (v === null) return this.buf.writeInt32BE(-1, at);
    return writeInt8(this.buf, v, this.buf.writeInt32BE(8, at));
  }
}

/** A safe integer as a big-endian int8 in two halves (no BigInt a value): the high word with its sign, then the low word. */
function writeInt8(buf: Buffer, v: number, at: number): number {
  const high = Math.floor(v / 2 ** 32);
  return buf.writeUInt32BE(v - high * 2 ** 32, buf.writeInt32BE(high, at));
}

/** Writes record ids first, first + 1, ... into the rows' slots, in row order. */
export function fillRecordIds(rows: RowBytes, first: number): void {
  const buf = Buffer.from(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.byteLength);
  for (let i = 0; i < rows.ids.length; i++) writeInt8(buf, first + i, rows.ids[i] as number);
}

/** Rows given as objects, with their record ids, in a bulk format: parts of at most PART rows. */
export function encodeRows(format: RowFormat, rows: readonly (EventColumns & { readonly record_id: number })[]): RowBytes[] {
  const PART = 1000;
  const out: RowBytes[] = [];
  const encoder = new RowEncoder(format);
  for (let i = 0; i < rows.length; i += PART) {
    const part = rows.slice(i, i + PART);
    for (const r of part) encoder.add(r);
    const bytes = encoder.take();
    const buf = Buffer.from(bytes.bytes.buffer, bytes.bytes.byteOffset, bytes.bytes.byteLength);
    part.forEach((r, k) => writeInt8(buf, r.record_id, bytes.ids[k] as number));
    out.push(bytes);
  }
  return out;
}
