import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Event } from '../../event/event.js';
import { recordToEvent } from './read-evtx.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
import { readChunk, type EvtxProblem } from './read-chunk.js';

/** Worker side of the parallel reader: parses the chunks it is sent and posts events (or what `map` made of them) back. */
export interface ChunkJob {
  readonly seq: number;
  readonly file: string;
  readonly recover: boolean;
  /** Chunk indexes [first, end) of the file, read by the worker itself. */
  readonly first: number;
  readonly end: number;
}

export interface EvtxWorkerData {
  /** URL of a module whose default export is applied to every event in the worker. */
  readonly map?: string;
}

export type WorkerItem =
  | { readonly kind: 'event'; readonly event: Event }
  | { readonly kind: 'mapped'; readonly source: NonNullable<Event['source']>; readonly value: unknown }
  | { readonly kind: 'problem'; readonly problem: EvtxProblem };

export interface JobReply {
  readonly seq: number;
  readonly items: WorkerItem[];
  /** Records read in this job (all of them, whatever `map` returned). */
  readonly events: number;
  /** With --recover, the ids of every record read in this job (mapped or not), for deduplication across jobs. */
  readonly ids?: number[];
  readonly error?: string;
}

type Mapper = (event: Event) => unknown;

const data = (workerData ?? {}) as EvtxWorkerData;
let mapper: Mapper | undefined;
if (data.map !== undefined) {
  const mod = (await import(data.map)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`${data.map} has no default export function to map events with`);
  mapper = mod.default as Mapper;
}

// One buffer for every chunk: records keep no reference to its bytes.
const chunk = Buffer.allocUnsafe(CHUNK_SIZE);

/** Reads the job's chunks from the file and decodes (and maps) their records into `reply`. */
function runJob(job: ChunkJob, reply: { items: WorkerItem[]; events: number; ids?: number[] }): void {
  // Carved copies of records already read earlier in this job are dropped here, the rest on the main thread.
  const seen = new Set<number>();
  // Opened per job (a megabyte of chunks): a terminated worker would leak a descriptor kept open.
  const fd = openSync(job.file, 'r');
  try {
    for (let index = job.first; index < job.end; index++) {
      const offset = FILE_HEADER_SIZE + index * CHUNK_SIZE;
      const bytesRead = readSync(fd, chunk, 0, CHUNK_SIZE, offset);
      const result = readChunk(chunk.subarray(0, bytesRead), index, offset, { recover: job.recover, seen });
      for (const problem of result.problems) reply.items.push({ kind: 'problem', problem });
      for (const record of result.records) {
        reply.events++;
        reply.ids?.push(record.id);
        const event = recordToEvent(record, job.file);
        if (mapper === undefined) reply.items.push({ kind: 'event', event });
        else {
          const value = mapper(event);
          if (value !== undefined) reply.items.push({ kind: 'mapped', source: event.source as NonNullable<Event['source']>, value });
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', (job: ChunkJob) => {
  const reply: { items: WorkerItem[]; events: number; ids?: number[] } = { items: [], events: 0, ...(job.recover ? { ids: [] } : {}) };
  try {
    runJob(job, reply);
    parentPort?.postMessage({ seq: job.seq, ...reply } satisfies JobReply);
  } catch (e) {
    parentPort?.postMessage({ seq: job.seq, items: [], events: reply.events, error: (e as Error).stack ?? String(e) } satisfies JobReply);
  }
});
