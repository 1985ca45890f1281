import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rng } from '../../bench/generate-corpus.js';
import { clickhouseString } from '../../src/backends/sql/clickhouse.js';
import { eventRow } from '../../src/backends/sql/events-table.js';
import { correlationNumberSql } from '../../src/backends/sql/sql-correlation.js';
import { sqlString } from '../../src/backends/sql/sql-spec.js';
import { metricNumber } from '../../src/engine/correlate/metric-number.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { ChdbStore } from './chdb-store.js';
import { CORRELATION_TYPES, correlationStream as stream } from '../engine/correlation-stream.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { engineFirings, firingKey, titleOf } from './correlation-firings.js';
import { CORRELATION_METRICS, metricStream } from './metric-stream.js';
import { startTestPostgres, type TestPostgres } from './postgres-server.js';

/**
 * Correlations converted to SQL give the engine's correlation alerts: every correlation type the SQL targets
 * convert (fixtures/correlation-types.yml: counts with consumption, distinct values of one and two fields, temporal,
 * temporal_ordered, an upper-side range and eq judged per complete window, no group-by, a correlation of a
 * correlation, aliases) and the built-in chain, over generated Sysmon streams, run in PostgreSQL, DuckDB, SQLite and
 * ClickHouse (chDB; `load` does not write ClickHouse, so the test inserts the rows `load` would write); and the metric
 * types (fixtures/correlation-metrics.yml) over a stream whose values are numbers of every form and texts that are none.
 */
const TYPES = CORRELATION_TYPES;
const CORRELATION_TITLES = [
  'Burst of Connections',
  'Exactly Two Writes',
  'Few Connections In a Window Per Process',
  'Fleet-Wide Connection Burst',
  'Many Destination Ports Per Address',
  'Many Destinations',
  'Per-Process Connections',
  'Quiet Connections Then a Write',
  'Start Connect Write On a Host',
  'Start Then Connect Then Write By One Process',
  'Started Then Repeated Connections',
  'Two To Four Starts A Minute',
  'Writer Then Runner Of One Path',
];

const METRIC_TITLES = [
  'Average Port Of Repeated Connections',
  'Bytes Sent Burst',
  'Connections Per Port',
  'High Score Percentile',
  'Low Median Score',
  'Low Percentile Bytes Not Zero',
  'Moderate Average Bytes Per Process',
  'Ports Summed',
];

const OUT_COLUMNS = new Set(['window_start_ms', 'window_end_ms', 'first_ms', 'last_ms', 'contributor_count', 'record_ids', 'aggregate', 'last_rid']);

type Runner = { run: (q: string) => Promise<Array<Record<string, unknown>>>; close: () => Promise<void> };

let dir: string;
let pgServer: TestPostgres | undefined;
const files: string[] = [];
let metricFile: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-sqlcorr-'));
  for (const seed of [3, 11]) {
    const f = join(dir, `stream-${seed}.evtx`);
    writeEvtxFile(f, stream(seed));
    files.push(f);
  }
  metricFile = join(dir, 'metric-stream-3.evtx');
  writeEvtxFile(metricFile, metricStream(3));
  pgServer = await startTestPostgres();
}, 120_000);
afterAll(() => {
  pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});


/** The events of `input` loaded into the target's events table, and a connection to it; undefined when the target is not here. */
async function open(target: string, input: string): Promise<Runner | undefined> {
  if (target === 'postgres') {
    if (pgServer === undefined) return undefined;
    expect((await sigmatchAsync(['load', '--db', pgServer.url, '--fresh', input])).code).toBe(0);
    return connect(target);
  }
  if (target === 'clickhouse') {
    const store = await ChdbStore.open();
    if (store === undefined) return undefined;
    await store.createTable(true);
    const events = [...readEvtxBuffer(readFileSync(input), input)].flatMap((it) => (it.kind === 'record' ? [normalizeWindowsEvent(it.event)] : []));
    await store.insert(events.map((e, k) => eventRow(e, k + 1)));
    return connect(target, store);
  }
  const file = join(dir, `${target}-${Math.random().toString(36).slice(2)}`);
  expect((await sigmatchAsync(['load', '--db', `${target}:${file}`, '--fresh', input])).code).toBe(0);
  return connect(target, file);
}

/**
 * A connection: to the test's PostgreSQL server, to a chDB session (given, or a new one), or to a DuckDB or SQLite
 * file (none: an empty in-memory database); undefined when the target is not here.
 */
async function connect(target: string, at?: string | ChdbStore): Promise<Runner | undefined> {
  if (target === 'postgres') {
    if (pgServer === undefined) return undefined;
    const c = new pg.Client(pgServer.url);
    await c.connect();
    return { run: async (q) => (await c.query(q)).rows as Array<Record<string, unknown>>, close: () => c.end() };
  }
  if (target === 'clickhouse') {
    const store = at instanceof ChdbStore ? at : await ChdbStore.open();
    if (store === undefined) return undefined;
    // JSONEachRow writes 64-bit integers as strings; firingKey reads them with Number().
    return { run: (q) => store.json<Record<string, unknown>>(q), close: () => store.close() };
  }
  const file = typeof at === 'string' ? at : ':memory:';
  if (target === 'duckdb') {
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    return { run: async (q) => (await c.runAndReadAll(q)).getRowObjectsJson() as Array<Record<string, unknown>>, close: async () => c.closeSync() };
  }
  const db = new Database(file, { readonly: typeof at === 'string' });
  return { run: async (q) => db.prepare(q).all() as Array<Record<string, unknown>>, close: async () => void db.close() };
}

/** The firings of every converted correlation the engine outputs, run in the database; and what was refused. */
async function sqlFirings(target: string, rules: string, input: string, emitted: ReadonlySet<string>): Promise<{ firings: string[]; refused: string[] } | undefined> {
  const listing = JSON.parse((await sigmatchAsync(['convert', '--target', target, '--format', 'json', rules])).stdout) as { correlations: Array<{ title: string; query: string | null; diagnostics: Array<{ message: string }> }> };
  const db = await open(target, input);
  if (db === undefined) return undefined;
  const firings: string[] = [];
  const refused: string[] = [];
  try {
    for (const c of listing.correlations) {
      if (c.query === null) {
        refused.push(`${c.title}: ${c.diagnostics.map((d) => d.message).join('; ')}`);
        continue;
      }
      if (!emitted.has(c.title)) continue;
      for (const row of await db.run(c.query)) {
        const group = Object.fromEntries(Object.entries(row).filter(([k]) => !OUT_COLUMNS.has(k)));
        firings.push(firingKey(c.title, group, Number(row['window_end_ms']), Number(row['aggregate']), Number(row['contributor_count'])));
      }
    }
  } finally {
    await db.close();
  }
  return { firings: firings.sort(), refused };
}


describe('correlations converted to SQL find the engine\'s correlation alerts', () => {
  for (const target of ['postgres', 'duckdb', 'sqlite', 'clickhouse']) {
    test(`${target}: every correlation type, two generated streams`, async () => {
      for (const input of files) {
        const want = await engineFirings(TYPES, input);
        expect(want.length).toBeGreaterThan(200);
        const emitted = new Set(want.map(titleOf));
        // The streams make every correlation of the file fire at least once (else the comparison proves little).
        expect([...emitted].sort()).toEqual(CORRELATION_TITLES);
        const got = await sqlFirings(target, TYPES, input, emitted);
        if (got === undefined) return; // no PostgreSQL server or no chdb: said why (and fails under CI=true)
        expect(got.refused).toEqual([]);
        expect(got.firings).toEqual(want);
      }
    }, 120_000);
  }

  for (const target of ['postgres', 'duckdb', 'sqlite', 'clickhouse']) {
    test(`${target}: value_sum, value_avg, value_percentile, value_median (and a chain) over numbers of every form and texts that are none`, async () => {
      const want = await engineFirings(CORRELATION_METRICS, metricFile);
      expect(want.length).toBeGreaterThan(150);
      const emitted = new Set(want.map(titleOf));
      expect([...emitted].sort()).toEqual(METRIC_TITLES);
      const got = await sqlFirings(target, CORRELATION_METRICS, metricFile, emitted);
      if (got === undefined) return;
      expect(got.refused).toEqual([]);
      expect(got.firings).toEqual(want);
    }, 120_000);
  }

  test('the number grammar: each target reads 1,200 random texts (signs, digits, points, exponents, white space, hex, words, long ones) exactly as the engine does', async () => {
    const r = rng(17);
    const parts = ['0', '1', '7', '9', '12', '00', '+', '-', '.', 'e', 'E', 'e+', 'e-', '999', '1000', ' ', '\t', '0x', 'x', 'inf', 'NaN', '_', ',', '\u0663', "'", '308', '324', '5'];
    const texts = Array.from({ length: 1200 }, (_, k) => {
      if (k % 100 === 0) return '1'.repeat(95 + (k % 11)) + (k % 3 === 0 ? '' : 'e-5');
      let t = '';
      for (let n = 1 + Math.floor(r() * 7); n > 0; n--) t += parts[Math.floor(r() * parts.length)];
      return t;
    });
    const want = texts.map((t) => metricNumber(t) ?? null);
    // The grammar must be what decides: a good share are numbers, a good share are not.
    expect(want.filter((n) => n !== null).length).toBeGreaterThan(100);
    expect(want.filter((n) => n === null).length).toBeGreaterThan(150);
    for (const target of ['postgres', 'duckdb', 'sqlite', 'clickhouse'] as const) {
      const db = await connect(target);
      if (db === undefined) continue;
      try {
        const got: Array<number | null> = [];
        for (let i = 0; i < texts.length; i += 400) {
          const rows = texts.slice(i, i + 400).map((t, k) => `SELECT ${i + k} AS k, ${target === 'clickhouse' ? clickhouseString(t) : sqlString(t)} AS v`);
          const q = `SELECT x.k AS k, ${correlationNumberSql(target, 'x.v')} AS n FROM (${rows.join(' UNION ALL ')}) AS x ORDER BY x.k`;
          for (const row of await db.run(q)) got.push(row['n'] === null || row['n'] === undefined ? null : Number(row['n']));
        }
        // -0 reads as 0 on PostgreSQL (no aggregate tells them apart): compared with ===.
        const diff = texts.flatMap((t, k) => (got[k] === want[k] ? [] : [`${JSON.stringify(t)}: ${String(got[k])} (engine ${String(want[k])})`]));
        expect(diff, target).toEqual([]);
      } finally {
        await db.close();
      }
    }
  }, 120_000);

  test('the built-in chain on the example log: every SQL target gives the engine\'s alerts; the level selector is refused with its reason', async () => {
    const want = await engineFirings('rules/', 'examples/ws01-sysmon.evtx');
    expect(want.length).toBeGreaterThanOrEqual(3);
    for (const target of ['postgres', 'duckdb', 'sqlite', 'clickhouse']) {
      const got = await sqlFirings(target, 'rules/', 'examples/ws01-sysmon.evtx', new Set(want.map(titleOf)));
      if (got === undefined) continue;
      // Every chain correlation but the one that stands for "any other high alert" converts.
      expect(got.refused).toHaveLength(1);
      expect(got.refused[0]).toMatch(/Connection With Other High Alerts.*'sigmatch:level>=high' selects rules by level when a hunt runs/);
      expect(got.firings).toEqual(want.filter((k) => !k.startsWith('Proxy-Execution Utility Connection With Other High Alerts')));
    }
  }, 120_000);
});
