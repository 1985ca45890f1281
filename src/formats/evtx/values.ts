import type { FieldValue } from '../../event/event.js';
import { ByteReader, FormatError } from './byte-reader.js';
import type { XmlValue } from './xml-tree.js';

/** A substitution value from a template instance, decoded. */
export interface SubstitutionValue {
  readonly type: number;
  /** One entry, or one per array item for array types. */
  readonly items: readonly XmlValue[];
  /** items.length and items[0], read without the array (a scalar value is its own one item). */
  readonly count: number;
  readonly first: XmlValue | undefined;
  /** Null type or zero-size: an optional substitution drops it. */
  readonly empty: boolean;
  /** For BinXml (0x21): where the nested fragment lives in the chunk. */
  readonly binxml?: { readonly start: number; readonly end: number };
  readonly isArray: boolean;
}

const NO_ITEMS: readonly XmlValue[] = Object.freeze([]);

/**
 * A value that is no array: the substitution and its one item in one object. Most values of every record are
 * such, and a value object, an items array and an item each were most of what reading a record allocated.
 */
class ScalarValue implements SubstitutionValue, XmlValue {
  type = 0;
  constructor(
    /** Undefined for a number or boolean, whose text is made when asked: fields read the value alone. */
    private readonly given: string | undefined,
    readonly value: FieldValue,
  ) {}
  get text(): string {
    return this.given ?? String(this.value);
  }
  /** Only the element-tree path asks (records that are not read through a compiled template). */
  get items(): readonly XmlValue[] {
    return [this];
  }
  get count(): number {
    return 1;
  }
  get first(): XmlValue {
    return this;
  }
  get empty(): boolean {
    return false;
  }
  get isArray(): boolean {
    return false;
  }
}

const scalarValue = (text: string | undefined, value: FieldValue): ScalarValue => new ScalarValue(text, value);

const FILETIME_EPOCH_DIFF = 116444736000000000n;

/** `YYYY-MM-DDTHH:MM:SS.fffffffZ` from FILETIME ticks (100 ns since 1601), as Windows renders it. */
export function filetimeToIso(ticks: bigint): string {
  const unix100ns = ticks - FILETIME_EPOCH_DIFF;
  // Floor division: before 1970 the second is the one below (BigInt division truncates toward zero).
  const frac = ((unix100ns % 10000000n) + 10000000n) % 10000000n;
  const seconds = (unix100ns - frac) / 10000000n;
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return `FILETIME(${ticks})`;
  return `${d.toISOString().slice(0, 19)}.${frac.toString().padStart(7, '0')}Z`;
}

/** Seconds from 1601 to 1970. */
const EPOCH_SECONDS = 11644473600;
let lastSecond = -1;
let lastPrefix = '';

/**
 * filetimeToIso from the two 32-bit halves, without BigInt: ticks = hi·2³² + lo = (hi·429)·10⁷ + (hi·4967296 + lo),
 * where the second term stays exact in a double for hi < 10⁹ (dates before the year 2961). Consecutive records
 * share their second, so its rendering is remembered.
 */
export function filetimeToIsoParts(lo: number, hi: number): string {
  if (hi >= 1e9) return filetimeToIso((BigInt(hi) << 32n) | BigInt(lo));
  const b = hi * 4967296 + lo;
  const frac = b % 1e7;
  const seconds = hi * 429 + (b - frac) / 1e7 - EPOCH_SECONDS;
  if (seconds !== lastSecond) {
    const d = new Date(seconds * 1000);
    if (Number.isNaN(d.getTime())) return filetimeToIso((BigInt(hi) << 32n) | BigInt(lo));
    lastPrefix = d.toISOString().slice(0, 19);
    lastSecond = seconds;
  }
  return `${lastPrefix}.${String(frac).padStart(7, '0')}Z`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`: the first three groups little-endian, the rest in byte order. */
function guid(b: Buffer): string {
  const h = (i: number) => HEX[b[i] as number] as string;
  return `{${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}}`;
}

function sid(r: ByteReader): string {
  const revision = r.u8();
  const count = r.u8();
  if (count > 15) throw new FormatError(`SID with ${count} sub-authorities (at most 15)`);
  const auth = r.bytes(6);
  const authority = auth.readUIntBE(0, 6);
  const parts = [`S-${revision}`, authority >= 2 ** 32 ? `0x${auth.toString('hex')}` : String(authority)];
  for (let i = 0; i < count; i++) parts.push(String(r.u32()));
  return parts.join('-');
}

/** Makes a value from its text and typed value; text undefined means String(value) (numbers, booleans). */
type Make<T> = (text: string | undefined, value: FieldValue) => T;
const item: Make<XmlValue> = (text, value) => ({ text: text ?? String(value), value });

/** A value whose text is its value. */
function text<T>(make: Make<T>, s: string): T {
  return make(s, s);
}

function num<T>(n: number | bigint, make: Make<T>): T {
  if (typeof n === 'bigint') return n <= BigInt(Number.MAX_SAFE_INTEGER) ? make(undefined, Number(n)) : text(make, n.toString());
  return make(undefined, n);
}

/** Decodes one scalar of `type` from the reader (array item or whole value), made by `make`. */
function scalar<T>(type: number, r: ByteReader, size: number, make: Make<T>): T {
  switch (type) {
    case 0x01: {
      let s = r.utf16(Math.floor(size / 2));
      if (size % 2 === 1) r.skip(1);
      const nul = s.indexOf('\0');
      if (nul >= 0) s = s.slice(0, nul);
      return text(make, s);
    }
    case 0x02: {
      const s = r.bytes(size).toString('latin1').replace(/\0+$/, '').replace(/\0/g, '');
      return text(make, s);
    }
    case 0x03: {
      const n = r.u8();
      return num(n > 127 ? n - 256 : n, make);
    }
    case 0x04:
      return num(r.u8(), make);
    case 0x05: {
      const n = r.u16();
      return num(n > 32767 ? n - 65536 : n, make);
    }
    case 0x06:
      return num(r.u16(), make);
    case 0x07:
      return num(r.i32(), make);
    case 0x08:
      return num(r.u32(), make);
    case 0x09:
      return num(BigInt.asIntN(64, r.u64()), make);
    case 0x0a:
      return num(r.u64(), make);
    case 0x0b: {
      const f = r.bytes(4).readFloatLE(0);
      return make(undefined, f);
    }
    case 0x0c: {
      const f = r.bytes(8).readDoubleLE(0);
      return make(undefined, f);
    }
    case 0x0d: {
      // Non-zero bitmask values occur: any non-zero is true.
      const b = r.u32() !== 0;
      return make(undefined, b);
    }
    case 0x0e:
      return text(make, r.bytes(size).toString('hex').toUpperCase());
    case 0x0f:
      return text(make, guid(r.bytes(16)));
    case 0x10:
      return size === 8 ? text(make, `0x${r.u64().toString(16)}`) : text(make, `0x${r.u32().toString(16)}`);
    case 0x11: {
      const lo = r.u32();
      return text(make, filetimeToIsoParts(lo, r.u32()));
    }
    case 0x12: {
      const [year, month, , day, hour, minute, second, ms] = [r.u16(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16(), r.u16()];
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      return text(make, `${p(year, 4)}-${p(month)}-${p(day)}T${p(hour)}:${p(minute)}:${p(second)}.${p(ms, 3)}Z`);
    }
    case 0x13:
      return text(make, sid(r));
    case 0x14:
      return text(make, `0x${r.u32().toString(16)}`);
    case 0x15:
      return text(make, `0x${r.u64().toString(16)}`);
    default:
      throw new FormatError(`unsupported value type 0x${type.toString(16)}`);
  }
}

const FIXED_SIZE: Record<number, number> = { 0x03: 1, 0x04: 1, 0x05: 2, 0x06: 2, 0x07: 4, 0x08: 4, 0x09: 8, 0x0a: 8, 0x0b: 4, 0x0c: 8, 0x0d: 4, 0x0f: 16, 0x11: 8, 0x12: 16, 0x14: 4, 0x15: 8 };

/** Decodes a substitution value of `size` bytes at the reader's position; the reader ends exactly at start+size. */
export function readSubstitution(type: number, size: number, r: ByteReader): SubstitutionValue {
  const start = r.pos;
  const end = start + size;
  // The value is read from r itself, its window narrowed to the value's bytes (no reader per value).
  const outerEnd = r.end;
  try {
    if (type === 0x00 || size === 0) return { type, items: NO_ITEMS, count: 0, first: undefined, empty: true, isArray: (type & 0x80) !== 0 };
    if (type === 0x21) return { type, items: NO_ITEMS, count: 0, first: undefined, empty: false, binxml: { start, end }, isArray: false };
    if (type === 0x20 || type === 0x23 || type === 0x8e) throw new FormatError(`value type 0x${type.toString(16)} cannot appear in a file`);
    // The value's own window, as a reader of its own would have (its end may pass the outer one's).
    r.end = end;
    if ((type & 0x80) === 0) {
      const value = scalar(type, r, size, scalarValue);
      value.type = type;
      return value;
    }
    const base = type & 0x7f;
    const items: XmlValue[] = [];
    if (base === 0x01) {
      const all = r.utf16(Math.floor(size / 2));
      const parts = all.split('\0');
      if (parts[parts.length - 1] === '') parts.pop();
      for (const p of parts) items.push(item(p, p));
    } else if (base === 0x02) {
      for (const p of r.bytes(size).toString('latin1').split('\0').slice(0, -1)) items.push(item(p, p));
    } else if (base === 0x13) {
      while (r.remaining > 0) items.push(scalar(base, r, 0, item));
    } else {
      const width = base === 0x10 ? (size % 8 === 0 ? 8 : 4) : FIXED_SIZE[base];
      if (width === undefined) throw new FormatError(`unsupported array type 0x${type.toString(16)}`);
      while (r.remaining >= width) items.push(scalar(base, r, width, item));
    }
    return { type, items, count: items.length, first: items[0], empty: items.length === 0, isArray: true };
  } finally {
    r.end = outerEnd;
    r.pos = end;
  }
}
