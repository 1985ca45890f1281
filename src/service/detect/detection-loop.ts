import type { Journal } from '../journal/journal.js';
import type { DetectionSink } from '../store/alert-store-api.js';
import type { StoredAlert } from '../store/alert-store.js';
import { documentEvent, type Doc } from '../event/document-event.js';
import type { RuleSet } from '../../engine/rule-set.js';
import type { SigmaCorrelation } from '../../rule/model.js';
import type { DetectionCounts, LiveDetector, LiveEvent } from './live-detector.js';
import type { Event } from '../../event/event.js';

export interface DetectionLoopOptions {
  /** Journal rows read and matched per transaction (default 2,000). */
  readonly batch?: number;
  /** Processed rows replayed into the process context at start (default 50,000). */
  readonly contextReplay?: number;
  readonly now?: () => number;
  /** After each committed batch: the alerts it stored and detection's counts since start (for health, metrics and tests). */
  readonly onCommit?: (events: number, alerts: number, counts: DetectionCounts) => void;
  /** The store gave a position ahead of the local journal cursor: the local cursor moved there past `rows` rows. */
  readonly onResume?: (position: number, rows: number) => void;
  /** A commit failed (disk full, the store unreachable...): the batch is retried later from the same position. */
  readonly onError?: (e: Error, retryInMs: number) => void;
  /** The longest wait between retries (default 10 s); the first is 1 s, each next one twice as long. */
  readonly maxRetryMs?: number;
}

/**
 * Tails the journal from the stored position: reads a batch of rows, matches them, and stores their alerts and the
 * new position in ONE transaction of the alert store (the sink). A crash at any point either keeps both or neither,
 * so after a restart the rows after the position are matched again and no alert is written twice (alert ids are
 * deterministic besides). The position is the sink's: the SQLite store keeps it beside the journal; PostgreSQL keeps
 * one per instance beside the alerts, and the local journal cursor only follows it (pruning, backlog).
 * Runs on the event loop in slices, yielding between batches so ingest keeps being served.
 */
export class DetectionLoop {
  private running = false;
  /** A kick came while a run was going: look again when it ends (the journal's own count may be another thread's). */
  private again = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private idle: Promise<void> = Promise.resolve();
  private readonly batch: number;
  private readonly now: () => number;
  /** The last journal position whose alerts are committed; undefined until the sink told it. */
  private position: number | undefined;
  private retryMs = 0;
  /** Events matched since start. */
  events = 0;
  /** Time of the last committed batch and the receive time of its newest event (ms), for lag. */
  lastReceived = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** While correlation windows are open and the journal is caught up: when to look whether the stream went quiet. */
  private idleTimer: NodeJS.Timeout | undefined;
  private idleDue = false;
  /** The correlations' state as last committed (or resumed): a batch that fails to commit puts it back. */
  private committedState: string | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly sink: DetectionSink,
    private readonly detector: LiveDetector,
    private readonly options: DetectionLoopOptions = {},
  ) {
    this.batch = options.batch ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** Rules reloaded: between batches (this runs on the loop's own thread), so no batch sees two rule sets. */
  replaceRules(ruleSet: RuleSet, correlations?: readonly SigmaCorrelation[]): void {
    this.detector.replaceRules(ruleSet, correlations);
    // The next commit stores the state under the new correlations; a failed batch falls back to it.
    this.committedState = this.detector.correlationState();
  }

  /** Starts following the journal (the first run asks the sink for the position and rebuilds the process context). */
  start(): void {
    this.kick();
  }

  /** Where detection resumes: the sink's position; the local cursor is brought up to it; the context is rebuilt. */
  private async resume(): Promise<number> {
    const position = await this.sink.resume();
    // The correlations' windows as they were at that position (stored in the same transaction).
    const state = await this.sink.resumeState();
    if (state !== undefined) this.detector.restoreCorrelationState(state);
    this.committedState = this.detector.correlationState();
    // Rows after the local cursor are never pruned, so the store's position is always a row of this journal:
    // one past the journal's end is another data dir's (an instance id copied), and resuming there would skip events.
    if (position > this.journal.lastPosition) throw new Error(`the alert store holds position ${position} for this instance, past the last event of its journal (${this.journal.lastPosition}): was the data dir's instance-id copied from another instance? Give this data dir its own (remove instance-id) or its own journal back`);
    const local = this.journal.cursor;
    if (position > local) {
      const rows = this.journal.db.prepare('SELECT count(*) FROM journal WHERE seq > ? AND seq <= ?').pluck().get(local, position) as number;
      this.journal.advance(position, rows, () => {});
      this.options.onResume?.(position, rows);
    }
    const replay = this.options.contextReplay ?? 50_000;
    let from = Math.max(0, position - replay);
    while (from < position) {
      const rows = this.journal.readDocs(from, Math.min(this.batch, position - from));
      if (rows.length === 0) break;
      for (const [seq, text] of rows) {
        if (seq > position) break;
        const doc = parse(text);
        if (doc !== undefined) this.detector.learn(documentEvent(doc));
      }
      from = (rows[rows.length - 1] as [number, string])[0];
    }
    return position;
  }

  /** New rows were journaled. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retryTimer !== undefined) return; // waiting to retry: the retry reads these rows too
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.running = true;
    this.again = false;
    this.idle = new Promise((done) => (this.wake = done));
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.stopped) return this.finish();
      let n: number;
      try {
        this.position ??= await this.resume();
        n = await this.step(this.position);
        this.retryMs = 0;
      } catch (e) {
        // Nothing was kept: the correlations go back to the committed state (the same rows come again, not twice).
        if (this.committedState !== undefined) this.detector.restoreCorrelationState(this.committedState);
        // Try the same rows again later, waiting longer each time (the store may be down a while).
        this.retryMs = Math.min(this.options.maxRetryMs ?? 10_000, this.retryMs === 0 ? 1000 : this.retryMs * 2);
        this.options.onError?.(e as Error, this.retryMs);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.run();
        }, this.retryMs);
        return;
      }
      if (n === 0) return this.finish();
      await new Promise((r) => setImmediate(r));
    }
  }

  private finish(): void {
    this.running = false;
    this.wake?.();
    // Rows may have come in between the last read and now.
    if (!this.stopped && (this.again || this.journal.backlog > 0)) this.kick();
    else if (!this.stopped && this.retryTimer === undefined && this.detector.holdsWindows) this.scheduleIdle();
  }

  /** Caught up with windows open: look again in a while whether the stream has gone quiet (see LiveDetector.idleAdvance). */
  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    const wait = Math.min(30_000, Math.max(250, this.detector.idleMs / 2));
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.idleDue = true;
      this.kick();
    }, wait);
    this.idleTimer.unref();
  }

  /**
   * Caught up and the stream quiet for the allowed lateness: the correlations' event time goes on with the clock, and
   * what that closes is committed at the same position (no rows), with the state, as a batch would be.
   */
  private async idleStep(position: number): Promise<0> {
    if (!this.idleDue) return 0;
    this.idleDue = false;
    const now = this.now();
    if (!this.detector.idleAdvance(now)) return 0;
    const alerts = this.detector.endBatch(position, now);
    const state = this.detector.correlationState();
    if (alerts.length === 0 && state === this.committedState) return 0;
    await this.sink.commit(position, 0, alerts, state, this.detector.takeSuppressed());
    this.committedState = state;
    this.options.onCommit?.(0, alerts.length, this.detector.counts());
    return 0;
  }

  /** Matches one batch after `position` and commits it; returns the rows processed (0: caught up). */
  private async step(position: number): Promise<number> {
    const rows = this.journal.readDocs(position, this.batch);
    if (rows.length === 0) return this.idleStep(position);
    const now = this.now();
    const alerts: StoredAlert[] = [];
    for (const [seq, text] of rows) {
      const doc = parse(text);
      if (doc === undefined) continue;
      for (const a of this.detector.detect(new JournalEvent(this.journal, seq, documentEvent(doc)), now)) alerts.push(a);
    }
    const lastSeq = (rows[rows.length - 1] as [number, string])[0];
    const last = { seq: lastSeq, received: this.journal.rowMeta(lastSeq)?.received ?? this.lastReceived };
    // The correlations evaluate what the watermark passed; their alerts and state go in the same transaction.
    for (const a of this.detector.endBatch(last.seq, now)) alerts.push(a);
    const state = this.detector.correlationState();
    await this.sink.commit(last.seq, rows.length, alerts, state, this.detector.takeSuppressed());
    this.committedState = state;
    this.position = last.seq;
    this.events += rows.length;
    this.lastReceived = last.received;
    this.options.onCommit?.(rows.length, alerts.length, this.detector.counts());
    return rows.length;
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    if (this.retryTimer !== undefined) {
      // Waiting to retry: nothing is in progress.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.finish();
    }
    await this.idle;
  }
}

/**
 * A journaled event as the detector sees it: its key and receive time are read from its row only when asked (for
 * an alert; the last row of a batch), not with every row.
 */
class JournalEvent implements LiveEvent {
  private meta: { readonly key: Buffer; readonly received: number } | undefined;

  constructor(
    private readonly journal: Journal,
    readonly seq: number,
    readonly event: Event,
  ) {}

  private row(): { readonly key: Buffer; readonly received: number } {
    // Rows after the cursor are never pruned, and detection reads only those: a missing row is a bug (the batch fails).
    this.meta ??= this.journal.rowMeta(this.seq);
    if (this.meta === undefined) throw new Error(`journal row ${this.seq} is gone before detection committed it`);
    return this.meta;
  }

  get key(): Buffer {
    return this.row().key;
  }

  get received(): number {
    return this.row().received;
  }
}

/** Documents were checked to be JSON objects at ingest; a row that is not is skipped, never fatal. */
function parse(text: string): Doc | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
  } catch {
    return undefined;
  }
}
