/** Raised when a read would leave the buffer; caught at the record or chunk boundary, never escapes a reader. */
export class OutOfBounds extends Error {}

/** A parse failure inside a record, with a message for the per-record diagnostic. */
export class FormatError extends Error {}

/** Buffer's own UTF-16 decoder, without toString's encoding lookup and argument checks (a third of decoding short names). */
const ucs2Slice = (Buffer.prototype as unknown as { ucs2Slice?: unknown }).ucs2Slice === undefined ? undefined : true;

/** Bounds-checked little-endian reads over a byte window [start, end). */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly start = 0,
    /** Narrowed and restored by a caller that reads one value of known size (see readSubstitution). */
    public end = buf.length,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new OutOfBounds(`read of ${n} bytes at ${this.pos} passes the end (${this.end})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** `count` UTF-16LE code units. */
  utf16(count: number): string {
    this.need(count * 2);
    const s = ucs2Slice ? (this.buf as unknown as { ucs2Slice(start: number, end: number): string }).ucs2Slice(this.pos, this.pos + count * 2) : this.buf.toString('utf16le', this.pos, this.pos + count * 2);
    this.pos += count * 2;
    return s;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  get remaining(): number {
    return this.end - this.pos;
  }
}
