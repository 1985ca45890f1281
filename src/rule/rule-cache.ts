import { createHash, randomBytes } from 'node:crypto';
import { type BigIntStats, type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import * as zlib from 'node:zlib';
import type { SigmaDocument } from './model.js';
import type { ParsedRuleFile, RuleFileOptions } from './parse-rule-file.js';

/**
 * What the cache keeps of one parsed rule file: the parse without the text, the text's SHA-1 (its key), and the
 * file's stamp when that text was read (see fileStamp).
 */
export type CachedRuleFile = Omit<ParsedRuleFile, 'text'> & { readonly hash: string; readonly stamp?: string };

/**
 * A file's identity and change times as the cache trusts them in place of its text: device, inode, size, and the
 * modification and status-change times in nanoseconds. A write changes the status-change time (which no program
 * can set back), so a file whose stamp is the one recorded when its text was read still has that text, provided
 * its times were then already older than the read by more than a file system's timestamp granularity (as git
 * treats "racily clean" files): `undefined` otherwise, and such a file is read and hashed on every run until it
 * has been still for a few seconds. `before` is the clock (ms) taken before the stat.
 */
export function fileStamp(st: BigIntStats, before: number): string | undefined {
  const settled = BigInt(Math.floor(before - RACY_MS)) * 1_000_000n;
  if (st.mtimeNs >= settled || st.ctimeNs >= settled) return undefined;
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** A file changed less than this long before it was read is not trusted by its stamp (FAT's 2 s, and margin). */
const RACY_MS = 3000;

/**
 * The parsed-rule cache: one pack file per rule-path list and options, under
 * `$XDG_CACHE_HOME/sigmatch` (default `~/.cache/sigmatch`). An entry is used only for the same path with
 * the same text (SHA-1) and the same build of the parser (sigmatch's and yaml's versions plus the size and
 * time of every parser module), so a changed, added or deleted rule file is always parsed from its text. A pack is
 * written to a temporary file and renamed into place, so concurrent runs each see a whole pack (the last
 * writer wins); a pack that is truncated, corrupt or of another build is ignored and rewritten.
 */
export class RuleCache {
  private readonly path: string;
  private readonly key: string;

  constructor(
    paths: readonly string[],
    options: RuleFileOptions,
    /** The cache folder; undefined (no home folder, no XDG_CACHE_HOME): nothing is read or written. */
    readonly dir: string | undefined = defaultCacheDir(),
  ) {
    const placeholders = [...(options.placeholders ?? new Map<string, readonly string[]>())].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.key = JSON.stringify({ build: buildStamp(), lint: options.lint === true, placeholders, paths: paths.map((p) => resolve(p)) });
    this.path = dir === undefined ? '' : join(dir, `rules-${createHash('sha1').update(this.key).digest('hex').slice(0, 20)}.bin`);
  }

  /** The cached entries by file; empty when there is no usable pack. Never throws. */
  read(): Map<string, CachedRuleFile> {
    const out = new Map<string, CachedRuleFile>();
    let bytes: Buffer;
    if (this.dir === undefined) return out;
    try {
      bytes = readFileSync(this.path);
    } catch {
      return out;
    }
    try {
      const entries = decodePack(bytes, this.key);
      if (entries !== undefined) for (const e of entries) out.set(e.file, e);
    } catch {
      out.clear();
    }
    if (out.size > 0) {
      // Its time is its last use: pruning keeps the packs in use.
      try {
        const now = new Date();
        utimesSync(this.path, now, now);
      } catch {
        // A read-only cache still serves.
      }
    }
    return out;
  }

  /** Replaces the pack with these entries (atomically); a cache that cannot be written is left alone. */
  write(entries: readonly CachedRuleFile[]): void {
    if (this.dir === undefined) return;
    const tmp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, encodePack(entries, this.key));
      renameSync(tmp, this.path);
      prune(this.dir, this.path);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // Never written.
      }
    }
  }

  /** The pack's file (tests). */
  get file(): string {
    return this.path;
  }
}

/** Packs not used for this long are deleted when another is written; so are temporary files left by a crash. */
const PACK_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const TEMP_MAX_AGE_MS = 3600 * 1000;
/** At most this many packs are kept (the most recently used), whatever their age. */
const MAX_PACKS = 16;

function prune(dir: string, keep: string): void {
  const now = Date.now();
  const packs: Array<{ path: string; used: number }> = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('rules-')) continue;
    const path = join(dir, name);
    if (path === keep) continue;
    try {
      const used = statSync(path).mtimeMs;
      const temp = name.endsWith('.tmp');
      if (now - used > (temp ? TEMP_MAX_AGE_MS : PACK_MAX_AGE_MS)) unlinkSync(path);
      else if (!temp && name.endsWith('.bin')) packs.push({ path, used });
    } catch {
      // Gone already (another run pruned it), or not ours to delete.
    }
  }
  packs.sort((a, b) => b.used - a.used);
  for (const p of packs.slice(MAX_PACKS - 1)) {
    try {
      unlinkSync(p.path);
    } catch {
      // As above.
    }
  }
}

/** The text's hash as the cache compares it. */
export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

/** `$XDG_CACHE_HOME/sigmatch`, else `~/.cache/sigmatch`; undefined when there is neither. */
export function defaultCacheDir(): string | undefined {
  const xdg = process.env['XDG_CACHE_HOME'];
  // The XDG spec: a relative path is invalid and is ignored.
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'sigmatch');
  let home = '';
  try {
    home = homedir();
  } catch {
    // No home folder (a user without a passwd entry, say): no cache.
  }
  return home === '' ? undefined : join(home, '.cache', 'sigmatch');
}

// Pack layout: MAGIC, u32 key length, key (UTF-8), u32 payload length, checksum of the payload (20 bytes),
// payload (the entries as encodeGraph writes them).
const MAGIC = Buffer.from('sigmatch rules\u0000\u0003', 'latin1');

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 where this Node has it (20.15+: a few times faster than SHA-1 over the pack), else SHA-1; 20 bytes. */
function checksum(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(20);
  if (typeof crc32 === 'function') {
    out.write('crc32', 0, 'latin1');
    out.writeUInt32LE(crc32(payload), 16);
    return out;
  }
  createHash('sha1').update(payload).digest().copy(out);
  return out;
}

/*
 * The graph encoding of a pack's payload. v8.serialize writes every string each time it occurs and every object
 * with its keys; reading that back built 265,000 strings (56,000 distinct) and cost more in garbage collection
 * than in decoding. Here each distinct string is stored once, in one Latin-1 or one UTF-16 slab (a string read
 * back is a slice of its slab), each distinct key list ("shape") once, and an object is its shape's number and
 * its values, which a function made per shape builds as one object literal. The structure is a stream of 32-bit
 * words: a word's low 4 bits are a tag, the rest its operand. An object met again (the same object twice in the
 * graph) is a reference to its number (objects are numbered as they are completed), so sharing survives as
 * with v8.serialize, and equal plain values are stored once (see encodeGraph). Values: undefined, null, booleans, numbers, strings, arrays, Maps, plain objects, byte arrays.
 */
const enum Tag {
  Undefined,
  Null,
  True,
  False,
  Int,
  Float,
  Str,
  List,
  Obj,
  MapOf,
  Ref,
  Bytes,
}

/** Section header: the marker (native byte order), then the length of each section, in their order. */
const ORDER_MARK = 0x01020304;
const SECTIONS = 7;

const pad8 = (n: number) => (n + 7) & ~7;

/** Nesting beyond this is refused (a parsed rule nests a few dozen levels at most). */
const MAX_DEPTH = 2000;

/**
 * The graph of plain data as words, strings and shapes (see above); throws on a value it cannot keep.
 *
 * Equal plain values (arrays and plain objects holding only primitives and such values: the same `modifiers`,
 * `values`, patterns, `logsource` or condition nodes in many rules, a third of a SigmaHQ pack's objects) are
 * stored once: read back, they are one shared object (nothing reads them but to compile and print them, nothing
 * changes them). A plain value's hash mixes its kind and its children's tokens (a primitive's word, an object's
 * number); one whose hash was seen is compared with the earlier value child by child, and when equal it is taken
 * back out of the stream and written as a reference. Its children were then all seen before (they equal the
 * earlier one's), so nothing else is taken back with it.
 */
export function encodeGraph(root: unknown): Buffer {
  const stringIds = new Map<string, number>();
  const latin1: string[] = [];
  const utf16: string[] = [];
  const lengths: number[] = [];
  interface ShapeNode {
    id: number;
    readonly next: Map<string, ShapeNode>;
  }
  const shapeTree: ShapeNode = { id: -1, next: new Map() };
  const shapes: string[][] = [];
  const floatIds = new Map<number, number>();
  const floats: number[] = [];
  const blobs: Uint8Array[] = [];
  const objectIds = new Map<object, number>();
  /** By object number: the object when it is a plain value (see above), which its parents can be too. */
  const plain: Array<object | undefined> = [];
  /** By object number: its first word (kind and length, or kind and key list). */
  const firsts: number[] = [];
  /** Plain values by hash: an object's number, or several. */
  const byHash = new Map<number, number | number[]>();
  let words = new Int32Array(1 << 16);
  let n = 0;
  const put = (w: number) => {
    if (n === words.length) {
      const bigger = new Int32Array(words.length * 2);
      bigger.set(words);
      words = bigger;
    }
    words[n++] = w;
  };
  const word = (tag: Tag, x: number) => {
    if (x >= 2 ** 27) throw new Error('a pack this large is not kept');
    return (x << 4) | tag;
  };
  const string = (s: string): number => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = lengths.length;
      stringIds.set(s, id);
      // Latin-1 holds one byte a character; anything wider (lone surrogates included) goes to UTF-16, which keeps it exactly.
      if (/^[\u0000-\u00ff]*$/.test(s)) {
        latin1.push(s);
        lengths.push(s.length);
      } else {
        utf16.push(s);
        lengths.push(-s.length - 1);
      }
    }
    return id;
  };
  const float = (v: number): number => {
    // -0 is its own entry each time (a Map takes it for 0).
    let id = Object.is(v, -0) ? undefined : floatIds.get(v);
    if (id === undefined) {
      id = floats.length;
      floats.push(v);
      if (!Object.is(v, -0)) floatIds.set(v, id);
    }
    return id;
  };
  // Kept to 30 bits: a small integer to V8, which a Map hashes without boxing it.
  const mix = (h: number, t: number) => (Math.imul((h ^ t) + 0x7ed55d16, 0x01000193) ^ (h >>> 15)) & 0x3fffffff;
  /** Whether the last value written was plain (see above). */
  let wasPlain = true;
  let depth = 0;
  /** Writes v; its token (see above). */
  const value = (v: unknown): number => {
    let w: number;
    wasPlain = true;
    switch (typeof v) {
      case 'undefined':
        w = Tag.Undefined;
        break;
      case 'boolean':
        w = v ? Tag.True : Tag.False;
        break;
      case 'string':
        w = word(Tag.Str, string(v));
        break;
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          put(Tag.Int);
          put(v);
          return mix(Tag.Int, v);
        }
        w = word(Tag.Float, float(v));
        break;
      case 'object':
        if (v === null) {
          w = Tag.Null;
          break;
        }
        return word(Tag.Ref, object(v));
      default:
        throw new Error(`a ${typeof v} cannot be kept`);
    }
    put(w);
    return w;
  };
  const same = (a: unknown, b: unknown) => (typeof a === 'object' && a !== null ? typeof b === 'object' && b !== null && objectIds.get(a) === objectIds.get(b) : Object.is(a, b));
  /** Whether plain values of the same first word (the same list length, or the same keys) hold the same children. */
  const equal = (a: object, b: object, keys: readonly string[] | undefined): boolean => {
    if (keys === undefined) {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < x.length; i++) if (!same(x[i], y[i])) return false;
      return true;
    }
    for (const k of keys) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    return true;
  };
  /** Writes an object; its number. */
  const object = (v: object): number => {
    const seen = objectIds.get(v);
    if (seen !== undefined) {
      put(word(Tag.Ref, seen));
      wasPlain = plain[seen] !== undefined;
      return seen;
    }
    // An object is numbered when it is complete: one that holds itself would be written without end.
    if (++depth > MAX_DEPTH) throw new Error('a value this deep (or a cycle) cannot be kept');
    const start = n;
    let isPlain = true;
    let h: number;
    let keys: string[] | undefined;
    if (Array.isArray(v)) {
      put((h = word(Tag.List, v.length)));
      for (let i = 0; i < v.length; i++) {
        h = mix(h, value(v[i]));
        isPlain &&= wasPlain;
      }
    } else if (v instanceof Map) {
      put((h = word(Tag.MapOf, v.size)));
      for (const [k, x] of v) {
        value(k);
        value(x);
      }
      isPlain = false;
    } else if (v instanceof Uint8Array) {
      put((h = word(Tag.Bytes, blobs.length)));
      blobs.push(v);
      isPlain = false;
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new Error('only plain objects can be kept');
      keys = Object.keys(v);
      // The key list's number, found through a tree of keys (no string made for the list).
      let node = shapeTree;
      for (const k of keys) {
        let next = node.next.get(k);
        if (next === undefined) node.next.set(k, (next = { id: -1, next: new Map() }));
        node = next;
      }
      if (node.id < 0) {
        node.id = shapes.length;
        shapes.push(keys);
      }
      put((h = word(Tag.Obj, node.id)));
      for (const k of keys) {
        h = mix(h, value((v as Record<string, unknown>)[k]));
        isPlain &&= wasPlain;
      }
    }
    depth--;
    const first = words[start] ?? 0;
    let id = plain.length;
    if (isPlain) {
      const known = byHash.get(h);
      const match = (i: number) => {
        const other = plain[i];
        return other !== undefined && firsts[i] === first && equal(v, other, keys);
      };
      const found = known === undefined ? undefined : typeof known === 'number' ? (match(known) ? known : undefined) : known.find(match);
      if (found !== undefined) {
        // An equal value was written before: a reference to it instead.
        n = start;
        put(word(Tag.Ref, found));
        id = found;
      } else byHash.set(h, known === undefined ? id : typeof known === 'number' ? [known, id] : (known.push(id), known));
    }
    if (id === plain.length) {
      plain.push(isPlain ? v : undefined);
      firsts.push(first);
    }
    objectIds.set(v, id);
    wasPlain = isPlain;
    return id;
  };
  value(root);
  const sections = [
    Buffer.from(JSON.stringify({ shapes, blobs: blobs.map((b) => b.length) }), 'utf8'),
    Buffer.from(Float64Array.from(floats).buffer),
    Buffer.from(words.buffer, 0, n * 4),
    Buffer.from(Int32Array.from(lengths).buffer),
    Buffer.from(latin1.join(''), 'latin1'),
    Buffer.from(utf16.join(''), 'utf16le'),
    Buffer.concat(blobs),
  ];
  const head = new Int32Array(2 + SECTIONS);
  head[0] = ORDER_MARK;
  head[1] = plain.length;
  sections.forEach((b, i) => (head[2 + i] = b.length));
  const out = Buffer.alloc(pad8(head.byteLength) + sections.reduce((t, b) => t + pad8(b.length), 0));
  Buffer.from(head.buffer).copy(out, 0);
  let at = pad8(head.byteLength);
  for (const b of sections) {
    b.copy(out, at);
    at += pad8(b.length);
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

type Read = () => unknown;

/** A function building an object of these keys, in this order, from the next values read. */
function shapeBuilder(keys: readonly string[]): (read: Read) => Record<string, unknown> {
  if (keys.every((k) => IDENTIFIER.test(k) && k !== '__proto__')) {
    // One object literal: one allocation of the final shape. The keys are identifiers (checked above), never code.
    return new Function('read', `return { ${keys.map((k) => `${k}: read()`).join(', ')} };`) as (read: Read) => Record<string, unknown>;
  }
  return (read) => {
    const o: Record<string, unknown> = {};
    for (const k of keys) Object.defineProperty(o, k, { value: read(), enumerable: true, writable: true, configurable: true });
    return o;
  };
}

/** A typed view of a section, copied when the section is not aligned for it. */
function view<T>(bytes: Buffer, at: number, length: number, size: number, make: (b: ArrayBuffer, at: number, n: number) => T): T {
  if ((bytes.byteOffset + at) % size === 0) return make(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, length / size);
  return make(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + length) as ArrayBuffer, 0, length / size);
}

function fail(): never {
  throw new Error('not a graph');
}

/** The graph encodeGraph wrote; throws on anything else (the checksum has ruled out damage already). */
export function decodeGraph(bytes: Buffer): unknown {
  const headSize = pad8(4 * (2 + SECTIONS));
  if (bytes.length < headSize) fail();
  const head = view(bytes, 0, 4 * (2 + SECTIONS), 4, (b, at, n) => new Int32Array(b, at, n));
  if (head[0] !== ORDER_MARK) fail();
  const starts: number[] = [];
  let end = headSize;
  for (let i = 0; i < SECTIONS; i++) {
    const length = head[2 + i] ?? -1;
    if (length < 0 || (i >= 1 && i <= 3 && length % (i === 1 ? 8 : 4) !== 0)) fail();
    starts.push(end);
    end += pad8(length);
  }
  if (end !== bytes.length) fail();
  const at = (i: number) => starts[i] ?? 0;
  const size = (i: number) => head[2 + i] ?? 0;
  const meta = JSON.parse(bytes.toString('utf8', at(0), at(0) + size(0))) as { shapes: string[][]; blobs: number[] };
  if (!Array.isArray(meta.shapes) || !Array.isArray(meta.blobs)) fail();
  const floats = view(bytes, at(1), size(1), 8, (b, o, n) => new Float64Array(b, o, n));
  const words = view(bytes, at(2), size(2), 4, (b, o, n) => new Int32Array(b, o, n));
  const lengths = view(bytes, at(3), size(3), 4, (b, o, n) => new Int32Array(b, o, n));
  const latin1 = bytes.toString('latin1', at(4), at(4) + size(4));
  if (size(5) % 2 !== 0) fail();
  const utf16 = bytes.toString('utf16le', at(5), at(5) + size(5));
  const strings = new Array<string>(lengths.length);
  let l = 0;
  let u = 0;
  for (let i = 0; i < lengths.length; i++) {
    const k = lengths[i] ?? 0;
    if (k >= 0) strings[i] = latin1.slice(l, (l += k));
    else strings[i] = utf16.slice(u, (u += -k - 1));
  }
  if (l !== latin1.length || u !== utf16.length) fail();
  // The byte arrays get their own copy, so the pack's buffer is not kept alive by them.
  const blobBytes = Buffer.from(bytes.subarray(at(6), at(6) + size(6)));
  const blobs: Uint8Array[] = [];
  let b = 0;
  for (const n of meta.blobs) {
    if (typeof n !== 'number' || n < 0 || b + n > blobBytes.length) fail();
    blobs.push(new Uint8Array(blobBytes.buffer, blobBytes.byteOffset + b, n));
    b += n;
  }
  const builders = meta.shapes.map((keys) => {
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) fail();
    return shapeBuilder(keys);
  });
  const objects = new Array<unknown>(Math.max(0, head[1] ?? 0));
  let made = 0;
  let p = 0;
  const count = words.length;
  const read = (): unknown => {
    if (p >= count) fail();
    const w = words[p++] ?? 0;
    const x = w >>> 4;
    switch ((w & 15) as Tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Int:
        if (p >= count) fail();
        return words[p++];
      case Tag.Float:
        if (x >= floats.length) fail();
        return floats[x];
      case Tag.Str:
        if (x >= strings.length) fail();
        return strings[x];
      case Tag.List: {
        // Each element takes a word at least: a length beyond what is left is damage, not an allocation to try.
        if (x > count - p) fail();
        const a = new Array<unknown>(x);
        for (let i = 0; i < x; i++) a[i] = read();
        objects[made++] = a;
        return a;
      }
      case Tag.Obj: {
        const build = builders[x];
        if (build === undefined) fail();
        const o = build(read);
        objects[made++] = o;
        return o;
      }
      case Tag.MapOf: {
        if (x > (count - p) / 2) fail();
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < x; i++) {
          const k = read();
          m.set(k, read());
        }
        objects[made++] = m;
        return m;
      }
      case Tag.Ref:
        if (x >= made) fail();
        return objects[x];
      case Tag.Bytes: {
        const bytesOf = blobs[x];
        if (bytesOf === undefined) fail();
        objects[made++] = bytesOf;
        return bytesOf;
      }
      default:
        return fail();
    }
  };
  const root = read();
  if (p !== count || made !== objects.length) fail();
  return root;
}

/**
 * A document as the pack holds it: without `raw` (the whole document as plain data, which nothing in
 * sigmatch reads: a quarter of the pack), which is kept as its own serialization and decoded on first
 * access, so a warm start does not build it.
 */
interface StoredDocument {
  readonly doc: Record<string, unknown>;
  readonly raw?: Uint8Array;
}

/** The raw serialization of each document read from a pack (a rewrite reuses it). */
const rawBytes = new WeakMap<object, Uint8Array>();

function storedDocument(d: SigmaDocument): StoredDocument {
  if (!('raw' in d)) return { doc: d as unknown as Record<string, unknown> };
  return { doc: withoutRaw(d), raw: rawBytes.get(d) ?? serialize(d.raw) };
}

/**
 * A document's own fields but `raw` (the whole document as plain data, which nothing but the cache reads),
 * copied without reading `raw`: on a document from a pack it is a getter that would decode it.
 */
export function withoutRaw(d: SigmaDocument): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(d)) if (k !== 'raw') out[k] = (d as unknown as Record<string, unknown>)[k];
  return out;
}

/**
 * A document from the pack: its `raw` is decoded from its bytes when first read. One getter for every document,
 * so documents of one kind keep sharing one hidden class (a getter of its own on each would give each document a
 * class of its own, and every access to a rule's fields in the compiler a megamorphic one).
 */
function restoredDocument(s: StoredDocument): SigmaDocument {
  const { doc, raw } = s;
  if (raw !== undefined) {
    rawBytes.set(doc, raw);
    Object.defineProperty(doc, 'raw', PACKED_RAW);
  }
  return doc as unknown as SigmaDocument;
}

function packedRaw(this: object): unknown {
  const bytes = rawBytes.get(this);
  const value: unknown = bytes === undefined ? undefined : deserialize(bytes);
  Object.defineProperty(this, 'raw', { value, enumerable: true, configurable: true, writable: true });
  return value;
}

const PACKED_RAW: PropertyDescriptor = { enumerable: true, configurable: true, get: packedRaw };

function encodePack(entries: readonly CachedRuleFile[], key: string): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const payload = encodeGraph(entries.map((e) => ({ ...e, documents: e.documents.map(storedDocument) })));
  const head = Buffer.alloc(MAGIC.length + 4 + keyBytes.length + 4 + 20);
  let at = MAGIC.copy(head, 0);
  at = head.writeUInt32LE(keyBytes.length, at);
  at += keyBytes.copy(head, at);
  at = head.writeUInt32LE(payload.length, at);
  checksum(payload).copy(head, at);
  return Buffer.concat([head, payload]);
}

function decodePack(bytes: Buffer, key: string): CachedRuleFile[] | undefined {
  if (bytes.length < MAGIC.length + 28 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let at = MAGIC.length;
  const keyLength = bytes.readUInt32LE(at);
  at += 4;
  if (at + keyLength + 24 > bytes.length || bytes.toString('utf8', at, at + keyLength) !== key) return undefined;
  at += keyLength;
  const payloadLength = bytes.readUInt32LE(at);
  at += 4;
  const sum = bytes.subarray(at, at + 20);
  at += 20;
  if (at + payloadLength !== bytes.length) return undefined;
  const payload = bytes.subarray(at);
  if (!checksum(payload).equals(sum)) return undefined;
  const entries: unknown = decodeGraph(payload);
  if (!Array.isArray(entries) || !entries.every(isEntry)) return undefined;
  // In place: the decoded entries are this read's own.
  for (const e of entries as Array<{ documents: Array<StoredDocument | SigmaDocument> }>) {
    const documents = e.documents;
    for (let i = 0; i < documents.length; i++) documents[i] = restoredDocument(documents[i] as StoredDocument);
  }
  return entries as CachedRuleFile[];
}

function isEntry(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as Record<string, unknown>;
  const documents = x['documents'];
  return (
    typeof x['file'] === 'string' &&
    typeof x['hash'] === 'string' &&
    (x['stamp'] === undefined || typeof x['stamp'] === 'string') &&
    Array.isArray(documents) &&
    documents.every((d: unknown) => typeof d === 'object' && d !== null && typeof (d as StoredDocument).doc === 'object' && ((d as StoredDocument).raw === undefined || (d as StoredDocument).raw instanceof Uint8Array)) &&
    Array.isArray(x['diagnostics']) &&
    typeof x['documentCount'] === 'number'
  );
}

let stamp: string | undefined;

/** The modules whose code decides what a parse gives (what load-rules.ts imports, transitively). */
const PARSER_MODULES = ['rule', 'modifiers', 'condition', 'diagnostics'];

/**
 * This build of the parser: the package version, the yaml package's version, and the size and
 * modification time of every module that parsing runs (PARSER_MODULES below the source root, dist/src or
 * src), so an edited or rebuilt parser never reads a pack of another build.
 */
function buildStamp(): string {
  if (stamp !== undefined) return stamp;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const parts: string[] = [packageVersion(), yamlVersion()];
  const add = (p: string) => {
    try {
      const st = statSync(p);
      parts.push(`${p.slice(root.length)}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${p}:?`);
    }
  };
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (isModule(e.name)) add(p);
    }
  };
  for (const name of PARSER_MODULES) {
    walk(join(root, name));
    for (const ext of ['.js', '.ts']) if (existsSync(join(root, name + ext))) add(join(root, name + ext));
  }
  stamp = createHash('sha1').update(parts.join('\n')).digest('base64');
  return stamp;
}

const isModule = (name: string) => /\.(js|ts|mjs|cjs)$/.test(name) && !name.endsWith('.d.ts');

function yamlVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('yaml');
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      const p = join(dir, 'package.json');
      if (!existsSync(p)) continue;
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'yaml') return `yaml ${String(pkg.version)}`;
    }
  } catch {
    // Not found: the parse will say so.
  }
  return 'yaml ?';
}

function packageVersion(): string {
  for (const up of ['../../', '../../../']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(up + 'package.json', import.meta.url)), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'sigmatch') return String(pkg.version);
    } catch {
      // Not at this level.
    }
  }
  return 'unknown';
}
