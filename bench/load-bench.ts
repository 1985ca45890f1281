import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startTestPostgres } from './postgres-server.js';

/**
 * `node dist/bench/load-bench.js --file EVTX`: `sigmatch load --db` into each database, events/s and peak memory,
 * with worker threads (the default) and on the main thread alone; and, as the ceiling for PostgreSQL, the server's
 * own `\copy` of the same rows from a text file by psql (what COPY costs without reading EVTX at all).
 * Prints a Markdown section; PostgreSQL keeps its durable defaults (fsync, synchronous commit).
 */
const { values } = parseArgs({ options: { file: { type: 'string' } } });
const file = values.file;
if (file === undefined || !existsSync(file)) throw new Error(`load-bench: --file EVTX is required and must exist (got ${file ?? 'nothing'})`);
const cli = resolve('dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-load-bench-'));

interface LoadRun { what: string; events: number; seconds: number; perSecond: number; peakMb: number }

function load(what: string, url: string, threads: string[]): LoadRun {
  const r = spawnSync('node', [cli, 'load', '--db', url, '--fresh', ...threads, file as string], { encoding: 'utf8' });
  const m = /Loaded (\d+) events .* in ([\d.]+) s \((\d+) events\/s.*peak memory (\d+) MB/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`load ${what} failed (exit ${r.status}):\n${r.stderr.slice(-1500)}`);
  const run = { what, events: Number(m[1]), seconds: Number(m[2]), perSecond: Number(m[3]), peakMb: Number(m[4]) };
  process.stderr.write(`load ${what}: ${run.events} events in ${run.seconds} s, ${run.perSecond} events/s, ${run.peakMb} MB\n`);
  return run;
}

function psql(url: string, command: string): number {
  const t = performance.now();
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${command} failed: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

const runs: LoadRun[] = [];
let ceiling: { events: number; seconds: number } | undefined;
try {
  runs.push(load('DuckDB file, worker threads', `duckdb:${join(dir, 'l.duckdb')}`, []));
  runs.push(load('DuckDB file, main thread only', `duckdb:${join(dir, 'l.duckdb')}`, ['--threads', '0']));
  runs.push(load('SQLite file, worker threads', `sqlite:${join(dir, 'l.sqlite')}`, []));
  const pg = await startTestPostgres({ durable: true });
  if (pg !== undefined) {
    try {
      runs.push(load('PostgreSQL 15 (fsync on), worker threads', pg.url, []));
      runs.push(load('PostgreSQL 15 (fsync on), main thread only', pg.url, ['--threads', '0']));
      const text = join(dir, 'rows.copy');
      psql(pg.url, `\\copy sigma_events TO '${text}'`);
      psql(pg.url, 'TRUNCATE sigma_events');
      const seconds = psql(pg.url, `\\copy sigma_events FROM '${text}'`);
      ceiling = { events: runs[runs.length - 1]?.events ?? 0, seconds };
      process.stderr.write(`psql \\copy of the same rows: ${seconds.toFixed(2)} s\n`);
    } finally {
      pg.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const mb = statSync(file).size / 1e6;
const lines = [
  `### Loading into databases (\`sigmatch load --db\`, ${file.split('/').pop()}, ${mb.toFixed(0)} MB)`,
  '',
  'Seconds from start to the last row committed, as `load` reports them; peak memory is the load process\'s resident set.',
  '',
  '| database | events | seconds | events/s | MB/s of EVTX | peak MB |',
  '|---|---:|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.what} | ${r.events} | ${r.seconds.toFixed(1)} | ${r.perSecond} | ${(mb / r.seconds).toFixed(1)} | ${r.peakMb} |`),
];
if (ceiling !== undefined) {
  const pgBest = Math.max(...runs.filter((r) => r.what.startsWith('PostgreSQL')).map((r) => r.perSecond));
  const copyRate = Math.round(ceiling.events / ceiling.seconds);
  lines.push('', `PostgreSQL's own ceiling: psql \`\\copy FROM\` of the same ${ceiling.events} rows as a text file takes ${ceiling.seconds.toFixed(1)} s (${copyRate} rows/s); \`sigmatch load\` (reading and converting the EVTX too) reaches ${((100 * pgBest) / copyRate).toFixed(0)}% of it.`);
}
process.stdout.write(lines.join('\n') + '\n');
