/** A typed value for the writer; plain strings, numbers and booleans pick a type themselves. */
export type WriterValue =
  | string
  | number
  | boolean
  | null
  | { readonly type: 'guid' | 'filetime' | 'sid' | 'hex32' | 'hex64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'string' | 'bool'; readonly value: string | number | bigint | boolean };

const FILETIME_EPOCH_DIFF = 116444736000000000n;

/** FILETIME ticks from an ISO-8601 UTC time with up to 7 fraction digits. */
export function isoToFiletime(iso: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z?$/.exec(iso);
  if (m === null) throw new Error(`not an ISO-8601 UTC time: ${iso}`);
  const seconds = BigInt(Date.parse(`${m[1]}Z`)) / 1000n;
  const frac = BigInt((m[2] ?? '').padEnd(7, '0').slice(0, 7));
  return seconds * 10000000n + frac + FILETIME_EPOCH_DIFF;
}

export function guidBytes(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${text}`);
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function sidBytes(text: string): Buffer {
  const parts = text.split('-');
  if (parts[0] !== 'S' || parts.length < 3) throw new Error(`not a SID: ${text}`);
  const subs = parts.slice(3).map(Number);
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = Number(parts[1]);
  b[1] = subs.length;
  b.writeUIntBE(Number(parts[2]), 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(s >>> 0, 8 + 4 * i));
  return b;
}

/** The BinXML value type and bytes of a writer value (strings NUL-terminated, as Windows writes them). */
export function encodeValue(v: WriterValue): { type: number; bytes: Buffer } {
  if (v === null) return { type: 0x00, bytes: Buffer.alloc(0) };
  if (typeof v === 'string') return { type: 0x01, bytes: Buffer.from(v + '\0', 'utf16le') };
  if (typeof v === 'boolean') return encodeValue({ type: 'bool', value: v });
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return encodeValue({ type: 'uint32', value: v });
    if (Number.isInteger(v) && v >= 0) return encodeValue({ type: 'uint64', value: v });
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return { type: 0x0c, bytes: b };
  }
  const b8 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, n));
    return b;
  };
  const big = (x: string | number | bigint | boolean) => (typeof x === 'string' && x.startsWith('0x') ? BigInt(x) : BigInt(x as string | number | bigint));
  switch (v.type) {
    case 'string':
      return { type: 0x01, bytes: Buffer.from(String(v.value) + '\0', 'utf16le') };
    case 'bool': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v.value === true || v.value === 'true' ? 1 : 0);
      return { type: 0x0d, bytes: b };
    }
    case 'uint8':
      return { type: 0x04, bytes: Buffer.from([Number(v.value) & 0xff]) };
    case 'uint16': {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(Number(v.value) & 0xffff);
      return { type: 0x06, bytes: b };
    }
    case 'uint32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(v.value) >>> 0);
      return { type: 0x08, bytes: b };
    }
    case 'uint64':
      return { type: 0x0a, bytes: b8(big(v.value)) };
    case 'hex32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(big(v.value)) >>> 0);
      return { type: 0x14, bytes: b };
    }
    case 'hex64':
      return { type: 0x15, bytes: b8(big(v.value)) };
    case 'guid':
      return { type: 0x0f, bytes: guidBytes(String(v.value)) };
    case 'filetime':
      return { type: 0x11, bytes: b8(typeof v.value === 'string' ? isoToFiletime(v.value) : BigInt(v.value as number)) };
    case 'sid':
      return { type: 0x13, bytes: sidBytes(String(v.value)) };
    default: {
      const never: never = v.type;
      return never;
    }
  }
}
