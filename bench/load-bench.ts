import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import type { EventStore } from '../src/backends/db/event-store.js';
import { eventsTableDdl } from '../src/backends/sql/events-table.js';
import { runLoad } from '../src/cli/load.js';
import { startTestPostgres } from './postgres-server.js';

/**
 * `node dist/bench/load-bench.js --file EVTX`: `sigmatch load --db` into each database, events/s, peak memory and
 * CPU seconds, with worker threads (the default) and on the main thread alone; and the ceilings: the load into a
 * store that keeps nothing (reading the EVTX and building the rows alone, what no database can beat), psql's own
 * `\copy` of the same rows from a text file (what COPY costs the server without reading EVTX at all), and DuckDB's
 * own JSON reader inserting the same rows from an NDJSON file. Prints a Markdown section; PostgreSQL keeps its
 * durable defaults (fsync, synchronous commit).
 */
const { values } = parseArgs({ options: { file: { type: 'string' }, 'read-only': { type: 'boolean' } } });
const file = values.file;
if (file === undefined || !existsSync(file)) throw new Error(`load-bench: --file EVTX is required and must exist (got ${file ?? 'nothing'})`);

/**
 * The child run behind the reading ceiling: `sigmatch load` whose store keeps nothing, the rows made as for
 * PostgreSQL (COPY's binary tuples, in the worker threads).
 */
class NothingKept implements EventStore {
  readonly target = 'duckdb';
  readonly rowFormat = 'pg-binary';
  async createTable(): Promise<void> {}
  async insert(): Promise<void> {}
  async insertBytes(): Promise<void> {}
  async recordIds(): Promise<number[]> {
    return [];
  }
  async eventRows(): Promise<never[]> {
    return [];
  }
  async close(): Promise<void> {}
}
if (values['read-only'] === true) {
  const io = { out: (t: string | Uint8Array) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t), interactive: false, color: false };
  process.exit(await runLoad([file], { db: 'nothing-kept:' }, io, async () => new NothingKept()));
}

const cli = resolve('dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-load-bench-'));

interface LoadRun { what: string; events: number; seconds: number; perSecond: number; peakMb: number; cpu: number; serverCpu?: number }

function load(what: string, url: string, threads: string[]): LoadRun {
  const args = url === 'nothing-kept:' ? [fileURLToPath(import.meta.url), '--read-only', '--file', file as string] : [cli, 'load', '--db', url, '--fresh', ...threads, file as string];
  const r = spawnSync('node', args, { encoding: 'utf8' });
  const m = /Loaded (\d+) events .* in ([\d.]+) s \((\d+) events\/s.*peak memory (\d+) MB resident, CPU ([\d.]+) s/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`load ${what} failed (exit ${r.status}):\n${r.stderr.slice(-1500)}`);
  const run = { what, events: Number(m[1]), seconds: Number(m[2]), perSecond: Number(m[3]), peakMb: Number(m[4]), cpu: Number(m[5]) };
  process.stderr.write(`load ${what}: ${run.events} events in ${run.seconds} s, ${run.perSecond} events/s, ${run.peakMb} MB, CPU ${run.cpu} s\n`);
  return run;
}

/**
 * CPU seconds the local PostgreSQL server has spent, its ended backends included (the postmaster's own and its
 * reaped children's times, /proc/PID/stat); undefined for a server elsewhere.
 */
function serverCpu(url: string): number | undefined {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // the load's backend ends and is reaped
  const r = spawnSync('psql', [url, '-Atqc', 'SHOW data_directory'], { encoding: 'utf8' });
  try {
    const pid = readFileSync(join(r.stdout.trim(), 'postmaster.pid'), 'utf8').split('\n')[0];
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()?.trim().split(' ') ?? [];
    const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) / ticks;
  } catch {
    return undefined;
  }
}

/** A load into PostgreSQL, with the server's CPU seconds for it. */
function pgLoad(what: string, url: string, threads: string[]): LoadRun {
  const before = serverCpu(url);
  const run = load(what, url, threads);
  const after = serverCpu(url);
  return before === undefined || after === undefined ? run : { ...run, serverCpu: after - before };
}

/**
 * DuckDB's own ingest of the rows of the table at `from`: written out as NDJSON, then read back by read_json into
 * a new file in one transaction, committed and closed (the load's own steps, without reading EVTX). Seconds.
 */
async function duckdbCeiling(from: string): Promise<number> {
  const rows = join(dir, 'rows.ndjson');
  const source = await DuckDBInstance.create(from);
  const out = await source.connect();
  await out.run(`COPY sigma_events TO '${rows}' (FORMAT json)`);
  out.closeSync();
  source.closeSync();
  const t = performance.now();
  const target = await DuckDBInstance.create(join(dir, 'ceiling.duckdb'));
  const c = await target.connect();
  await c.run(eventsTableDdl('duckdb'));
  await c.run('BEGIN TRANSACTION');
  const columns = "{record_id: 'BIGINT', source_file: 'VARCHAR', source_record: 'BIGINT', event_time: 'TIMESTAMPTZ', host: 'VARCHAR', channel: 'VARCHAR', event_id: 'INTEGER', event: 'JSON'}";
  await c.run(`INSERT INTO sigma_events SELECT * FROM read_json('${rows}', format = 'newline_delimited', columns = ${columns})`);
  await c.run('COMMIT');
  c.closeSync();
  target.closeSync();
  return (performance.now() - t) / 1000;
}

function psql(url: string, command: string): number {
  const t = performance.now();
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${command} failed: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

const runs: LoadRun[] = [];
let ceiling: { events: number; seconds: number; serverCpu: number | undefined } | undefined;
let duckCeiling: { events: number; seconds: number } | undefined;
try {
  runs.push(load('nothing kept (reading and building the rows alone), worker threads', 'nothing-kept:', []));
  runs.push(load('DuckDB file, worker threads', `duckdb:${join(dir, 'l.duckdb')}`, []));
  runs.push(load('DuckDB file, main thread only', `duckdb:${join(dir, 'l.duckdb')}`, ['--threads', '0']));
  const duckSeconds = await duckdbCeiling(join(dir, 'l.duckdb'));
  duckCeiling = { events: runs[runs.length - 1]?.events ?? 0, seconds: duckSeconds };
  process.stderr.write(`DuckDB read_json of the same rows: ${duckSeconds.toFixed(2)} s\n`);
  runs.push(load('SQLite file, worker threads', `sqlite:${join(dir, 'l.sqlite')}`, []));
  const pg = await startTestPostgres({ durable: true });
  if (pg !== undefined) {
    try {
      runs.push(pgLoad('PostgreSQL 15 (fsync on), worker threads', pg.url, []));
      runs.push(pgLoad('PostgreSQL 15 (fsync on), main thread only', pg.url, ['--threads', '0']));
      const text = join(dir, 'rows.copy');
      psql(pg.url, `\\copy sigma_events TO '${text}'`);
      psql(pg.url, 'TRUNCATE sigma_events');
      const before = serverCpu(pg.url);
      const seconds = psql(pg.url, `\\copy sigma_events FROM '${text}'`);
      const after = serverCpu(pg.url);
      ceiling = { events: runs[runs.length - 1]?.events ?? 0, seconds, serverCpu: before === undefined || after === undefined ? undefined : after - before };
      process.stderr.write(`psql \\copy of the same rows: ${seconds.toFixed(2)} s\n`);
    } finally {
      pg.stop();
    }
  }
  // Again at the end: on a shared machine the ceiling moves with the other work, and the loads ran between the two.
  runs.push(load('nothing kept, again after the loads', 'nothing-kept:', []));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const mb = statSync(file).size / 1e6;
const lines = [
  `### Loading into databases (\`sigmatch load --db\`, ${file.split('/').pop()}, ${mb.toFixed(0)} MB)`,
  '',
  'Seconds from start to the last row committed, as `load` reports them; peak memory is the load process\'s resident set, CPU the',
  'seconds of all its threads, server CPU the PostgreSQL server\'s for the load.',
  '',
  '| database | events | seconds | events/s | MB/s of EVTX | peak MB | CPU s | server CPU s |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.what} | ${r.events} | ${r.seconds.toFixed(1)} | ${r.perSecond} | ${(mb / r.seconds).toFixed(1)} | ${r.peakMb} | ${r.cpu.toFixed(1)} | ${r.serverCpu?.toFixed(1) ?? ''} |`),
];
const kept = runs.filter((r) => r.what.startsWith('nothing kept'));
// Worker-thread runs against worker-thread runs (a load on the main thread alone spends less CPU: no threads to feed).
const cpuOf = (what: string) => Math.min(...runs.filter((r) => r.what.startsWith(what) && (what === 'nothing kept' || r.what.includes('worker threads'))).map((r) => r.cpu));
lines.push(
  '',
  `The reading ceiling: with nothing kept, reading the EVTX and building the rows alone reaches ${kept.map((r) => r.perSecond).join(' and ')} events/s (before and after the loads), ` +
    `${Math.min(...kept.map((r) => r.cpu)).toFixed(1)} CPU seconds; a load's CPU beyond it is its database's work in the process (DuckDB ${(cpuOf('DuckDB') - cpuOf('nothing kept')).toFixed(1)} s, PostgreSQL's client ${(cpuOf('PostgreSQL') - cpuOf('nothing kept')).toFixed(1)} s, its server's own not counted).`,
);
if (duckCeiling !== undefined) {
  const duckBest = Math.max(...runs.filter((r) => r.what.startsWith('DuckDB')).map((r) => r.perSecond));
  const rate = Math.round(duckCeiling.events / duckCeiling.seconds);
  lines.push('', `DuckDB's own ceiling: read_json of the same ${duckCeiling.events} rows as an NDJSON file into a new file (one transaction, committed, closed) takes ${duckCeiling.seconds.toFixed(1)} s (${rate} rows/s); \`sigmatch load\` reaches ${((100 * duckBest) / rate).toFixed(0)}% of it.`);
}
if (ceiling !== undefined) {
  const pgBest = Math.max(...runs.filter((r) => r.what.startsWith('PostgreSQL')).map((r) => r.perSecond));
  const copyRate = Math.round(ceiling.events / ceiling.seconds);
  lines.push('', `PostgreSQL's own ceiling: psql \`\\copy FROM\` of the same ${ceiling.events} rows as a text file takes ${ceiling.seconds.toFixed(1)} s (${copyRate} rows/s); \`sigmatch load\` (reading and converting the EVTX too) reaches ${((100 * pgBest) / copyRate).toFixed(0)}% of it.${ceiling.serverCpu === undefined ? '' : ` The server spent ${ceiling.serverCpu.toFixed(1)} CPU seconds on that \\copy (parsing the JSON into JSONB, writing, fsync).`}`);
}
process.stdout.write(lines.join('\n') + '\n');
