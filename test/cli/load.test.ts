import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { openDbOption as openEventStore } from '../../src/cli/db-option.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { startTestPostgres, type TestPostgres } from '../backends/postgres-server.js';
import { sigmatchAsync } from './run-cli.js';

/** `sigmatch load` into real databases, then the converted rule run there finds what the hunt finds. */
// Its base rules convert for every SQL target.
const RULE = 'rules/correlation_proxy_utility_chain.yml';
const TITLE = 'Proxy-Execution Utility Started';
let dir: string;
let pg: TestPostgres | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-load-'));
  pg = await startTestPostgres();
}, 120_000);
afterAll(() => {
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The EVTX record numbers the hunt alerted on for RULE. */
async function huntRecords(): Promise<number[]> {
  const r = await sigmatchAsync(['hunt', '--rules', RULE, '--no-correlations', '--format', 'csv', '--quiet', 'examples/']);
  const [head, ...rows] = r.stdout.trim().split('\n');
  const cols = (head ?? '').split(',');
  return rows.filter((row) => row.split(',')[cols.indexOf('rule')] === TITLE).map((row) => Number(row.split(',')[cols.indexOf('record')])).sort((a, b) => a - b);
}

/** Runs RULE converted for the target in the loaded database; the loaded events' EVTX record numbers. */
async function queryRecords(target: 'duckdb' | 'postgres', url: string): Promise<number[]> {
  const listing = JSON.parse((await sigmatchAsync(['convert', '--target', target, '--format', 'json', RULE])).stdout) as { rules: Array<{ title: string; query: string | null }> };
  const query = listing.rules.find((r) => r.title === TITLE)?.query;
  if (query === undefined || query === null) throw new Error(`${TITLE} did not convert for ${target}`);
  const store = await openEventStore(url);
  try {
    return (await store.recordIds(`SELECT source_record AS record_id FROM sigma_events WHERE record_id IN (SELECT record_id FROM (${query}) AS q) ORDER BY 1`)).sort((a, b) => a - b);
  } finally {
    await store.close();
  }
}

async function count(url: string): Promise<number[]> {
  const store = await openEventStore(url);
  try {
    return await store.recordIds('SELECT COUNT(*) AS record_id FROM sigma_events UNION ALL SELECT MAX(record_id) FROM sigma_events');
  } finally {
    await store.close();
  }
}

async function rowsOf(url: string) {
  const store = await openEventStore(url);
  try {
    return (await store.eventRows(undefined)).map((r) => ({ ...r, source_file: r.source_file?.replace(/^.*[\\/]/, '') ?? null }));
  } finally {
    await store.close();
  }
}

/** A JSON value with every object's keys sorted, at every level. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v;

describe('sigmatch load --db', () => {
  test('DuckDB file: every event loaded, the converted rule finds the hunt\'s alerts; a second load adds on, --fresh starts over', async () => {
    const url = `duckdb:${join(dir, 'events.duckdb')}`;
    const r = await sigmatchAsync(['load', '--db', url, 'examples/']);
    expect(r.code, r.stderr).toBe(0);
    const dumped = (await sigmatchAsync(['dump', 'examples/'])).stdout.trim().split('\n').length;
    expect(r.stderr).toContain(`Loaded ${dumped} events from 1 files into sigma_events`);
    const want = await huntRecords();
    expect(want.length).toBeGreaterThan(0);
    expect(await queryRecords('duckdb', url)).toEqual(want);
    await sigmatchAsync(['load', '--db', url, 'examples/']);
    expect(await count(url)).toEqual([2 * dumped, 2 * dumped]);
    await sigmatchAsync(['load', '--db', url, '--fresh', 'examples/']);
    expect(await count(url)).toEqual([dumped, dumped]);
  });

  test('PostgreSQL (a real server): the same', async () => {
    if (pg === undefined) return; // startTestPostgres said why (and fails under CI=true instead)
    const r = await sigmatchAsync(['load', '--db', pg.url, '--fresh', 'examples/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('postgres@'); // the user part of the URL is not echoed
    expect(await queryRecords('postgres', pg.url)).toEqual(await huntRecords());
  });

  test('a broken input is reported with its place and the rest is loaded (exit 4); a bad URL is a usage error', async () => {
    const bad = join(dir, 'broken.jsonl');
    writeFileSync(bad, '{"EventID": 3, "Image": oops}\n');
    const url = `sqlite:${join(dir, 'events.sqlite')}`;
    const r = await sigmatchAsync(['load', '--db', url, bad, 'examples/']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/broken\.jsonl:1:\d+: error /);
    expect(r.stderr).toMatch(/INCOMPLETE LOAD: 1 of 2 inputs could not be read .*their events were not loaded/);
    expect((await count(url))[0]).toBeGreaterThan(100);
    const wrong = await sigmatchAsync(['load', '--db', 'mysql://x', 'examples/']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('expected postgres://USER@HOST:PORT/DB, duckdb:FILE or sqlite:FILE');
  });

  test('worker threads read EVTX chunks and JSON line ranges: the same rows, numbered in input order, as the main thread alone (DuckDB; PostgreSQL\'s COPY tuples made in the workers)', async () => {
    // 6,000 events: EVTX chunks and JSON line ranges enough that two workers both read pieces of each file.
    const evtx = join(dir, 'many.evtx');
    writeEvtxFile(evtx, generateEvents(6000, 5, { injectEvery: 64 }));
    const jsonl = join(dir, 'many.jsonl');
    const dumped = (await sigmatchAsync(['dump', '--format', 'jsonl', evtx])).stdout.trim().split('\n');
    writeFileSync(jsonl, dumped.slice(0, 3000).join('\n') + '\n');
    const tables: Array<Awaited<ReturnType<typeof rowsOf>>> = [];
    for (const threads of ['0', '2']) {
      const url = `duckdb:${join(dir, `threads${threads}.duckdb`)}`;
      const r = await sigmatchAsync(['load', '--db', url, '--threads', threads, evtx, jsonl]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('Loaded 9000 events from 2 files');
      tables.push(await rowsOf(url));
    }
    expect(tables[0]?.length).toBe(9000);
    expect(tables[1]).toEqual(tables[0]);
    expect(tables[0]?.map((r) => r.record_id)).toEqual(Array.from({ length: 9000 }, (_, i) => i + 1));
    if (pg === undefined) return;
    // PostgreSQL's rows are COPY tuples built in the workers, their record ids filled in on the main thread, in
    // several batches (9,000 rows); JSONB keeps an object's keys in its own order: events compared keys sorted.
    const canonical = (rows: Awaited<ReturnType<typeof rowsOf>>) => rows.map((r) => ({ ...r, event: JSON.stringify(sorted(JSON.parse(r.event))) }));
    const r = await sigmatchAsync(['load', '--db', pg.url, '--fresh', '--threads', '2', evtx, jsonl]);
    expect(r.code, r.stderr).toBe(0);
    expect(canonical(await rowsOf(pg.url))).toEqual(canonical(tables[0] ?? []));
    // A second load adds on, record ids going on from the table's largest.
    expect((await sigmatchAsync(['load', '--db', pg.url, '--threads', '2', jsonl])).code).toBe(0);
    const after = await rowsOf(pg.url);
    expect(after.map((r) => r.record_id)).toEqual(Array.from({ length: 12000 }, (_, i) => i + 1));
    expect(canonical(after.slice(9000)).map((r) => r.event)).toEqual(canonical(tables[0] ?? []).slice(6000).map((r) => r.event));
  });

  test('PostgreSQL (binary COPY) and DuckDB hold the same rows, nulls, times, escapes and non-ASCII text included', async () => {
    if (pg === undefined) return;
    const odd = join(dir, 'odd.jsonl');
    const lines = [
      { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'hé-☃-😀', UtcTime: '2026-01-02 03:04:05.678', Image: 'C:\\Temp\\a\tb\nc\rd.exe', CommandLine: 'x "q" \\N \u0001' },
      { EventID: 4688, Image: 'no channel, no host, no time' },
      { Message: 'no event id', Big: 12345678901234567890, Nested: { a: [1, null, 'b'] } },
      { EventID: 7, UtcTime: '1999-12-31 23:59:59.999' }, // before PostgreSQL's epoch: a negative timestamp
      { EventID: 8, Computer: '', Channel: 'a\u0001"\n,\\b', Payload: 'é'.repeat(1_500_000) }, // empty text, control characters, a row larger than the 1 MiB buffer a builder starts with
    ];
    writeFileSync(odd, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const duck = `duckdb:${join(dir, 'odd.duckdb')}`;
    for (const url of [pg.url, duck]) expect((await sigmatchAsync(['load', '--db', url, '--fresh', odd, 'examples/'])).code).toBe(0);
    // JSONB keeps an object's keys in its own order: the events are compared parsed, keys sorted.
    const canonical = async (url: string) => (await rowsOf(url)).map((r) => ({ ...r, event: JSON.stringify(sorted(JSON.parse(r.event))) }));
    const fromPg = await canonical(pg.url);
    expect(fromPg).toEqual(await canonical(duck));
    expect(fromPg[0]?.time_ms).toBe(Date.parse('2026-01-02T03:04:05.678Z'));
    expect(fromPg[1]?.time_ms).toBeNull();
    expect(fromPg[3]?.time_ms).toBe(Date.parse('1999-12-31T23:59:59.999Z'));
    expect(JSON.parse(fromPg[0]?.event ?? '{}')).toMatchObject({ Computer: 'hé-☃-😀', Image: lines[0]?.Image, CommandLine: lines[0]?.CommandLine });
    const store = await openEventStore(pg.url);
    try {
      expect(await store.recordIds("SELECT record_id FROM sigma_events WHERE host IS NULL AND channel IS NULL AND event_time IS NULL ORDER BY 1")).toEqual([2, 3]);
      expect(await store.recordIds(`SELECT record_id FROM sigma_events WHERE host = '' AND channel = 'a' || chr(1) || '"' || chr(10) || ',\\b' AND length(event->>'Payload') = 1500000`)).toEqual([5]);
      expect(await store.recordIds('SELECT event_id AS record_id FROM sigma_events WHERE record_id <= 2 ORDER BY record_id')).toEqual([1, 4688]);
    } finally {
      await store.close();
    }
  });

  test('hunt --db: the rules run in the database give the file hunt\'s alerts, process context, domain and the chain correlations included (PostgreSQL, DuckDB, SQLite)', async () => {
    if (pg === undefined) return;
    await sigmatchAsync(['load', '--db', pg.url, '--fresh', 'examples/']);
    const fromDb = await sigmatchAsync(['hunt', '--db', pg.url, '--format', 'jsonl']);
    expect(fromDb.code, fromDb.stderr).toBe(1);
    const fromFiles = await sigmatchAsync(['hunt', '--format', 'jsonl', '--quiet', 'examples/']);
    // PostgreSQL's JSONB keeps an object's keys in its own order: events' fields are compared as sets (keys sorted at every level).
    const canonical = (line: string) => JSON.stringify(sorted(JSON.parse(line)));
    const lines = (t: string) => t.trim().split('\n').map(canonical).sort();
    expect(lines(fromDb.stdout)).toEqual(lines(fromFiles.stdout));
    expect(fromDb.stdout).toContain('"domain":"cdn-update.example.net"');
    expect(fromDb.stderr).toMatch(/rules ran there, 0 could not be converted/);
    // Every built-in chain correlation ran on the database's matches, and the example log makes them fire.
    expect(fromDb.stderr).toMatch(/Correlations: 5 evaluated \(4 with alerts of their own\), 0 not run/);
    expect(fromDb.stdout).toContain('"kind":"alert"');
    expect(fromDb.stdout).toContain('Proxy-Execution Utility Started and Connected Out');
    // --no-correlations and --group-window work as in a file hunt.
    const plain = await sigmatchAsync(['hunt', '--db', pg.url, '--no-correlations', '--format', 'jsonl', '--quiet']);
    const plainFiles = await sigmatchAsync(['hunt', '--no-correlations', '--format', 'jsonl', '--quiet', 'examples/']);
    expect(lines(plain.stdout)).toEqual(lines(plainFiles.stdout));
    const grouped = await sigmatchAsync(['hunt', '--db', pg.url, '--group-window', '1h']);
    const groupedFiles = await sigmatchAsync(['hunt', '--group-window', '1h', 'examples/']);
    expect(grouped.stdout).toBe(groupedFiles.stdout);
    expect(grouped.stderr).toMatch(/Grouped \(--group-window 1h\)/);
    // DuckDB and SQLite test the pack's IPv6 ranges in plain SQL: every rule runs there and gives the file hunt's alerts.
    const duck = `duckdb:${join(dir, 'hunt.duckdb')}`;
    for (const url of [duck, `sqlite:${join(dir, 'hunt.sqlite')}`]) {
      await sigmatchAsync(['load', '--db', url, 'examples/']);
      const d = await sigmatchAsync(['hunt', '--db', url, '--format', 'jsonl']);
      expect(d.stderr, url).toMatch(/rules ran there, 0 could not be converted/);
      expect(d.stderr, url).toMatch(/Correlations: 5 evaluated \(4 with alerts of their own\), 0 not run/);
      expect(lines(d.stdout), url).toEqual(lines(fromFiles.stdout));
    }
    // The rules run on several connections at once (the default: one per core) or on one: the same output, byte for byte.
    for (const url of [pg.url, duck]) {
      const one = await sigmatchAsync(['hunt', '--db', url, '--db-connections', '1', '--format', 'jsonl', '--quiet']);
      const four = await sigmatchAsync(['hunt', '--db', url, '--db-connections', '4', '--format', 'jsonl', '--quiet']);
      expect(one.code, one.stderr).toBe(1);
      expect(four.stdout, url).toBe(one.stdout);
    }
    const both = await sigmatchAsync(['hunt', '--db', duck, 'examples/']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--db hunts the database: give no log paths with it');
    const alone = await sigmatchAsync(['hunt', '--db-connections', '2', 'examples/']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--db-connections goes with --db');
  });
});
