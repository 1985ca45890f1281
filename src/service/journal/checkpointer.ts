import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Db } from '../store/open-database.js';

/**
 * WAL pages after which a connection checkpoints by itself at a commit while the checkpoint thread is running: a
 * backstop (40 MB of 4 kB pages) should the thread fall behind; SQLite's own default is 1,000.
 */
export const BACKSTOP_PAGES = 10_000;
const DEFAULT_PAGES = 1000;

/** What the checkpoint thread is started with. */
export interface CheckpointWorkerData {
  readonly dataDir: string;
  /** How often it checkpoints (ms). */
  readonly everyMs: number;
}

/**
 * Copies the WAL's committed pages into the database file from a thread of its own (`PRAGMA wal_checkpoint(PASSIVE)`
 * on its own connection, every `everyMs`): the checkpoint SQLite would otherwise run inside the commit that crossed
 * 1,000 WAL pages, on the ingest thread before the acknowledgements go out (two more fsyncs and the copy), or inside
 * a detection commit. A passive checkpoint waits for no reader or writer and changes nothing about what a commit
 * makes durable (the WAL is fsync'd at each ingest commit as before). The connections given keep a backstop
 * (BACKSTOP_PAGES); if the thread ends, they go back to SQLite's default.
 */
export class Checkpointer {
  private constructor(
    private readonly worker: Worker | undefined,
    private readonly connections: readonly Db[],
  ) {}

  static start(dataDir: string, connections: readonly Db[], onError: (message: string) => void, everyMs = 100): Checkpointer {
    const script = new URL('./checkpoint-worker.js', import.meta.url);
    // Run from the TypeScript sources (the in-process tests) there is no script for a thread: SQLite's own checkpoints.
    if (!existsSync(fileURLToPath(script))) return new Checkpointer(undefined, connections);
    const data: CheckpointWorkerData = { dataDir, everyMs };
    const worker = new Worker(script, { workerData: data });
    const c = new Checkpointer(worker, connections);
    for (const db of connections) db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    worker.on('error', (e) => onError(`checkpoint thread: ${e.message}; the commits checkpoint as SQLite does by default`));
    worker.on('exit', () => c.fallBack());
    worker.unref();
    return c;
  }

  private fallBack(): void {
    for (const db of this.connections) if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  }

  async stop(): Promise<void> {
    if (this.worker === undefined) return;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fallBack();
  }
}
