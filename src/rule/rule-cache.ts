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
// payload (v8 serialization of the entries: Maps, undefined and every number kept as they are).
const MAGIC = Buffer.from('sigmatch rules\u0000\u0002', 'latin1');

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

function restoredDocument(s: StoredDocument): SigmaDocument {
  const { doc, raw } = s;
  if (raw !== undefined) {
    rawBytes.set(doc, raw);
    Object.defineProperty(doc, 'raw', {
      enumerable: true,
      configurable: true,
      get() {
        const value: unknown = deserialize(raw);
        Object.defineProperty(doc, 'raw', { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
  }
  return doc as unknown as SigmaDocument;
}

function encodePack(entries: readonly CachedRuleFile[], key: string): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const payload = serialize(entries.map((e) => ({ ...e, documents: e.documents.map(storedDocument) })));
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
  const entries: unknown = deserialize(payload);
  if (!Array.isArray(entries) || !entries.every(isEntry)) return undefined;
  return (entries as Array<CachedRuleFile & { documents: StoredDocument[] }>).map((e) => ({ ...e, documents: e.documents.map(restoredDocument) }));
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
