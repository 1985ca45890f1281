import { availableParallelism } from 'node:os';
import type { EventStore } from '../backends/db/event-store.js';
import { fillRecordIds, type RowBytes } from '../event/row-bytes.js';
import { EVENTS_TABLE, type EventRow } from '../backends/sql/events-table.js';
import { MatchPool } from '../engine/match-pool.js';
import { BatchBuilder } from '../engine/match-task.js';
import { planInputs } from '../engine/plan-inputs.js';
import { RuleSet } from '../engine/rule-set.js';
import type { MatchBatch } from '../engine/hunt-session.js';
import { runPlan, type BatchSink } from '../engine/run-plan.js';
import { formatInputProblem } from '../formats/input-item.js';
import { failedInputsLine, huntExitCode, InputTally } from '../formats/input-tally.js';
import { listInputs } from '../formats/read-input.js';
import type { CommandIO, CommandSpec } from './command.js';
import { openDbOption, shownDbUrl } from './db-option.js';
import { examples, intOption } from './option-values.js';
import { UsageError } from './usage-error.js';

export interface LoadOptions {
  readonly db: string;
  readonly fresh?: true;
  readonly recover?: true;
  readonly threads?: number;
}

/** Rows sent to the database at once at most: one statement (PostgreSQL) or one appender run (DuckDB) each. */
const BATCH = 10_000;
/**
 * Rows sent at once when the database is idle: the database keeps up with the reading (the writer never waited
 * in a 100,000-event load), so a batch goes as soon as the last write is done and this many rows are held, and
 * the write left after the reading ends is small (a batch of 10,000 rows was 0.2-0.5 s of PostgreSQL's COPY).
 */
const SMALL_BATCH = 2_000;
/** Below this many events (estimated from the inputs' headers and sizes) worker threads do not pay for starting. */
const WORKERS_FROM = 20_000;

/**
 * Takes the batches in input order, numbers their rows and writes them in batches of SMALL_BATCH to BATCH, one
 * write in flight while the next batch is read (the workers go on reading meanwhile): a batch goes once the write
 * before it is done and it holds SMALL_BATCH rows; reading waits only when a batch of BATCH is full before the
 * write before it is done, so at most two batches are held.
 */
class RowWriter implements BatchSink {
  private rows: EventRow[] = [];
  /** Rows in the store's bulk format (see EventStore.rowFormat), their record ids filled in, and how many. */
  private parts: RowBytes[] = [];
  private partRows = 0;
  private held = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private writing = false;
  private failure: unknown;
  loaded = 0;

  constructor(
    private readonly store: EventStore,
    private next: number,
  ) {}

  add(batch: MatchBatch): Promise<void> | undefined {
    for (const c of batch.rows ?? []) this.rows.push({ record_id: this.next++, ...c });
    const bytes = batch.rowBytes;
    if (bytes !== undefined && bytes.ids.length > 0) {
      fillRecordIds(bytes, this.next);
      this.next += bytes.ids.length;
      this.partRows += bytes.ids.length;
      this.parts.push(bytes);
    }
    this.held = this.rows.length + this.partRows;
    return this.held >= BATCH || (this.held >= SMALL_BATCH && !this.writing) ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
    const { rows, parts, held } = this;
    this.rows = [];
    this.parts = [];
    this.partRows = 0;
    this.held = 0;
    if (held === 0) return;
    // The failure is kept and thrown by the next flush or finish, never left as an unhandled rejection.
    this.writing = true;
    this.inFlight = (parts.length > 0 && this.store.insertBytes !== undefined ? this.store.insertBytes(parts) : this.store.insert(rows)).then(
      () => void (this.loaded += held),
      (e: unknown) => void (this.failure = e),
    ).finally(() => (this.writing = false));
  }

  /** Waits for the write in flight, whatever it gives (before the database is closed after a failure elsewhere). */
  settled(): Promise<void> {
    return this.inFlight;
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
    await this.store.commit?.();
  }
}

export const load: CommandSpec = {
  summary: 'load EVTX, JSON or XML logs into the sigma_events table of PostgreSQL, DuckDB or SQLite',
  define: (command) =>
    command
      .argument('<path...>', 'log files and folders (EVTX, JSON, XML; format detected from content)')
      .requiredOption('--db <url>', 'the database: postgres://USER@HOST:PORT/DB, duckdb:FILE or sqlite:FILE')
      .option('--fresh', 'drop and recreate the sigma_events table first (default: add to it, record ids going on)')
      .option('--recover', 'also carve records from EVTX slack space (default: off)')
      .addOption(intOption('--threads <n>', `worker threads that read EVTX and JSON while the database writes; 0: all on the main thread (default: one per core from about ${WORKERS_FROM.toLocaleString('en')} events, else 0)`, 0))
      .addHelpText(
        'after',
        examples([
          ['sigmatch load --db duckdb:events.duckdb examples/', 'the example log into a DuckDB file'],
          ['sigmatch load --db postgres://sigmatch@127.0.0.1/logs --fresh logs/', 'a folder of logs into PostgreSQL, the table recreated'],
        ]),
      ),
  run: (positionals, options, io) => runLoad(positionals, options as LoadOptions, io, openDbOption),
};

/**
 * `sigmatch load` with the database opened by `open` (the CLI: the --db URL; the benchmark: a store that keeps
 * nothing, which measures reading and building the rows alone).
 */
export async function runLoad(positionals: string[], o: LoadOptions, io: CommandIO, open: (url: string) => Promise<EventStore>): Promise<number> {
  const listing = await listInputs(positionals);
  const { files, sizes } = listing;
  if (files.length === 0) throw new UsageError(`no input files found in ${positionals.join(', ')}`);
  const store = await open(o.db);
  const tally = new InputTally(listing);
  for (const m of listing.missing) io.err(`${m}: error input-missing: no such file or folder\n`);
  for (const p of listing.problems) io.err(formatInputProblem(p) + '\n');
  const recover = o.recover === true;
  // Problems print as they come, in input order, whichever thread read them.
  const problems: string[] = [];
  let printed = 0;
  const printProblems = () => {
    while (printed < problems.length) io.err(problems[printed++] + '\n');
  };
  let writer: RowWriter | undefined;
  let pool: MatchPool | undefined;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let workers = 0;
  try {
    await store.createTable(o.fresh === true);
    // Record ids go on from the table's largest, so a second load adds to the first.
    const next = ((await store.recordIds(`SELECT COALESCE(MAX(record_id), 0) AS record_id FROM ${EVENTS_TABLE}`))[0] ?? 0) + 1;
    writer = new RowWriter(store, next);
    // The hunt's reading (EVTX chunk runs and JSON line ranges in worker threads, in input order), without rules:
    // each event becomes its row where it was read. The table holds the fields as the engine matches them.
    const { units, estimatedEvents } = await planInputs(files, sizes, recover);
    const cores = availableParallelism();
    const threads = o.threads ?? (cores > 1 && estimatedEvents >= WORKERS_FROM ? cores : 0);
    const none = RuleSet.compile([]);
    // A store with a bulk format gets its rows' bytes made where they are read; the main thread only numbers them.
    const rows = store.insertBytes !== undefined ? (store.rowFormat ?? true) : true;
    pool = threads > 0 && units.some((u) => u.kind === 'task') ? await MatchPool.start(threads, [], { rows }) : undefined;
    if (pool !== undefined) workers = threads;
    await runPlan(units, { session: writer, builder: new BatchBuilder(none, { rows }), pool, recover, problems, progress: printProblems, tally });
    printProblems();
    await writer.finish();
  } finally {
    await pool?.close();
    await writer?.settled();
    await store.close();
  }
  const loaded = writer.loaded;
  const outcome = tally.outcome();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  io.err(
    `Loaded ${loaded} events from ${listing.files.length} files into ${EVENTS_TABLE} (${shownDbUrl(o.db)}) in ${seconds.toFixed(1)} s ` +
      `(${Math.round(loaded / Math.max(seconds, 1e-3))} events/s${workers > 0 ? `, ${workers} worker threads` : ''}); peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB resident, ` +
      `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (every thread of the process)\n`,
  );
  const failed = failedInputsLine(outcome, 0);
  if (failed !== undefined) io.err(failed.replace(/HUNT/g, 'LOAD').replace('were not hunted', 'were not loaded') + '\n');
  return huntExitCode(0, outcome);
}
