import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Event } from '../../event/event.js';
import { chunkCountFromSize, CHUNK_SIZE, FILE_HEADER_SIZE, readFileHeader } from './file-header.js';
import { readChunk, type EvtxProblem, type EvtxRecord } from './read-chunk.js';

export interface EvtxReadOptions {
  readonly recover?: boolean;
  /** false reads every record through its element tree (the reference path of the compiled templates). */
  readonly compile?: boolean;
}

export type EvtxItem =
  | { readonly kind: 'record'; readonly record: EvtxRecord; readonly event: Event }
  | { readonly kind: 'problem'; readonly problem: EvtxProblem };

/** The Sigma event of a record, with provenance and its time. */
export function recordToEvent(record: EvtxRecord, file: string): Event {
  const fields = record.fields();
  const t = Date.parse(String(fields['TimeCreated'] ?? record.written));
  return {
    fields,
    source: { file, record: record.id, ...(record.recovered ? { recovered: true } : {}) },
    ...(Number.isNaN(t) ? {} : { timestamp: t }),
  };
}

/**
 * The event is built on first use: `dump --format xml` only needs the record's XML. A class, not an object
 * literal with a getter: V8 gives every such literal its own closure and accessor, which cost more than the record.
 */
class RecordItem {
  readonly kind = 'record';
  private cached: Event | undefined;
  constructor(
    readonly record: EvtxRecord,
    private readonly file: string,
  ) {}
  get event(): Event {
    this.cached ??= recordToEvent(this.record, this.file);
    return this.cached;
  }
}

function recordItem(record: EvtxRecord, file: string): EvtxItem {
  return new RecordItem(record, file);
}

/** Problems of the file header; `fatal` when the file cannot be read as EVTX at all. */
export function headerProblems(head: Buffer, size: number): { fatal: boolean; problems: EvtxProblem[] } {
  const problems: EvtxProblem[] = [];
  if (size < FILE_HEADER_SIZE) {
    problems.push({ code: 'evtx-truncated', severity: 'error', message: `file is ${size} bytes, shorter than the 4096-byte EVTX header`, offset: 0, chunk: -1 });
    return { fatal: true, problems };
  }
  const header = readFileHeader(head);
  if (header === null) {
    problems.push({ code: 'evtx-not-evtx', severity: 'error', message: "not an EVTX file (no 'ElfFile' signature)", offset: 0, chunk: -1 });
    return { fatal: true, problems };
  }
  if (!header.crcOk && !header.noCrc) problems.push({ code: 'evtx-header-crc', severity: 'warning', message: 'file header CRC32 does not match; header fields are used only as hints', offset: 124, chunk: -1 });
  if ((size - FILE_HEADER_SIZE) % CHUNK_SIZE !== 0) {
    problems.push({ code: 'evtx-trailing-bytes', severity: 'warning', message: `${(size - FILE_HEADER_SIZE) % CHUNK_SIZE} bytes after the last whole chunk`, offset: FILE_HEADER_SIZE + chunkCountFromSize(size) * CHUNK_SIZE, chunk: -1 });
  }
  return { fatal: false, problems };
}

/** Every record and problem of an EVTX file held in memory, in file order. */
export function* readEvtxBuffer(buf: Buffer, file: string, options: EvtxReadOptions = {}): Generator<EvtxItem> {
  const { fatal, problems } = headerProblems(buf.subarray(0, FILE_HEADER_SIZE), buf.length);
  for (const problem of problems) yield { kind: 'problem', problem };
  if (fatal) return;
  const seen = new Set<number>();
  const n = chunkCountFromSize(buf.length);
  for (let i = 0; i < n; i++) {
    const start = FILE_HEADER_SIZE + i * CHUNK_SIZE;
    yield* chunkItems(buf.subarray(start, start + CHUNK_SIZE), i, start, file, options, seen);
  }
}

function* chunkItems(chunk: Buffer, i: number, start: number, file: string, options: EvtxReadOptions, seen: Set<number>): Generator<EvtxItem> {
  const result = readChunk(chunk, i, start, { recover: options.recover === true, seen, ...(options.compile === false ? { compile: false } : {}) });
  for (const problem of result.problems) yield { kind: 'problem', problem };
  for (const record of result.records) yield recordItem(record, file);
}

/**
 * Streams an EVTX file chunk by chunk: memory stays at a few chunks whatever the file size.
 * Reads every chunk the file holds, past the header's count; never throws on file content.
 * Reads are synchronous: a 64 KiB read costs less than an asynchronous hop per record would.
 */
export function* readEvtxFile(path: string, options: EvtxReadOptions = {}): Generator<EvtxItem> {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    const head = Buffer.alloc(Math.min(size, FILE_HEADER_SIZE));
    readSync(fd, head, 0, head.length, 0);
    const { fatal, problems } = headerProblems(head, size);
    for (const problem of problems) yield { kind: 'problem', problem };
    if (fatal) return;
    const seen = new Set<number>();
    const n = chunkCountFromSize(size);
    // One buffer for every chunk: a chunk's records are decoded whole (they keep no reference to its bytes).
    const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let i = 0; i < n; i++) {
      const start = FILE_HEADER_SIZE + i * CHUNK_SIZE;
      const bytesRead = readSync(fd, chunk, 0, CHUNK_SIZE, start);
      yield* chunkItems(chunk.subarray(0, bytesRead), i, start, path, options, seen);
    }
  } finally {
    closeSync(fd);
  }
}
