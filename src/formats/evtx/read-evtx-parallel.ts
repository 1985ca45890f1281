import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Event } from '../../event/event.js';
import type { ChunkJob, EvtxWorkerData, JobReply, WorkerItem } from './evtx-worker.js';
import { chunkCountFromSize, FILE_HEADER_SIZE } from './file-header.js';
import { headerProblems } from './read-evtx.js';
import type { EvtxProblem } from './read-chunk.js';
import { OrderedReplies, prepareWorkerIsolates } from './workers.js';

export type ParallelItem = { readonly kind: 'event'; readonly event: Event } | { readonly kind: 'problem'; readonly problem: EvtxProblem };

export type MappedItem<T> =
  | { readonly kind: 'mapped'; readonly source: NonNullable<Event['source']>; readonly value: T }
  | { readonly kind: 'problem'; readonly problem: EvtxProblem }
  /** After each batch of chunks: how many records it held (mapped to a value or not). */
  | { readonly kind: 'progress'; readonly events: number };

export interface ParallelOptions {
  readonly workers?: number;
  readonly recover?: boolean;
  /** Chunks per job: larger batches cost less messaging. */
  readonly batch?: number;
}

/**
 * Reads an EVTX file with worker threads parsing chunks in parallel; events come back in file order.
 * At most 2 batches per worker are in flight, so memory stays bounded whatever the file size.
 *
 * Every event is structured-cloned back to the calling thread, and materialising it there costs about as
 * much as decoding it: this mode frees the caller's thread but does not make reading faster. To scale
 * with cores, do the per-event work in the workers with `mapEvtxParallel` (as the hunt does).
 */
export async function* readEvtxParallel(path: string, options: ParallelOptions = {}): AsyncGenerator<ParallelItem> {
  for await (const it of runParallel(path, options, {})) if (it.kind === 'event' || it.kind === 'problem') yield it;
}

/**
 * Reads an EVTX file with worker threads and applies `module`'s default export, `(event) => value | undefined`,
 * to every event inside the workers; yields the values that are not undefined, with the event's provenance,
 * in file order, plus a progress item per batch. Only the values cross threads, so throughput grows with cores.
 */
export async function* mapEvtxParallel<T>(path: string, module: URL | string, options: ParallelOptions = {}): AsyncGenerator<MappedItem<T>> {
  const map = typeof module === 'string' ? pathToFileURL(module).href : module.href;
  for await (const it of runParallel(path, options, { map })) {
    if (it.kind === 'mapped') yield it as MappedItem<T>;
    else if (it.kind === 'problem' || it.kind === 'progress') yield it;
  }
}

type Item = WorkerItem | { readonly kind: 'progress'; readonly events: number };

async function* runParallel(path: string, options: ParallelOptions, data: EvtxWorkerData): AsyncGenerator<Item> {
  const n = Math.max(1, options.workers ?? availableParallelism());
  const batch = options.batch ?? 16;
  const recover = options.recover === true;
  const fh = await open(path, 'r');
  prepareWorkerIsolates();
  const workers = Array.from({ length: n }, () => new Worker(new URL('./evtx-worker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 96 } }));
  // Listening from the start: a worker whose map module fails to load reports it while the header is read.
  const replies = new OrderedReplies<JobReply>(workers);
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, FILE_HEADER_SIZE));
    await fh.read(head, 0, head.length, 0);
    const { fatal, problems } = headerProblems(head, size);
    for (const problem of problems) yield { kind: 'problem', problem };
    if (fatal) return;
    const total = chunkCountFromSize(size);
    let nextChunk = 0;
    let sent = 0;
    const send = () => {
      const first = nextChunk;
      nextChunk = Math.min(total, first + batch);
      const job: ChunkJob = { seq: sent, file: path, recover, first, end: nextChunk };
      (workers[sent % n] as Worker).postMessage(job);
      sent++;
    };
    // With --recover: ids of the records read in earlier batches (the worker dedupes within its batch).
    const seen = recover ? new Set<number>() : undefined;
    while (sent < 2 * n && nextChunk < total) send();
    for (let seq = 0; seq < sent; seq++) {
      const reply = await replies.take(seq);
      if (reply.error !== undefined) throw new Error(`EVTX worker failed on ${path}: ${reply.error}`);
      if (nextChunk < total) send();
      for (const it of reply.items) {
        // The sequential reader neither returns nor tries to decode a carved copy of a record it has already read.
        if (seen !== undefined && isCarvedCopy(it, seen)) continue;
        yield it;
      }
      if (seen !== undefined) for (const id of reply.ids ?? []) seen.add(id);
      yield { kind: 'progress', events: reply.events };
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
  }
}

function isCarvedCopy(it: WorkerItem, seen: Set<number>): boolean {
  if (it.kind === 'problem') return it.problem.recovered === true && it.problem.record !== undefined && seen.has(it.problem.record);
  const source = it.kind === 'event' ? it.event.source : it.source;
  return source?.recovered === true && source.record !== undefined && seen.has(source.record);
}
