import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Event } from '../../event/event.js';
import type { ChunkJob } from './evtx-worker.js';
import { chunkCountFromSize, CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
import { headerProblems } from './read-evtx.js';
import type { EvtxProblem } from './read-chunk.js';

export type ParallelItem = { readonly kind: 'event'; readonly event: Event } | { readonly kind: 'problem'; readonly problem: EvtxProblem };

export interface ParallelOptions {
  readonly workers?: number;
  readonly recover?: boolean;
  /** Chunks per job: larger batches cost less messaging. */
  readonly batch?: number;
}

/**
 * Reads an EVTX file with worker threads parsing chunks in parallel; results come back in file order.
 * At most 2 batches per worker are in flight, so memory stays bounded whatever the file size.
 */
export async function* readEvtxParallel(path: string, options: ParallelOptions = {}): AsyncGenerator<ParallelItem> {
  const n = Math.max(1, options.workers ?? availableParallelism());
  const batch = options.batch ?? 16;
  const fh = await open(path, 'r');
  const workers = Array.from({ length: n }, () => new Worker(new URL('./evtx-worker.js', import.meta.url)));
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, FILE_HEADER_SIZE));
    await fh.read(head, 0, head.length, 0);
    const { fatal, problems } = headerProblems(head, size);
    for (const problem of problems) yield { kind: 'problem', problem };
    if (fatal) return;
    const total = chunkCountFromSize(size);
    const results = new Map<number, ParallelItem[]>();
    const waiters = new Map<number, () => void>();
    for (const w of workers) {
      w.on('message', (m: { seq: number; items: ParallelItem[] }) => {
        results.set(m.seq, m.items);
        waiters.get(m.seq)?.();
      });
    }
    let nextChunk = 0;
    let sent = 0;
    const send = async () => {
      const chunks: Array<ChunkJob['chunks'][number]> = [];
      const transfer: ArrayBuffer[] = [];
      while (chunks.length < batch && nextChunk < total) {
        const offset = FILE_HEADER_SIZE + nextChunk * CHUNK_SIZE;
        const bytes = new Uint8Array(CHUNK_SIZE);
        const { bytesRead } = await fh.read(bytes, 0, CHUNK_SIZE, offset);
        chunks.push({ index: nextChunk, offset, bytes: bytes.subarray(0, bytesRead) });
        transfer.push(bytes.buffer);
        nextChunk++;
      }
      const job: ChunkJob = { seq: sent, file: path, recover: options.recover === true, chunks };
      (workers[sent % n] as Worker).postMessage(job, transfer);
      sent++;
    };
    while (sent < 2 * n && nextChunk < total) await send();
    for (let seq = 0; seq < sent; seq++) {
      if (!results.has(seq)) await new Promise<void>((resolve) => waiters.set(seq, resolve));
      waiters.delete(seq);
      const items = results.get(seq) ?? [];
      results.delete(seq);
      if (nextChunk < total) await send();
      yield* items;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
  }
}
