import { EVENTS_TABLE, eventRow, type EventRow } from '../backends/sql/events-table.js';
import { formatInputProblem, type InputItem } from '../formats/input-item.js';
import { failedInputsLine, huntExitCode, InputTally } from '../formats/input-tally.js';
import { detectFormat, evtxInputItems, listInputs, readInput } from '../formats/read-input.js';
import { normalizeWindowsEvent } from '../pipeline/normalize-event.js';
import type { CommandSpec } from './command.js';
import { openDbOption, shownDbUrl } from './db-option.js';
import { examples } from './option-values.js';
import { UsageError } from './usage-error.js';

interface LoadOptions {
  readonly db: string;
  readonly fresh?: true;
  readonly recover?: true;
}

/** Rows sent to the database at once: one statement (PostgreSQL) or one appender run (DuckDB) each. */
const BATCH = 10_000;

export const load: CommandSpec = {
  summary: 'load EVTX, JSON or XML logs into the sigma_events table of PostgreSQL, DuckDB or SQLite',
  define: (command) =>
    command
      .argument('<path...>', 'log files and folders (EVTX, JSON, XML; format detected from content)')
      .requiredOption('--db <url>', 'the database: postgres://USER@HOST:PORT/DB, duckdb:FILE or sqlite:FILE')
      .option('--fresh', 'drop and recreate the sigma_events table first (default: add to it, record ids going on)')
      .option('--recover', 'also carve records from EVTX slack space (default: off)')
      .addHelpText(
        'after',
        examples([
          ['sigmatch load --db duckdb:events.duckdb examples/', 'the example log into a DuckDB file'],
          ['sigmatch load --db postgres://sigmatch@127.0.0.1/logs --fresh logs/', 'a folder of logs into PostgreSQL, the table recreated'],
        ]),
      ),
  async run(positionals, options, io) {
    const o = options as LoadOptions;
    const listing = await listInputs(positionals);
    if (listing.files.length === 0) throw new UsageError(`no input files found in ${positionals.join(', ')}`);
    const store = await openDbOption(o.db);
    const tally = new InputTally(listing);
    for (const m of listing.missing) io.err(`${m}: error input-missing: no such file or folder\n`);
    for (const p of listing.problems) io.err(formatInputProblem(p) + '\n');
    let loaded = 0;
    try {
      await store.createTable(o.fresh === true);
      // Record ids go on from the table's largest, so a second load adds to the first.
      let next = ((await store.recordIds(`SELECT COALESCE(MAX(record_id), 0) AS record_id FROM ${EVENTS_TABLE}`))[0] ?? 0) + 1;
      let rows: EventRow[] = [];
      const flush = async () => {
        if (rows.length === 0) return;
        await store.insert(rows);
        loaded += rows.length;
        rows = [];
      };
      const handle = (file: string, item: InputItem) => {
        if (item.kind === 'problem') {
          tally.problem(item.problem);
          io.err(formatInputProblem(item.problem) + '\n');
          return;
        }
        tally.event(file);
        // The table holds the fields as the engine matches them: after the Windows pipeline.
        rows.push(eventRow(normalizeWindowsEvent(item.event), next++));
      };
      for (const file of listing.files) {
        const evtx = await detectFormat(file).then((f) => f === 'evtx', () => false);
        const items = evtx ? evtxInputItems(file, { recover: o.recover === true }) : readInput(file, { recover: o.recover === true });
        for await (const item of items) {
          handle(file, item);
          if (rows.length >= BATCH) await flush();
        }
      }
      await flush();
    } finally {
      await store.close();
    }
    const outcome = tally.outcome();
    io.err(`Loaded ${loaded} events from ${listing.files.length} files into ${EVENTS_TABLE} (${shownDbUrl(o.db)})\n`);
    const failed = failedInputsLine(outcome, 0);
    if (failed !== undefined) io.err(failed.replace(/HUNT/g, 'LOAD').replace('were not hunted', 'were not loaded') + '\n');
    return huntExitCode(0, outcome);
  },
};
