import { closeSync, openSync, readSync } from 'node:fs';
import type { Event } from '../event/event.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from '../formats/evtx/file-header.js';
import { readChunk } from '../formats/evtx/read-chunk.js';
import { recordToEvent } from '../formats/evtx/read-evtx.js';
import type { InputProblem } from '../formats/input-item.js';
import { normalizeWindowsEvent } from '../pipeline/normalize-event.js';
import type { MatchBatch } from './hunt-session.js';
import { contextEntryOf, type ContextEntry } from './process-context.js';
import type { RuleSet } from './rule-set.js';

/** A run of chunks of one EVTX file, read and matched as one unit (in a worker thread or not). */
export interface ChunkTask {
  readonly file: string;
  /** First chunk index and the index past the last one. */
  readonly first: number;
  readonly end: number;
}

export interface TaskResult extends MatchBatch {
  readonly problems: readonly InputProblem[];
}

/** Collects events into a match batch: normalizes, extracts process context, matches. */
export class BatchBuilder {
  private events = 0;
  private context: ContextEntry[] = [];
  private hits: Array<{ rule: number; event: Event }> = [];
  private readonly ruleIndex: Map<object, number>;

  constructor(private readonly ruleSet: RuleSet) {
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
  }

  add(raw: Event): void {
    this.events++;
    const ev = normalizeWindowsEvent(raw);
    const entry = contextEntryOf(ev);
    if (entry !== undefined) this.context.push(entry);
    for (const m of this.ruleSet.match(ev)) this.hits.push({ rule: this.ruleIndex.get(m) as number, event: ev });
  }

  get size(): number {
    return this.events;
  }

  take(): MatchBatch {
    const batch = { events: this.events, context: this.context, hits: this.hits };
    this.events = 0;
    this.context = [];
    this.hits = [];
    return batch;
  }
}

/** Reads and matches a run of EVTX chunks. Never throws on file content. */
export function runChunkTask(task: ChunkTask, builder: BatchBuilder): TaskResult {
  const problems: InputProblem[] = [];
  const fd = openSync(task.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let i = task.first; i < task.end; i++) {
      const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE;
      const n = readSync(fd, buf, 0, CHUNK_SIZE, offset);
      const result = readChunk(buf.subarray(0, n), i, offset, {});
      for (const p of result.problems) problems.push({ ...p, file: task.file });
      for (const record of result.records) builder.add(recordToEvent(record, task.file));
    }
  } finally {
    closeSync(fd);
  }
  return { ...builder.take(), problems };
}
