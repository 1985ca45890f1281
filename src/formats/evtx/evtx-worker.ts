import { parentPort } from 'node:worker_threads';
import { recordToEvent } from './read-evtx.js';
import { readChunk } from './read-chunk.js';

/** Worker side of the parallel reader: parses the chunks it is sent and posts events back with their sequence number. */
export interface ChunkJob {
  readonly seq: number;
  readonly file: string;
  readonly recover: boolean;
  readonly chunks: ReadonlyArray<{ readonly index: number; readonly offset: number; readonly bytes: Uint8Array }>;
}

parentPort?.on('message', (job: ChunkJob) => {
  const items = [];
  for (const c of job.chunks) {
    const buf = Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
    const result = readChunk(buf, c.index, c.offset, { recover: job.recover });
    for (const problem of result.problems) items.push({ kind: 'problem' as const, problem });
    for (const record of result.records) items.push({ kind: 'event' as const, event: recordToEvent(record, job.file) });
  }
  parentPort?.postMessage({ seq: job.seq, items });
});
