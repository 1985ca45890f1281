import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../backends/postgres-server.js';
import { CMSTP_RULE, correlationKey, prng, recordOf, send, stream } from './crash-load.js';
import { caughtUp, serveScratch, startServe } from './serve-process.js';

const SEED = Number(process.env['SIGMATCH_CRASH_SEED'] ?? 20261203);
const HOSTS = ['WS-A', 'WS-B', 'WS-C', 'WS-D'];
const PER_HOST = 1500;
const BATCH = 20;
const KILLS = 10;

const { tmp, children } = serveScratch();
let server: TestPostgres | undefined;
beforeAll(async () => {
  server = await startTestPostgres();
}, 30_000);
afterAll(() => server?.stop());

async function serve(args: string[]) {
  const s = await startServe(args);
  children.push(s);
  return s;
}

/** Each journaled event's host|record by position, from a stopped service's data dir. */
function journalOf(dir: string): Map<number, string> {
  const db = new Database(join(dir, 'sigmatch.db'), { readonly: true });
  try {
    return new Map((db.prepare('SELECT seq, doc FROM journal').all() as Array<{ seq: number; doc: string }>).map((r) => [r.seq, recordOf(r.doc)]));
  } finally {
    db.close();
  }
}

/** Alerts as (rule, host|record) pairs and the cmstp alerts' command lines, from alert rows and the journal they point into. */
function pairsOf(rows: ReadonlyArray<{ rule: string; seq: number; alert: string }>, journal: Map<number, string>) {
  return {
    // A rule's alert by its event; a correlation's by its group and window (its seq is its batch's, which differs by run).
    pairs: rows.map((r) => `${r.rule}|${correlationKey(r.alert) ?? journal.get(Number(r.seq))}`).sort(),
    cmstpContext: rows.filter((r) => r.rule === CMSTP_RULE).map((r) => `${journal.get(Number(r.seq))}|${(JSON.parse(r.alert) as { process: { command_line?: string } }).process.command_line}`).sort(),
  };
}

describe('sigmatch serve --store postgres under SIGKILL', () => {
  it('writes every expected alert exactly once in PostgreSQL across kills under load, and resumes from the position stored there', async () => {
    if (server === undefined) return;
    const rand = prng(SEED);
    const { batches, attacks } = stream(rand, HOSTS, PER_HOST, BATCH);

    // The reference: the same stream through the default (SQLite) store, never killed.
    const cleanDir = tmp('sigmatch-pg-clean-');
    const clean = await serve(['--data', cleanDir]);
    await send(batches, () => clean.url, new Set(), HOSTS.length);
    await caughtUp(clean.url);
    clean.child.kill('SIGTERM');
    expect(await clean.exited).toBe(0);
    const cleanDb = new Database(join(cleanDir, 'sigmatch.db'), { readonly: true });
    const reference = pairsOf(cleanDb.prepare('SELECT rule_id AS rule, seq, doc AS alert FROM alerts').all() as Array<{ rule: string; seq: number; alert: string }>, journalOf(cleanDir));
    cleanDb.close();
    expect(reference.pairs.filter((p) => p.startsWith(CMSTP_RULE)).map((p) => p.slice(CMSTP_RULE.length + 1)).sort()).toEqual([...attacks].sort());

    const url = server.url;
    const dir = tmp('sigmatch-pg-crash-');
    let current: string | undefined;
    const acked = new Set<number>();
    // Paced: the stream must outlast several of the kills (see send).
    const sending = send(batches, () => current, acked, HOSTS.length, 25);
    const ackedAtKill: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const s = await serve(['--data', dir, '--store', url]);
      current = s.url;
      await new Promise((r) => setTimeout(r, 150 + rand() * 300));
      current = undefined;
      ackedAtKill.push(acked.size);
      s.child.kill('SIGKILL');
      expect(await s.exited).toBe('SIGKILL');
    }
    const last = await serve(['--data', dir, '--store', url]);
    current = last.url;
    await sending;
    await caughtUp(last.url);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    expect(ackedAtKill.filter((n) => n > 0 && n < batches.length).length, `batches acknowledged at each kill, of ${batches.length}: ${ackedAtKill.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(acked.size).toBe(batches.length);

    const journal = journalOf(dir);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const rows = (await db.query<{ rule: string; seq: string; alert: string }>('SELECT rule_id AS rule, seq, doc::text AS alert FROM sigmatch.alerts')).rows.map((r) => ({ ...r, seq: Number(r.seq) }));
      const after = pairsOf(rows, journal);
      // Every alert exactly once (by rule and event, not only by id), the same as the run never killed, context included.
      expect(new Set(after.pairs).size).toBe(after.pairs.length);
      expect(after.pairs).toEqual(reference.pairs);
      expect(after.cmstpContext).toEqual(reference.cmstpContext);

      // The position is this instance's row in PostgreSQL, and the local cursor followed it.
      const instance = readFileSync(join(dir, 'instance-id'), 'utf8').trim();
      const position = Number((await db.query<{ seq: string }>('SELECT seq FROM sigmatch.detection_positions WHERE instance = $1', [instance])).rows[0]?.seq);
      expect(position).toBe(Math.max(...journal.keys()));
      const local = new Database(join(dir, 'sigmatch.db'));
      expect(local.prepare("SELECT value FROM state WHERE name = 'cursor'").pluck().get()).toBe(position);

      // Detection resumes from PostgreSQL's position, not the local one: with the local cursor put back to 0 a
      // restart matches nothing again (it would match every event and find each alert stored).
      local.prepare("UPDATE state SET value = 0 WHERE name = 'cursor'").run();
      local.close();
      const again = await serve(['--data', dir, '--store', url]);
      const h = await caughtUp(again.url);
      expect(h['detection']).toMatchObject({ events: 0, cursor: position, lag_events: 0 });
      expect(h['store']).toMatchObject({ kind: 'postgres', reachable: true, alerts: rows.length });
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      await db.end();
    }
  }, 90_000);

  it('exits 69 with the reason when the server refuses us, 2 on a URL that is not postgres://, never with a stack trace', async () => {
    if (server === undefined) return;
    const u = new URL(server.url);
    u.pathname = '/no_such_db';
    u.password = 'hunter2';
    const refused = await serve(['--data', tmp('sigmatch-pg-refused-'), '--store', u.toString()]).catch((e: Error) => e.message);
    expect(refused).toMatch(/^serve exited \(69\) before listening:\nsigmatch serve: the alert store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/no_such_db refused us \(database "no_such_db" does not exist\); check the URL/);
    expect(refused).not.toContain('hunter2');
    expect(refused).not.toMatch(/\n\s+at /);
    const usage = await serve(['--data', tmp('sigmatch-pg-usage-'), '--store', 'mysql://db/x']).catch((e: Error) => e.message);
    expect(usage).toMatch(/serve exited \(2\) before listening:\n.*--store.*postgres:\/\/USER@HOST:PORT\/DB/);
  }, 30_000);
});
