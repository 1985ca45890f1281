import { closeSync, openSync, readSync } from 'node:fs';
import { RowEncoder, type RowFormat } from '../event/row-bytes.js';
import type { Event } from '../event/event.js';
import { eventColumns, type EventColumns } from '../event/event-columns.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from '../formats/evtx/file-header.js';
import { readChunk } from '../formats/evtx/read-chunk.js';
import { recordToEvent } from '../formats/evtx/read-evtx.js';
import type { InputItem, InputProblem } from '../formats/input-item.js';
import { readJsonRange, type JsonRange, type JsonRangeEnd } from '../formats/json/read-json-range.js';
import { normalizeWindowsEvent } from '../pipeline/normalize-event.js';
import { makeHit, type Hit } from './alert.js';
import type { MatchBatch } from './hunt-session.js';
import { contextEntryOf, packEntry } from './process-context.js';
import type { RuleSet } from './rule-set.js';

/** A run of chunks of one EVTX file. */
export interface ChunkRun {
  readonly kind: 'evtx';
  readonly file: string;
  /** First chunk index and the index past the last one. */
  readonly first: number;
  readonly end: number;
}

/** A piece of one input file: a run of EVTX chunks, or a byte range of JSON lines. */
export type TaskPiece = ChunkRun | ({ readonly kind: 'json' } & JsonRange);

/**
 * What one round trip to a worker reads and matches: one piece of a large file, or several small files
 * (or their last pieces) together, so that a triage collection of small logs costs few round trips.
 */
export interface HuntTask {
  readonly pieces: readonly TaskPiece[];
}

/** What one piece gave, in input order; one batch per piece, whatever thread read it. */
export interface PieceResult extends MatchBatch {
  readonly problems: readonly InputProblem[];
  /** A JSON range's line count and, if the rest of its file must be read by one reader, where. */
  readonly json?: JsonRangeEnd;
}

export type TaskResult = readonly PieceResult[];

/** Collects events into a match batch: normalizes, extracts process context, matches. */
export class BatchBuilder {
  private events = 0;
  private context: string[] = [];
  private hits: Hit[] = [];
  private rows: EventColumns[] = [];
  private readonly encoder: RowEncoder | undefined;
  private readonly ruleIndex: Map<object, number>;

  /**
   * With `eventJson`, each hit carries its event's fields as JSON text (for outputs that show them); `fields`
   * are carried beside the alert fields (what correlations group and count by). With `stories`, events also
   * contribute the context entries the HTML report's stories need (see contextEntryOf). With `rows` (`sigmatch
   * load`) nothing is matched: each event becomes its database columns, carried in the batch's `rows`; with a
   * database's bulk format instead of `true`, its row in that format, carried in `rowBytes`.
   */
  constructor(
    private readonly ruleSet: RuleSet,
    private readonly options: { readonly eventJson?: boolean; readonly fields?: readonly string[]; readonly stories?: boolean; readonly rows?: boolean | RowFormat } = {},
  ) {
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
    this.encoder = typeof options.rows === 'string' ? new RowEncoder(options.rows) : undefined;
  }

  add(raw: Event): void {
    this.events++;
    const ev = normalizeWindowsEvent(raw);
    if (this.encoder !== undefined) return this.encoder.add(eventColumns(ev));
    if (this.options.rows === true) return void this.rows.push(eventColumns(ev));
    const entry = contextEntryOf(ev, this.options.stories === true);
    if (entry !== undefined) this.context.push(packEntry(entry).line);
    const matched = this.ruleSet.match(ev);
    if (matched.length === 0) return;
    // One slimmed event and JSON text for all the rules an event matched; filters gate each rule's alert.
    const first = makeHit(this.ruleIndex.get(matched[0] as object) as number, ev, this.options.eventJson === true, this.options.fields);
    for (let i = 0; i < matched.length; i++) {
      const rule = i === 0 ? first.rule : (this.ruleIndex.get(matched[i] as object) as number);
      const suppressedBy = this.ruleSet.suppressedBy(rule);
      this.hits.push(i === 0 && suppressedBy === undefined ? first : suppressedBy === undefined ? { ...first, rule } : { ...first, rule, suppressedBy });
    }
  }

  get size(): number {
    return this.events;
  }

  take(): MatchBatch {
    const unselected = this.ruleSet.takeUnselected();
    const batch: MatchBatch = { events: this.events, context: this.context.join('\n'), hits: this.hits, ...(unselected.count > 0 ? { unselected: [...unselected.byKey] } : {}), ...(this.options.rows === true ? { rows: this.rows } : {}), ...(this.encoder !== undefined ? { rowBytes: this.encoder.take() } : {}) };
    this.events = 0;
    this.context = [];
    this.hits = [];
    this.rows = [];
    return batch;
  }
}

/** Reads and matches the pieces of a task. Never throws on file content. */
export function runHuntTask(task: HuntTask, builder: BatchBuilder): TaskResult {
  return task.pieces.map((p) => (p.kind === 'evtx' ? runChunkRun(p, builder) : runJsonRange(p, builder)));
}

function runJsonRange(range: JsonRange, builder: BatchBuilder): PieceResult {
  const problems: InputProblem[] = [];
  const json = readJsonRange(range, (item: InputItem) => (item.kind === 'problem' ? problems.push(item.problem) : builder.add(item.event)));
  return { ...builder.take(), problems, json };
}

/** Reads and matches a run of EVTX chunks. */
function runChunkRun(task: ChunkRun, builder: BatchBuilder): PieceResult {
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
