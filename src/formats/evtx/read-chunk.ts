import { crc32 } from 'node:zlib';
import type { FieldValue } from '../../event/event.js';
import { ChunkContext, instantiate, type BinXmlNode } from './binxml.js';
import { CompiledTemplate, type Bound, type ResolveFragment } from './compiled-template.js';
import { flattenEvent } from './flatten-event.js';
import { FormatError, OutOfBounds } from './byte-reader.js';
import { CHUNK_SIZE } from './file-header.js';
import { filetimeToIsoParts } from './values.js';
import { isElement, renderXml, type XmlElement } from './xml-tree.js';

const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');
const RECORD_MAGIC = 0x00002a2a;
const RECORD_SIGNATURE = Buffer.from([0x2a, 0x2a, 0, 0]);

/**
 * One decoded record. A record of a compiled template keeps only its bound substitution values and is
 * flattened and rendered from them; any other (arrays, templateless forwarded events, unusual shapes) is
 * instantiated into its element tree while being read.
 */
export class EvtxRecord {
  constructor(
    readonly id: number,
    /** The record header's write time as FILETIME halves: rendered only when asked (it is a fallback). */
    private readonly writtenLo: number,
    private readonly writtenHi: number,
    readonly chunk: number,
    /** File offset of the record. */
    readonly offset: number,
    readonly recovered: boolean,
    private readonly body: XmlElement | Bound,
  ) {}

  /** The record header's write time, ISO-8601. */
  get written(): string {
    return filetimeToIsoParts(this.writtenLo, this.writtenHi);
  }

  /** Sigma fields of the record (see flattenEvent). */
  fields(): { [name: string]: FieldValue } {
    const body = this.body;
    return 'template' in body ? CompiledTemplate.fields(body) : flattenEvent(body);
  }

  /** The record as Windows event XML (see renderXml). */
  xml(): string {
    const body = this.body;
    return 'template' in body ? CompiledTemplate.xml(body) : renderXml(body);
  }

  /** Whether the record is read through its compiled template. */
  get compiled(): boolean {
    return 'template' in this.body;
  }
}

/** A problem in the file: what, and where (file offset, chunk index, record id when known). */
export interface EvtxProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly offset: number;
  readonly chunk: number;
  readonly record?: number;
  /** About a record carved from slack space (--recover), not a live one. */
  readonly recovered?: boolean;
}

export interface ChunkResult {
  readonly records: EvtxRecord[];
  readonly problems: EvtxProblem[];
  /** The chunk held no data at all (never written). */
  readonly empty: boolean;
}

export interface ChunkOptions {
  /** Carve records from slack space and from chunks with a bad header. */
  readonly recover?: boolean;
  /** Record ids already read, so carved copies of live records are not returned twice. */
  readonly seen?: Set<number>;
  /** Read records through compiled templates (default); false builds every record's element tree (the reference path). */
  readonly compile?: boolean;
}

/**
 * Reads every record of one 64 KiB chunk. Never throws: each problem is returned with its
 * place, and reading goes on with the next record (or, past a broken record header, the next chunk).
 */
export function readChunk(chunk: Buffer, index: number, fileOffset: number, options: ChunkOptions = {}): ChunkResult {
  const records: EvtxRecord[] = [];
  const problems: EvtxProblem[] = [];
  const problem = (code: string, message: string, at: number, record?: number, severity: 'error' | 'warning' = 'error') =>
    problems.push({ code, severity, message, offset: fileOffset + at, chunk: index, ...(record !== undefined ? { record } : {}) });

  if (chunk.length < 512) {
    problem('evtx-chunk-truncated', `chunk is truncated (${chunk.length} bytes)`, 0);
    return { records, problems, empty: false };
  }
  const magicOk = chunk.subarray(0, 8).equals(CHUNK_MAGIC);
  if (!magicOk) {
    if (chunk.every((b) => b === 0)) return { records, problems, empty: true };
    if (chunk.indexOf(RECORD_SIGNATURE) < 0) {
      problem('evtx-chunk-garbage', 'chunk holds no EVTX data (bad signature, no record signatures); skipped', 0, undefined, 'warning');
      return { records, problems, empty: false };
    }
    if (!options.recover) {
      problem('evtx-chunk-magic', 'chunk has a bad signature; skipped (use --recover to carve records from it)', 0);
      return { records, problems, empty: false };
    }
    problem('evtx-chunk-magic', 'chunk has a bad signature; carving records from it', 0, undefined, 'warning');
    carve(chunk, index, fileOffset, 512, records, problems, options);
    return { records, problems, empty: false };
  }

  const flags = chunk.readUInt32LE(120);
  const freeSpace = Math.min(Math.max(chunk.readUInt32LE(48), 512), CHUNK_SIZE, chunk.length);
  if ((flags & 4) === 0) {
    const headerCrc = crc32(Buffer.concat([chunk.subarray(0, 120), chunk.subarray(128, 512)]));
    if (headerCrc !== chunk.readUInt32LE(124)) problem('evtx-chunk-header-crc', 'chunk header CRC32 does not match; reading its records anyway', 0, undefined, 'warning');
    const dataCrc = crc32(chunk.subarray(512, freeSpace));
    if (dataCrc !== chunk.readUInt32LE(52)) problem('evtx-chunk-data-crc', 'chunk records CRC32 does not match; reading its records anyway', 52, undefined, 'warning');
  }

  const ctx = new ChunkContext(chunk, 0, Math.min(chunk.length, CHUNK_SIZE));
  let pos = 512;
  let stoppedAt = freeSpace;
  while (pos + 24 <= freeSpace) {
    const magic = chunk.readUInt32LE(pos);
    if (magic === 0) {
      stoppedAt = pos;
      break;
    }
    if (magic !== RECORD_MAGIC) {
      problem('evtx-record-magic', 'record has a bad signature; the rest of the chunk is skipped', pos);
      stoppedAt = pos;
      break;
    }
    const size = chunk.readUInt32LE(pos + 4);
    const id = Number(chunk.readBigUInt64LE(pos + 8));
    if (size < 28 || pos + size > Math.min(chunk.length, CHUNK_SIZE)) {
      problem('evtx-record-size', `record size ${size} is impossible; the rest of the chunk is skipped`, pos, id);
      stoppedAt = pos;
      break;
    }
    if (chunk.readUInt32LE(pos + size - 4) !== size) {
      // A corrupt record: skip it, and go on when a record starts right after it.
      const next = pos + size;
      const resumes = next + 24 <= freeSpace && chunk.readUInt32LE(next) === RECORD_MAGIC;
      problem('evtx-record-size', `record size ${size} does not match its trailing copy; record skipped${resumes ? '' : ', and the rest of the chunk with it'}`, pos, id);
      if (!resumes) {
        stoppedAt = pos;
        break;
      }
      pos = next;
      continue;
    }
    const rec = parseRecord(ctx, chunk, pos, size, id, index, fileOffset, false, options.compile !== false);
    if ('code' in rec) problems.push(rec);
    else {
      records.push(rec);
      options.seen?.add(id);
    }
    pos += size;
  }
  if (options.recover === true) carve(chunk, index, fileOffset, stoppedAt, records, problems, options, ctx);
  return { records, problems, empty: false };
}

function parseRecord(
  ctx: ChunkContext,
  chunk: Buffer,
  pos: number,
  size: number,
  id: number,
  index: number,
  fileOffset: number,
  recovered: boolean,
  compile: boolean,
): EvtxRecord | EvtxProblem {
  const writtenLo = chunk.readUInt32LE(pos + 16);
  const writtenHi = chunk.readUInt32LE(pos + 20);
  try {
    const nodes = ctx.parse(pos + 24, pos + size - 4, false);
    if (compile) {
      const bound = bindFragment(ctx, nodes, true, 0);
      if (bound !== null) return new EvtxRecord(id, writtenLo, writtenHi, index, fileOffset + pos, recovered, bound);
    }
    const tree = instantiate(ctx, nodes, []);
    const root = tree.find(isElement);
    if (root === undefined) throw new FormatError('record holds no element');
    return new EvtxRecord(id, writtenLo, writtenHi, index, fileOffset + pos, recovered, root);
  } catch (e) {
    // Whatever corrupt bytes make the decoder trip over, the record is reported and reading goes on.
    const why = e instanceof FormatError || e instanceof OutOfBounds ? e.message : `malformed data (${e instanceof Error ? e.message : String(e)})`;
    return { code: 'evtx-record-binxml', severity: 'error', message: `record ${id} cannot be decoded: ${why}`, offset: fileOffset + pos, chunk: index, record: id };
  }
}

/**
 * Binds parsed BinXML (a record's body, or embedded BinXML) to its compiled template: one template instance,
 * or literal elements (compiled on the spot). Null when the element tree is needed.
 */
function bindFragment(ctx: ChunkContext, nodes: readonly BinXmlNode[], asRecord: boolean, depth: number): Bound | null {
  const resolve: ResolveFragment = (value, d) => (value.binxml === undefined ? null : bindFragment(ctx, ctx.parse(value.binxml.start, value.binxml.end, false, d), false, d));
  const only = nodes.length === 1 ? nodes[0] : undefined;
  if (only !== undefined && only.k === 'inst') return ctx.compiled(only.template)?.bind(only.values, asRecord, resolve, depth) ?? null;
  if (nodes.some((n) => n.k === 'inst')) return null;
  return CompiledTemplate.compile(nodes)?.bind([], asRecord, resolve, depth) ?? null;
}

/** Scans slack space for record signatures whose size and trailing copy agree and whose BinXML starts well. */
function carve(chunk: Buffer, index: number, fileOffset: number, from: number, records: EvtxRecord[], problems: EvtxProblem[], options: ChunkOptions, ctx?: ChunkContext): void {
  const context = ctx ?? new ChunkContext(chunk, 0, Math.min(chunk.length, CHUNK_SIZE));
  const limit = Math.min(chunk.length, CHUNK_SIZE);
  let pos = Math.max(from, 512);
  while (pos + 28 <= limit) {
    const at = chunk.indexOf(0x2a, pos);
    if (at < 0 || at + 28 > limit) break;
    if (chunk.readUInt32LE(at) !== RECORD_MAGIC) {
      pos = at + 1;
      continue;
    }
    const size = chunk.readUInt32LE(at + 4);
    const valid = size >= 28 && at + size <= limit && chunk.readUInt32LE(at + size - 4) === size && chunk[at + 24] === 0x0f && chunk[at + 25] === 0x01;
    if (!valid) {
      pos = at + 1;
      continue;
    }
    const id = Number(chunk.readBigUInt64LE(at + 8));
    if (options.seen?.has(id) !== true) {
      const rec = parseRecord(context, chunk, at, size, id, index, fileOffset, true, options.compile !== false);
      if ('code' in rec) problems.push({ ...rec, severity: 'warning', message: `recovered ${rec.message}`, recovered: true });
      else {
        records.push(rec);
        options.seen?.add(id);
      }
    }
    pos = at + size;
  }
}
