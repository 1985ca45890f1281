import type { Db } from '../store/open-database.js';

/** One event to journal: its dedup key and the document text as shipped. */
export interface JournalEntry {
  readonly key: Buffer;
  readonly doc: string;
  /** The document as ingest parsed it (for its key), for whoever reads its fields before it is stored; never stored. */
  readonly parsed?: { readonly [k: string]: unknown };
  /** Its host (`winlog.computer_name`) when ingest read it without parsing the document; never stored. */
  readonly host?: string;
}

/** A document that could not be read as an event: kept, not lost, and reported as accepted. */
export interface QuarantineEntry {
  readonly protocol: string;
  readonly reason: string;
  readonly text: string;
}

/** One request's events: appended all together or not at all. */
export interface JournalBatch {
  readonly entries: readonly JournalEntry[];
  readonly quarantine?: readonly QuarantineEntry[];
}

/** Per entry, in order: its journal position, or 'duplicate' when an event with its key is already journaled. */
export type AppendResult = ReadonlyArray<number | 'duplicate'>;

export interface JournalRow {
  readonly seq: number;
  readonly key: Buffer;
  readonly received: number;
  readonly doc: string;
}

/** Why a batch was refused before anything was written: the backlog is past its bound (a whole-request 429). */
export class BacklogFull extends Error {
  constructor(readonly backlog: number) {
    super(`the detection backlog holds ${backlog} events; retry later`);
  }
}

/** Why a commit failed: the disk is full (507) or another storage error (503). Nothing of the batch is kept. */
export class JournalWriteError extends Error {
  constructor(
    readonly full: boolean,
    cause: unknown,
  ) {
    super(`the journal could not be written: ${(cause as Error).message ?? String(cause)}`);
  }
}

/**
 * Where ingest puts a request's events (accept()'s one durable path): the local journal, or the bus with serve --bus
 * (bus/bus-publisher.ts). `append` resolves only once the batch is durable there; a rejection means nothing of it
 * was acknowledged (BacklogFull, JournalWriteError, EventLogUnavailable).
 */
export interface EventLog {
  append(batch: JournalBatch): Promise<AppendResult>;
}

/** The event log cannot take events now (the bus is unreachable, or this instance does not ingest): a whole-request 503. */
export class EventLogUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfter = 5,
  ) {
    super(message);
  }
}

export interface JournalOptions {
  /** Unprocessed events beyond which a new batch is refused (default 500,000). */
  readonly maxBacklog?: number;
  readonly now?: () => number;
}

/** How long a journal write waits for the other connection's write lock (busy_timeout's 5 s). */
const WRITE_LOCK_WAIT_MS = 5000;
/** What writeTransaction's pauses wait on (never notified). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Entries per INSERT statement (3 parameters each). */
const INSERT_ROWS = 64;

interface Pending {
  readonly batch: JournalBatch;
  readonly done: (r: AppendResult) => void;
  readonly fail: (e: Error) => void;
}

/**
 * The ingest journal: an append-only SQLite table (WAL, synchronous=FULL) whose rows detection reads by
 * sequence number.
 *
 * Invariants:
 * - `append` resolves only after the batch's transaction committed (fsync'd): an acknowledged event is durable.
 * - A batch is one request: every entry is in the journal afterwards or none is (the transaction rolls back).
 * - Batches appended in the same event-loop turn share one transaction (group commit: one fsync for all);
 *   if it fails they all fail, each still whole.
 * - The key column is UNIQUE: an event already journaled is answered 'duplicate' and not appended again.
 *   Duplicates are recognised as long as the original is in the journal (see prune).
 * - Sequence numbers only grow (AUTOINCREMENT), also after every row was pruned.
 * - Only rows at or before the detection cursor are pruned: nothing unprocessed is deleted.
 */
export class Journal implements EventLog {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Multi-row INSERTs by row count, with their argument arrays (see insertAll). */
  private readonly insertMany = new Map<number, { stmt: ReturnType<Db['prepare']>; args: unknown[] }>();
  private readonly seqOfKey;
  private readonly insertQuarantine;
  private readonly readAfter;
  private readonly readDocsAfter;
  private readonly rowMetaStmt;
  private readonly readBetween;
  /** readRange's statements with a text filter, by the number of strings. */
  private readonly readContaining = new Map<number, ReturnType<Db['prepare']>>();
  private readonly getCursor;
  private readonly setCursorStmt;
  /** The connection's own busy_timeout (writeTransaction sets none while it waits for the write lock itself). */
  private readonly busyTimeout: number;
  private last: number;
  private unprocessed: number;
  /** Rows and document bytes held, kept up to date on append and prune (a SUM over the table is a full scan). */
  private held: { events: number; bytes: number };
  private cursorValue: number;
  private readonly maxBacklog: number;
  private readonly now: () => number;
  /** Called after each commit that appended events. */
  onAppend: (() => void) | undefined;

  constructor(
    readonly db: Db,
    options: JournalOptions = {},
  ) {
    this.maxBacklog = options.maxBacklog ?? 500_000;
    this.now = options.now ?? Date.now;
    this.seqOfKey = db.prepare('SELECT seq FROM journal WHERE key = ?').pluck();
    this.insertQuarantine = db.prepare('INSERT INTO quarantine (received, protocol, reason, text) VALUES (?, ?, ?, ?)');
    this.readAfter = db.prepare('SELECT seq, key, received, doc FROM journal WHERE seq > ? ORDER BY seq LIMIT ?');
    this.readDocsAfter = db.prepare('SELECT seq, doc FROM journal WHERE seq > ? ORDER BY seq LIMIT ?').raw();
    this.rowMetaStmt = db.prepare('SELECT key, received FROM journal WHERE seq = ?');
    this.readBetween = db.prepare('SELECT seq, key, received, doc FROM journal WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?');
    this.getCursor = db.prepare("SELECT value FROM state WHERE name = 'cursor'").pluck();
    this.setCursorStmt = db.prepare("INSERT INTO state (name, value) VALUES ('cursor', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    this.busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    this.cursorValue = (this.getCursor.get() as number | undefined) ?? 0;
    this.last = this.lastSeq();
    this.unprocessed = db.prepare('SELECT count(*) FROM journal WHERE seq > ?').pluck().get(this.cursorValue) as number;
    this.held = this.measure();
  }

  private measure(): { events: number; bytes: number } {
    return this.db.prepare('SELECT count(*) AS events, coalesce(sum(length(CAST(doc AS BLOB))), 0) AS bytes FROM journal').get() as { events: number; bytes: number };
  }

  /** The newest row's position (when every row was pruned, the cursor: pruning never passes it). */
  private lastSeq(): number {
    const max = this.db.prepare('SELECT max(seq) FROM journal').pluck().get() as number | null;
    return max ?? ((this.getCursor.get() as number | undefined) ?? 0);
  }

  /** The last journal position detection has finished (its alerts committed). */
  get cursor(): number {
    return this.cursorValue;
  }

  /** The last journal position appended. */
  get lastPosition(): number {
    return this.last;
  }

  /** Events journaled and not yet processed by detection (positions have gaps: a duplicate's insert uses one up). */
  get backlog(): number {
    return this.unprocessed;
  }

  /** Appends a batch; resolves once it is durable. Rejects with BacklogFull or JournalWriteError, nothing written. */
  append(batch: JournalBatch): Promise<AppendResult> {
    if (batch.entries.length > 0 && this.backlog + batch.entries.length > this.maxBacklog) return Promise.reject(new BacklogFull(this.backlog));
    return new Promise((done, fail) => {
      this.pending.push({ batch, done, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate: requests that arrived in this turn join the same transaction.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const received = this.now();
    const results: AppendResult[] = [];
    let appended = 0;
    let bytes = 0;
    // A conflicting insert still moves AUTOINCREMENT's counter: the last position is the last row appended.
    let last = this.last;
    try {
      this.writeTransaction(() => {
        // From the start each time: a transaction that could not take the write lock is run again.
        results.length = 0;
        appended = 0;
        bytes = 0;
        last = this.last;
        for (const p of group) {
          const r = this.insertAll(p.batch.entries, received, last);
          for (let i = 0; i < r.length; i++) {
            const seq = r[i] as number | 'duplicate';
            if (seq === 'duplicate') continue;
            last = seq;
            appended++;
            bytes += Buffer.byteLength((p.batch.entries[i] as JournalEntry).doc);
          }
          for (const q of p.batch.quarantine ?? []) this.insertQuarantine.run(received, q.protocol, q.reason, q.text);
          results.push(r);
        }
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      const error = new JournalWriteError(code === 'SQLITE_FULL' || code === 'ENOSPC', e);
      for (const p of group) p.fail(error);
      return;
    }
    this.last = last;
    this.unprocessed += appended;
    this.held = { events: this.held.events + appended, bytes: this.held.bytes + bytes };
    group.forEach((p, i) => p.done(results[i] as AppendResult));
    if (appended > 0) this.onAppend?.();
  }

  /** The INSERT of `rows` entries in one statement (prepared once per size). */
  private insertRows(rows: number): { stmt: ReturnType<Db['prepare']>; args: unknown[] } {
    let s = this.insertMany.get(rows);
    if (s === undefined) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?)').join(', ');
      this.insertMany.set(rows, (s = { stmt: this.db.prepare(`INSERT INTO journal (key, received, doc) VALUES ${values} ON CONFLICT(key) DO NOTHING`), args: new Array<unknown>(rows * 3) }));
    }
    return s;
  }

  /**
   * Inserts entries (inside flush's transaction) INSERT_ROWS at a time, one statement each: per entry its position
   * or 'duplicate'. When a statement inserted every row, they took consecutive positions ending at its last insert
   * (this connection is the journal's only writer and holds the write lock); when it skipped some (a key already
   * journaled, or twice in the request), each key's row is looked up: a position past the last before the statement
   * is this entry's (its key's first occurrence), any other answer a duplicate. `lastBefore`: the newest position
   * before the first statement.
   */
  private insertAll(entries: readonly JournalEntry[], received: number, lastBefore: number): Array<number | 'duplicate'> {
    // The newest position in the table before each statement.
    let before = lastBefore;
    const out = new Array<number | 'duplicate'>(entries.length);
    for (let from = 0; from < entries.length; from += INSERT_ROWS) {
      const n = Math.min(INSERT_ROWS, entries.length - from);
      const { stmt, args } = this.insertRows(n);
      for (let j = 0; j < n; j++) {
        const e = entries[from + j] as JournalEntry;
        args[3 * j] = e.key;
        args[3 * j + 1] = received;
        args[3 * j + 2] = e.doc;
      }
      const info = stmt.run(args);
      args.fill(undefined);
      const lastRow = Number(info.lastInsertRowid);
      if (info.changes === n) {
        for (let j = 0; j < n; j++) out[from + j] = lastRow - n + 1 + j;
        before = lastRow;
        continue;
      }
      let newest = before;
      const claimed = new Set<string>();
      for (let j = 0; j < n; j++) {
        const key = (entries[from + j] as JournalEntry).key;
        const seq = this.seqOfKey.get(key) as number | undefined;
        const hex = key.toString('hex');
        if (seq !== undefined && seq > before && !claimed.has(hex)) {
          claimed.add(hex);
          out[from + j] = seq;
          newest = Math.max(newest, seq);
        } else out[from + j] = 'duplicate';
      }
      before = newest;
    }
    return out;
  }

  /**
   * Detection in another thread (its own connection) committed the rows up to `seq`: this side's cursor and
   * backlog follow. Only forward.
   */
  cursorMoved(seq: number, rows: number): void {
    if (seq <= this.cursorValue) return;
    this.cursorValue = seq;
    this.unprocessed = Math.max(0, this.unprocessed - rows);
  }

  /** Rows after a position, oldest first. */
  read(after: number, limit: number): JournalRow[] {
    return this.readAfter.all(after, limit) as JournalRow[];
  }

  /**
   * Rows after a position, oldest first, as [position, document text] only: detection's read, which needs a row's key
   * and receive time only for the few events that alert (rowMeta), and a Buffer per row costs a third of the read.
   */
  readDocs(after: number, limit: number): Array<[number, string]> {
    return this.readDocsAfter.all(after, limit) as Array<[number, string]>;
  }

  /** The key and receive time of the row at `seq`, or undefined when there is none (pruned, or never appended). */
  rowMeta(seq: number): { readonly key: Buffer; readonly received: number } | undefined {
    return this.rowMetaStmt.get(seq) as { key: Buffer; received: number } | undefined;
  }

  /**
   * Rows from position `from` to `to` (both included), oldest first, at most `limit`: a page of a range, read by
   * the primary key (processed or not; rows pruned are simply absent). With `containing`, only the rows whose
   * document text holds one of those strings (ASCII letters in any case: SQLite's LIKE), filtered in SQLite so the
   * others are never copied out. Only reads: no invariant is touched.
   */
  readRange(from: number, to: number, limit: number, containing?: readonly string[]): JournalRow[] {
    if (containing === undefined || containing.length === 0) return this.readBetween.all(from, to, limit) as JournalRow[];
    let stmt = this.readContaining.get(containing.length);
    if (stmt === undefined) {
      const likes = containing.map(() => "doc LIKE ? ESCAPE '\\'").join(' OR ');
      this.readContaining.set(containing.length, (stmt = this.db.prepare(`SELECT seq, key, received, doc FROM journal WHERE seq >= ? AND seq <= ? AND (${likes}) ORDER BY seq LIMIT ?`)));
    }
    const patterns = containing.map((c) => `%${c.replace(/[\\%_]/g, '\\$&')}%`);
    return stmt.all([from, to, ...patterns, limit]) as JournalRow[];
  }

  /**
   * Runs `write` (the alerts of the `rows` rows up to `seq`) and moves the cursor to `seq` in one transaction:
   * after a crash either both are there or neither is. Throws (nothing kept, cursor unchanged) when the commit fails.
   */
  advance(seq: number, rows: number, write: () => void): void {
    this.writeTransaction(() => {
      write();
      this.setCursorStmt.run(seq);
    });
    this.cursorValue = seq;
    this.unprocessed = Math.max(0, this.unprocessed - rows);
  }

  /**
   * Runs `body` in a transaction that takes the write lock at its start (BEGIN IMMEDIATE). While the other thread's
   * connection holds the lock (ingest and detection take turns), it tries again every 0.2 ms for up to 5 s, instead
   * of SQLite's busy handler, which sleeps 1, 2, 5, 10, 15... ms and so may wake well after the other's commit
   * (ingest holds the lock through each commit's fsync, detection's cursor commit waits for it). `body` must be safe to run again:
   * nothing it wrote to the database is kept when it threw. Other statements on the connection keep busy_timeout.
   */
  private writeTransaction(body: () => void): void {
    const tx = this.db.transaction(body);
    const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
    // A pragma, not a prepared statement: SQLite applies busy_timeout when the pragma is compiled.
    this.db.pragma('busy_timeout = 0');
    try {
      for (;;) {
        try {
          tx.immediate();
          return;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw e;
          Atomics.wait(PAUSE, 0, 0, 0.2);
        }
      }
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeout}`);
    }
  }

  /** Rows and bytes (document text, UTF-8) held. */
  size(): { readonly events: number; readonly bytes: number } {
    return this.held;
  }

  /**
   * Deletes processed rows received before `now - maxAgeMs`, then the oldest processed rows until at most
   * `maxBytes` of documents are held. Unprocessed rows (after the cursor) are never deleted, whatever the bounds.
   * Returns the rows deleted.
   */
  prune(maxAgeMs: number, maxBytes: number): number {
    const cursor = this.cursorValue;
    const cutoff = this.now() - maxAgeMs;
    // What goes is measured before it goes: only the deleted rows are read, never the whole table.
    const old = this.db.prepare('SELECT count(*) AS events, coalesce(sum(length(CAST(doc AS BLOB))), 0) AS bytes FROM journal WHERE seq <= ? AND received < ?').get(cursor, cutoff) as { events: number; bytes: number };
    if (old.events > 0) {
      this.db.prepare('DELETE FROM journal WHERE seq <= ? AND received < ?').run(cursor, cutoff);
      this.held = { events: this.held.events - old.events, bytes: this.held.bytes - old.bytes };
    }
    let deleted = old.events;
    if (this.held.bytes > maxBytes) {
      // Walk the oldest processed rows until enough bytes are gone, then delete up to there in one statement.
      let excess = this.held.bytes - maxBytes;
      let upTo = 0;
      let events = 0;
      let bytes = 0;
      for (const row of this.db.prepare('SELECT seq, length(CAST(doc AS BLOB)) AS n FROM journal WHERE seq <= ? ORDER BY seq').iterate(cursor) as Iterable<{ seq: number; n: number }>) {
        upTo = row.seq;
        events++;
        bytes += row.n;
        excess -= row.n;
        if (excess <= 0) break;
      }
      if (upTo > 0) {
        this.db.prepare('DELETE FROM journal WHERE seq <= ?').run(upTo);
        this.held = { events: this.held.events - events, bytes: this.held.bytes - bytes };
        deleted += events;
      }
    }
    return deleted;
  }

}
