import type { Journal } from '../journal/journal.js';
import type { AlertStore, StoredAlert } from '../store/alert-store.js';
import { documentEvent, type Doc } from '../event/document-event.js';
import type { RuleSet } from '../../engine/rule-set.js';
import type { LiveDetector } from './live-detector.js';

export interface DetectionLoopOptions {
  /** Journal rows read and matched per transaction (default 2,000). */
  readonly batch?: number;
  /** Processed rows replayed into the process context at start (default 50,000). */
  readonly contextReplay?: number;
  readonly now?: () => number;
  /** After each committed batch: the alerts it stored (for metrics and tests). */
  readonly onCommit?: (events: number, alerts: number) => void;
  /** A commit failed (disk full...): the batch is retried later from the same cursor. */
  readonly onError?: (e: Error) => void;
}

/**
 * Tails the journal from the stored cursor: reads a batch of rows, matches them, and stores their alerts and the
 * new cursor in ONE transaction. A crash at any point either keeps both or neither, so after a restart the rows
 * after the cursor are matched again and no alert is written twice (alert ids are deterministic besides).
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
  /** Events matched since start. */
  events = 0;
  /** Time of the last committed batch and the receive time of its newest event (ms), for lag. */
  lastReceived = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly store: AlertStore,
    private readonly detector: LiveDetector,
    private readonly options: DetectionLoopOptions = {},
  ) {
    this.batch = options.batch ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** Rules reloaded: between batches (this runs on the loop's own thread), so no batch sees two rule sets. */
  replaceRules(ruleSet: RuleSet): void {
    this.detector.replaceRules(ruleSet);
  }

  /** Rebuilds the process context from the rows before the cursor, then starts following the journal. */
  start(): void {
    const replay = this.options.contextReplay ?? 50_000;
    const cursor = this.journal.cursor;
    let from = Math.max(0, cursor - replay);
    while (from < cursor) {
      const rows = this.journal.read(from, Math.min(this.batch, cursor - from));
      if (rows.length === 0) break;
      for (const r of rows) {
        if (r.seq > cursor) break;
        const doc = parse(r.doc);
        if (doc !== undefined) this.detector.learn(documentEvent(doc));
      }
      from = (rows[rows.length - 1] as { seq: number }).seq;
    }
    this.kick();
  }

  /** New rows were journaled. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    this.idle = new Promise((done) => (this.wake = done));
    setImmediate(() => this.run());
  }

  private run(): void {
    if (this.stopped) return this.finish();
    let n: number;
    try {
      n = this.step();
    } catch (e) {
      this.options.onError?.(e as Error);
      // Nothing was kept; try the same rows again a little later.
      this.retryTimer = setTimeout(() => this.run(), 1000);
      return;
    }
    if (n > 0) setImmediate(() => this.run());
    else this.finish();
  }

  private finish(): void {
    this.running = false;
    this.wake?.();
    // Rows may have come in between the last read and now.
    if (!this.stopped && (this.again || this.journal.backlog > 0)) this.kick();
  }

  /** Matches one batch and commits it; returns the rows processed (0: caught up). */
  step(): number {
    const rows = this.journal.read(this.journal.cursor, this.batch);
    if (rows.length === 0) return 0;
    const now = this.now();
    const alerts: StoredAlert[] = [];
    for (const r of rows) {
      const doc = parse(r.doc);
      if (doc === undefined) continue;
      for (const a of this.detector.detect({ seq: r.seq, key: r.key, received: r.received, event: documentEvent(doc) }, now)) alerts.push(a);
    }
    this.detector.endBatch();
    const last = rows[rows.length - 1] as { seq: number; received: number };
    this.journal.advance(last.seq, rows.length, () => {
      for (const a of alerts) this.store.insert(a);
    });
    this.events += rows.length;
    this.lastReceived = last.received;
    this.options.onCommit?.(rows.length, alerts.length);
    return rows.length;
  }

  /** Stops after the batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.running) this.wake?.();
    await this.idle;
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
