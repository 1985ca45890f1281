import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rng } from '../../bench/generate-corpus.js';
import { fileCreate, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import { writeEvtxFile, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { startTestPostgres, type TestPostgres } from './postgres-server.js';

/**
 * Correlations converted to SQL give the engine's correlation alerts: every correlation type the SQL targets
 * convert (fixtures/correlation-types.yml: counts with consumption, distinct values of one and two fields, temporal,
 * temporal_ordered, an upper-side range and eq judged per complete window, no group-by, a correlation of a
 * correlation, aliases) and the built-in chain, over generated Sysmon streams, run in PostgreSQL, DuckDB and SQLite.
 */
const TYPES = 'test/backends/fixtures/correlation-types.yml';
const T0 = Date.parse('2026-06-01T08:00:00Z');
const CORRELATION_TITLES = [
  'Burst of Connections',
  'Exactly Two Writes',
  'Fleet-Wide Connection Burst',
  'Many Destination Ports Per Address',
  'Many Destinations',
  'Per-Process Connections',
  'Start Connect Write On a Host',
  'Start Then Connect Then Write By One Process',
  'Started Then Repeated Connections',
  'Two To Four Starts A Minute',
  'Writer Then Runner Of One Path',
];

/** Three hosts, an hour: processes start (some from a user folder, some written there first), connect out in bursts, write files. */
function stream(seed: number): WriterEvent[] {
  const r = rng(seed);
  const events: Array<{ t: number; e: (iso: string) => WriterEvent }> = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  for (let h = 1; h <= 3; h++) {
    const host = `HOST${h}.corp.example`;
    let t = T0 + h * 7;
    let n = 0;
    for (let p = 0; p < 18; p++) {
      n++;
      const dropped = `C:\\Users\\u${h}\\AppData\\Local\\Temp\\d${n}.exe`;
      const proc: ProcessSpec = { guid: sysmonGuid(h, n), pid: 2000 + n, image: pick(['C:\\Windows\\System32\\cmstp.exe', 'C:\\Windows\\System32\\odbcconf.exe', 'C:\\Tools\\app.exe']), commandLine: 'x', user: 'CORP\\u' };
      t += Math.floor(r() * 240_000) + 1;
      const start = t;
      events.push({ t: start, e: (iso) => processCreate(iso, host, proc) });
      // Connections in a burst after the start (some bursts cross the 2-minute and 10-minute edges).
      const conns = Math.floor(r() * 6);
      let c = start;
      for (let k = 0; k < conns; k++) {
        c += Math.floor(r() * 50_000) + 1;
        const dst = `203.0.113.${1 + Math.floor(r() * 5)}`;
        const port = pick([80, 443, 8080]);
        events.push({ t: c, e: (iso) => networkConnect(iso, host, proc, dst, port) });
      }
      // Some write an executable, and some of those are run from where they were written.
      if (r() < 0.5) {
        const w = c + Math.floor(r() * 400_000) + 1;
        events.push({ t: w, e: (iso) => fileCreate(iso, host, proc, dropped) });
        if (r() < 0.6) {
          n++;
          const child: ProcessSpec = { guid: sysmonGuid(h, n), pid: 2000 + n, image: dropped, commandLine: 'd', user: 'CORP\\u', parent: proc };
          const s = w + Math.floor(r() * 700_000) + 1;
          events.push({ t: s, e: (iso) => processCreate(iso, host, child) });
        }
      }
    }
  }
  // Distinct times (a millisecond apart at least), so no correlation depends on how ties are broken.
  events.sort((a, b) => a.t - b.t);
  let last = 0;
  return events.map(({ t, e }) => {
    const u = Math.max(t, last + 1);
    last = u;
    return e(new Date(u).toISOString());
  });
}

const firingKey = (title: string, group: Record<string, unknown>, end: number, aggregate: number, count: number) =>
  `${title} | ${JSON.stringify(Object.entries(group).map(([k, v]) => [k, String(v)]).sort())} | end ${new Date(end).toISOString()} | ${aggregate} | ${count} events`;

const OUT_COLUMNS = new Set(['window_start_ms', 'window_end_ms', 'first_ms', 'last_ms', 'contributor_count', 'record_ids', 'aggregate', 'last_rid']);

type Runner = { run: (q: string) => Promise<Array<Record<string, unknown>>>; close: () => Promise<void> };

let dir: string;
let pgServer: TestPostgres | undefined;
const files: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-sqlcorr-'));
  for (const seed of [3, 11]) {
    const f = join(dir, `stream-${seed}.evtx`);
    writeEvtxFile(f, stream(seed));
    files.push(f);
  }
  pgServer = await startTestPostgres();
}, 120_000);
afterAll(() => {
  pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function engineFirings(rules: string, input: string): Promise<string[]> {
  const r = await sigmatchAsync(['hunt', '--only-correlations', '--format', 'jsonl', '--quiet', '--rules', rules, input]);
  expect(r.stderr).toBe('');
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const a = JSON.parse(l) as { rule: { name: string }; sigmatch: { correlation: { group: Record<string, unknown>; window: { end: string }; aggregate: { value: number }; contributor_count: number } } };
      const c = a.sigmatch.correlation;
      return firingKey(a.rule.name, c.group, Date.parse(c.window.end), c.aggregate.value, c.contributor_count);
    })
    .sort();
}

async function open(target: string, input: string): Promise<Runner | undefined> {
  if (target === 'postgres') {
    if (pgServer === undefined) return undefined;
    expect((await sigmatchAsync(['load', '--db', pgServer.url, '--fresh', input])).code).toBe(0);
    const c = new pg.Client(pgServer.url);
    await c.connect();
    return { run: async (q) => (await c.query(q)).rows as Array<Record<string, unknown>>, close: () => c.end() };
  }
  const file = join(dir, `${target}-${Math.random().toString(36).slice(2)}`);
  expect((await sigmatchAsync(['load', '--db', `${target}:${file}`, '--fresh', input])).code).toBe(0);
  if (target === 'duckdb') {
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    return { run: async (q) => (await c.runAndReadAll(q)).getRowObjectsJson() as Array<Record<string, unknown>>, close: async () => c.closeSync() };
  }
  const db = new Database(file, { readonly: true });
  return {
    run: async (q) => db.prepare(q).all() as Array<Record<string, unknown>>,
    close: async () => void db.close(),
  };
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

const titleOf = (key: string) => key.split(' | ')[0] as string;

describe('correlations converted to SQL find the engine\'s correlation alerts', () => {
  for (const target of ['postgres', 'duckdb', 'sqlite']) {
    test(`${target}: every correlation type, two generated streams`, async () => {
      for (const input of files) {
        const want = await engineFirings(TYPES, input);
        expect(want.length).toBeGreaterThan(200);
        const emitted = new Set(want.map(titleOf));
        // The streams make every correlation of the file fire at least once (else the comparison proves little).
        expect([...emitted].sort()).toEqual(CORRELATION_TITLES);
        const got = await sqlFirings(target, TYPES, input, emitted);
        if (got === undefined) return; // no PostgreSQL server: startTestPostgres said why (and fails under CI=true)
        expect(got.refused).toEqual([]);
        expect(got.firings).toEqual(want);
      }
    }, 120_000);
  }

  test('the built-in chain on the example log: PostgreSQL gives the engine\'s alerts; the level selector is refused with its reason', async () => {
    const want = await engineFirings('rules/', 'examples/');
    expect(want.length).toBeGreaterThanOrEqual(3);
    // SQLite and DuckDB cannot test the pack's IPv6 local ranges, so its network rules and their chains are refused there.
    for (const target of ['postgres']) {
      const got = await sqlFirings(target, 'rules/', 'examples/', new Set(want.map(titleOf)));
      if (got === undefined) continue;
      // Every chain correlation but the one that stands for "any other high alert" converts.
      expect(got.refused).toHaveLength(1);
      expect(got.refused[0]).toMatch(/Connection With Other High Alerts.*'sigmatch:level>=high' selects rules by level when a hunt runs/);
      expect(got.firings).toEqual(want.filter((k) => !k.startsWith('Proxy-Execution Utility Connection With Other High Alerts')));
    }
  }, 120_000);
});
