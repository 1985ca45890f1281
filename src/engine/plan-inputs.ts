import { open } from 'node:fs/promises';
import type { HuntTask, TaskPiece } from './match-task.js';
import { CHUNK_SIZE, chunkCountFromSize, FILE_HEADER_SIZE } from '../formats/evtx/file-header.js';
import { headerProblems } from '../formats/evtx/read-evtx.js';
import type { InputProblem } from '../formats/input-item.js';
import { formatOfHead } from '../formats/read-input.js';
import type { ReadLimits } from '../formats/read-limits.js';

/** A piece of a task as the main thread keeps it: which file (for progress) and the problems found in planning. */
export interface PieceMeta {
  readonly fileIndex: number;
  readonly bytes: number;
  /** Header problems of an EVTX file, reported before what its chunks give. */
  readonly problems: readonly InputProblem[];
  /** The first piece of its file (a JSON file's line numbers restart there). */
  readonly first: boolean;
}

/**
 * What the hunt reads, in input order: tasks (EVTX chunk runs and JSON line ranges, small files grouped),
 * which run in the worker threads or, the same way, on the main thread; and files read whole on the main
 * thread (XML, --recover, unreadable or unknown formats).
 */
export type Unit =
  | { readonly kind: 'task'; readonly task: HuntTask; readonly meta: readonly PieceMeta[] }
  | { readonly kind: 'file'; readonly file: string; readonly fileIndex: number; readonly bytes: number };

export interface Plan {
  readonly units: readonly Unit[];
  /** Events the tasks hold, estimated from EVTX headers and JSON sizes (for the thread choice). */
  readonly estimatedEvents: number;
}

/** EVTX chunks in one piece of a large file; JSON bytes in one range. */
const CHUNKS_PER_PIECE = 4;
const JSON_RANGE = 1 << 20;
/** A task is full at this weight: 4 EVTX chunks, or 1 MiB of JSON, or small files adding up to as much. */
const chunkWeight = (chunks: number) => chunks / CHUNKS_PER_PIECE;
const jsonWeight = (bytes: number) => bytes / JSON_RANGE;
/** Bytes per JSON event, for the estimate only (a Sysmon or Winlogbeat line is about 1–2 KB). */
const JSON_EVENT_BYTES = 1200;
/** Events per chunk when a header cannot tell. */
const EVENTS_PER_CHUNK = 70;
/** Bytes read from each file in planning: its EVTX file header and the first chunk's record numbers. */
const HEAD_BYTES = FILE_HEADER_SIZE + 24;
/** Files opened at once in planning. */
const OPEN_AT_ONCE = 32;

interface FileHead {
  readonly head: Buffer;
  readonly error?: Error;
}

async function readHead(file: string): Promise<FileHead> {
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
      return { head: head.subarray(0, bytesRead) };
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { head: Buffer.alloc(0), error: e as Error };
  }
}

/** Records of an EVTX file from its header: the next record number less the first chunk's first. */
function evtxEvents(head: Buffer, chunks: number): number {
  if (head.length >= HEAD_BYTES && head.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + 8).toString('latin1') === 'ElfChnk\0') {
    const n = Number(head.readBigUInt64LE(24) - head.readBigUInt64LE(FILE_HEADER_SIZE + 8));
    if (n >= 0 && n <= chunks * 2000) return n;
  }
  return chunks * EVENTS_PER_CHUNK;
}

/** `limits`: --max-record-size and the problems kept per file, carried by every JSON range to the thread that reads it. */
export async function planInputs(files: readonly string[], sizes: readonly number[], recover: boolean, limits?: Partial<ReadLimits>): Promise<Plan> {
  const heads: FileHead[] = [];
  for (let i = 0; i < files.length; i += OPEN_AT_ONCE) heads.push(...(await Promise.all(files.slice(i, i + OPEN_AT_ONCE).map(readHead))));
  const units: Unit[] = [];
  let estimatedEvents = 0;
  let pieces: TaskPiece[] = [];
  let meta: PieceMeta[] = [];
  let weight = 0;
  const flush = () => {
    if (pieces.length > 0) units.push({ kind: 'task', task: { pieces }, meta });
    pieces = [];
    meta = [];
    weight = 0;
  };
  const add = (piece: TaskPiece, m: PieceMeta, w: number) => {
    if (weight > 0 && weight + w > 1) flush();
    pieces.push(piece);
    meta.push(m);
    weight += w;
    if (weight >= 1) flush();
  };
  for (const [fileIndex, file] of files.entries()) {
    const size = sizes[fileIndex] ?? 0;
    const { head, error } = heads[fileIndex] as FileHead;
    const format = error === undefined ? formatOfHead(head) : undefined;
    // Carving with --recover skips records already read from earlier chunks: that needs one reader per file.
    // XML and files that cannot be read or recognized go to readInput, which reports them.
    if (format === 'evtx' && !recover) {
      const { fatal, problems: found } = headerProblems(head.subarray(0, FILE_HEADER_SIZE), size);
      const problems = found.map((p) => ({ ...p, file }));
      const chunks = fatal ? 0 : chunkCountFromSize(size);
      estimatedEvents += evtxEvents(head, chunks);
      // At least one piece, empty when the file has no chunk, to report its problems in order.
      for (let first = 0; first === 0 || first < chunks; first += CHUNKS_PER_PIECE) {
        const end = Math.min(chunks, first + CHUNKS_PER_PIECE);
        const bytes = (end - first) * CHUNK_SIZE + (first === 0 ? Math.min(size, FILE_HEADER_SIZE) : 0);
        add({ kind: 'evtx', file, first, end }, { fileIndex, bytes, problems: first === 0 ? problems : [], first: first === 0 }, chunkWeight(end - first));
      }
    } else if (format === 'json') {
      estimatedEvents += size / JSON_EVENT_BYTES;
      // Every range after the first starts between records (one object a line), inside the array if the file is one.
      const later = { inArray: head.toString('utf8', 0, Math.min(head.length, 512)).replace(/^\uFEFF/, '').trimStart().startsWith('['), sawContent: true };
      for (let start = 0; start === 0 || start < size; start += JSON_RANGE) {
        const end = Math.min(size, start + JSON_RANGE);
        add(
          { kind: 'json', file, start, end, state: start === 0 ? { inArray: false, sawContent: false } : later, next: end >= size ? undefined : later, ...(limits === undefined ? {} : { limits }) },
          { fileIndex, bytes: end - start, problems: [], first: start === 0 },
          jsonWeight(end - start),
        );
      }
    } else {
      flush();
      units.push({ kind: 'file', file, fileIndex, bytes: size });
    }
  }
  flush();
  return { units, estimatedEvents: Math.round(estimatedEvents) };
}

/**
 * The default number of worker threads: all cores when the work is large enough to pay for starting them, else
 * none. Each worker compiles the rules and builds each prefilter it needs on its own: with every SigmaHQ rule
 * (2,406) that is 2 to 5 CPU-seconds a worker on the generated corpus, so two workers spend about 30% more CPU
 * than the main thread alone; on 2 cores they finish sooner past about 60,000 events (the threshold is twice
 * that; with the built-in pack about 20,000). The choice does not look at how busy the machine is: a measure of
 * idle cores taken while the rules load sees the loading's own garbage-collector threads as load, and chose the
 * main thread on an idle machine (an all-rules hunt of 222,222 events: 11.8 s instead of 7.2 s with workers).
 */
export function defaultThreads(estimatedEvents: number, rules: number, cores: number): number {
  return cores > 1 && estimatedEvents >= 20_000 + 40 * rules ? cores : 0;
}
