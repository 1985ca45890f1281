import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { SigmaCorrelation, SigmaFilter, SigmaRule } from '../../rule/model.js';
import { withoutRaw } from '../../rule/rule-cache.js';
import type { Journal } from '../journal/journal.js';
import type { DetectionWorkerData, FromDetection, ToDetection } from './detection-worker.js';
import type { DetectionCounts } from './live-detector.js';

export interface DetectionThreadOptions {
  readonly dataDir: string;
  readonly rules: readonly SigmaRule[];
  readonly filters: readonly SigmaFilter[];
  /** The collection's correlations, run live (see LiveDetector). */
  readonly correlations: readonly SigmaCorrelation[];
  readonly latenessMs: number;
  readonly contextCapacity: number;
  /** With --bus: the partition count (one correlation state per partition, see LiveDetector). */
  readonly correlationPartitions?: number;
  readonly onCommit: (events: number, alerts: number, counts: DetectionCounts) => void;
  readonly onError: (message: string) => void;
  /** With PostgreSQL as the alert store: its URL and this instance's id. */
  readonly store?: { readonly url: string; readonly instance: string };
}

/**
 * The detection loop in a worker thread, so that matching and ingest use a core each. The worker has its own
 * database connection (WAL: it reads what the main thread committed, and their writes take turns); it stores
 * alerts and the cursor in one transaction as the in-thread loop does, and tells this side where the cursor
 * went, so that the journal's backlog (the 429 bound) and pruning follow.
 */
export class DetectionThread {
  events = 0;
  lastReceived = 0;
  private stopped: (() => void) | undefined;
  private reloaded: Array<() => void> = [];

  private constructor(
    private readonly worker: Worker,
    private readonly journal: Journal,
    private readonly options: DetectionThreadOptions,
  ) {
    worker.on('message', (m: FromDetection) => this.receive(m));
  }

  static async start(journal: Journal, options: DetectionThreadOptions): Promise<DetectionThread> {
    const data: DetectionWorkerData = {
      dataDir: options.dataDir,
      rules: serialize(options.rules.map(withoutRaw)),
      filters: serialize(options.filters.map(withoutRaw)),
      correlations: serialize(options.correlations.map(withoutRaw)),
      latenessMs: options.latenessMs,
      contextCapacity: options.contextCapacity,
      ...(options.correlationPartitions !== undefined ? { correlationPartitions: options.correlationPartitions } : {}),
      ...(options.store !== undefined ? { store: options.store } : {}),
    };
    const worker = new Worker(new URL('./detection-worker.js', import.meta.url), { workerData: data });
    const thread = new DetectionThread(worker, journal, options);
    await new Promise<void>((done, fail) => {
      const onMessage = (m: FromDetection) => {
        if (m.kind !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', fail);
        done();
      };
      worker.on('message', onMessage);
      worker.once('error', fail);
    });
    worker.on('error', (e) => options.onError(`detection thread: ${e.message}`));
    return thread;
  }

  private receive(m: FromDetection): void {
    switch (m.kind) {
      case 'ready':
        return;
      case 'commit':
        this.journal.cursorMoved(m.cursor, m.events);
        this.events += m.events;
        this.lastReceived = m.lastReceived;
        this.options.onCommit(m.events, m.alerts, m.counts);
        return;
      case 'resumed':
        // The store's position was ahead of the local cursor: the rows between are done.
        this.journal.cursorMoved(m.cursor, m.rows);
        return;
      case 'error':
        this.options.onError(m.message);
        return;
      case 'stopped':
        this.stopped?.();
        return;
      case 'reloaded':
        this.reloaded.shift()?.();
        return;
      default: {
        const never: never = m;
        throw new Error(`unknown message ${JSON.stringify(never)}`);
      }
    }
  }

  private send(m: ToDetection): void {
    this.worker.postMessage(m);
  }

  kick(): void {
    this.send({ kind: 'kick' });
  }

  /** Sends new rules and filters; resolves once the thread matches with them (its process context stays). */
  reload(rules: readonly SigmaRule[], filters: readonly SigmaFilter[], correlations: readonly SigmaCorrelation[]): Promise<void> {
    const done = new Promise<void>((r) => this.reloaded.push(r));
    this.send({ kind: 'reload', rules: serialize(rules.map(withoutRaw)), filters: serialize(filters.map(withoutRaw)), correlations: serialize(correlations.map(withoutRaw)) });
    return done;
  }

  /** Lets the batch in progress commit, then ends the thread. */
  async stop(): Promise<void> {
    const done = new Promise<void>((r) => (this.stopped = r));
    this.send({ kind: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
