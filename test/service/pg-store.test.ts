import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../backends/postgres-server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetectionLoop } from '../../src/service/detect/detection-loop.js';
import { LiveDetector } from '../../src/service/detect/live-detector.js';
import { Journal } from '../../src/service/journal/journal.js';
import { openDatabase } from '../../src/service/store/open-database.js';
import { PgAlertStore } from '../../src/service/store/pg-alert-store.js';
import { StoreRefused } from '../../src/service/start-service.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { startTestService, type TestService } from './in-process.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { networkConnect, processCreate } from './winlogbeat-docs.js';

const RULES = resolve(__dirname, '../../rules');
const T0 = Date.parse('2026-11-20T09:00:00Z');
type Json = { [k: string]: any };

let server: TestPostgres | undefined;
let admin: pg.Client | undefined;
let databases = 0;
const open: TestService[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  if (server === undefined) return;
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
}, 30_000);
afterAll(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const p of proxies) await p.close();
  await admin?.end();
  server?.stop();
});

/** A fresh database on the test server, and its URL (through `port` when given: a proxy). */
async function freshDatabase(port?: number, password?: string): Promise<string> {
  const name = `sigmatch_store_${process.pid}_${++databases}`;
  await admin?.query(`CREATE DATABASE ${name}`);
  const u = new URL((server as TestPostgres).url);
  u.pathname = `/${name}`;
  if (port !== undefined) u.port = String(port);
  if (password !== undefined) u.password = password;
  return u.toString();
}

async function start(store: string | undefined): Promise<TestService> {
  const s = await startTestService([RULES], store === undefined ? {} : { store });
  open.push(s);
  return s;
}

const post = (url: string, docs: object[]) => fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: docs.map((d) => JSON.stringify(d)).join('\n') });

/** cmstp start + outbound connection: two alerts (the utility start, the connection). */
function attack(host: string, record: number, minute: number): object[] {
  const ids = { host, record, guid: `{8c1a7f52-0000-0000-0000-${String(record).padStart(12, '0')}}`, pid: 7000 + record, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + minute * 60_000 };
  return [processCreate(ids, `cmstp.exe /s x${record}.inf`), networkConnect({ ...ids, record: record + 1 }, '203.0.113.60')];
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Json };
}

const idsOf = (body: Json): string[] => (body['alerts'] as Json[]).map((a) => a['kibana']['alert']['uuid'] as string);

/** Waits until the API lists `n` alerts (detection may be retrying against a store that came back). */
async function alertsReach(s: TestService, n: number, timeoutMs = 30_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(s.url, 'GET', '/api/alerts?limit=1000');
    if (r.status === 200 && idsOf(r.body).length >= n) return idsOf(r.body);
    if (Date.now() > end) throw new Error(`the API did not reach ${n} alerts: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** What each store answered, per question: both must answer the same. */
const answers: Record<string, Record<string, unknown>> = {};

describe.each(['sqlite', 'postgres'] as const)('the alert API on the %s store', (kind) => {
  it('lists with every filter and the cursor, gets one, and keeps triage, notes and the audit trail', async () => {
    if (server === undefined) return;
    const s = await start(kind === 'postgres' ? await freshDatabase() : undefined);
    const docs: object[] = [];
    for (let i = 0; i < 4; i++) docs.push(...attack('WS-PGA', 10 + i * 2, i));
    for (let i = 0; i < 2; i++) docs.push(...attack('WS-PGB', 50 + i * 2, 10 + i));
    expect((await post(s.url, docs)).status).toBe(200);
    const all = await alertsReach(s, 12);
    const got: Record<string, unknown> = {};
    expect(all).toHaveLength(12);
    expect(new Set(all).size).toBe(12);
    got['all'] = all;

    // Filters: host ignores case; rule by id or title; level; event time range; status and assignee.
    const list = async (q: string) => {
      const r = await call(s.url, 'GET', `/api/alerts?limit=1000&${q}`);
      expect(r.status, q).toBe(200);
      return idsOf(r.body);
    };
    got['host'] = await list('host=ws-pga');
    expect(got['host']).toHaveLength(8);
    const first = (await call(s.url, 'GET', `/api/alerts/${all[0]}`)).body;
    const ruleId = first['rule']['id'] as string;
    const byRule = await list(`rule=${ruleId}`);
    expect(byRule).toHaveLength(6);
    expect(await list(`rule=${encodeURIComponent(first['rule']['name'] as string)}`)).toEqual(byRule);
    got['rule'] = byRule;
    got['level'] = await list(`level=${first['kibana']['alert']['severity'] as string}`);
    expect((got['level'] as string[]).length).toBeGreaterThanOrEqual(6);
    got['time'] = await list(`from=${new Date(T0 + 60_000).toISOString()}&to=${T0 + 2 * 60_000 + 59_999}`);
    expect(got['time']).toHaveLength(4);

    // Cursor paging: pages of 5 cover everything once, newest first, and the last page says so.
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const r = await call(s.url, 'GET', `/api/alerts?limit=5${cursor !== null ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      pages.push(idsOf(r.body));
      cursor = r.body['next'] as string | null;
    } while (cursor !== null);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(all);

    // One alert, and one that is not there.
    expect(first['kibana']['alert']['uuid']).toBe(all[0]);
    expect((await call(s.url, 'GET', `/api/alerts/${'0'.repeat(32)}`)).status).toBe(404);

    // Triage: a refused change changes nothing; a good one is filtered on, audited, and notes are kept.
    const [a, b] = all as [string, string];
    const refused = await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'closed' });
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toMatch(/closing needs a 'reason'/);
    expect((await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'acknowledged', assignee: 'kim' })).body).toMatchObject({ id: a, status: 'acknowledged', assignee: 'kim', updated_by: 'loopback' });
    expect((await call(s.url, 'PATCH', `/api/alerts/${b}`, { status: 'closed', reason: 'benign', comment: 'lab' })).status).toBe(200);
    const missing = await call(s.url, 'POST', '/api/alerts/_triage', { ids: [a, 'f'.repeat(32)], status: 'open' });
    expect(missing.status).toBe(404);
    expect(missing.body['error']).toContain('f'.repeat(32));
    expect(await list('status=acknowledged')).toEqual([a]);
    expect(await list('status=closed')).toEqual([b]);
    expect(await list('status=open')).toHaveLength(10);
    expect(await list('assignee=kim')).toEqual([a]);
    expect((await call(s.url, 'POST', `/api/alerts/${a}/notes`, { text: 'called the user' })).status).toBe(201);
    expect((await call(s.url, 'POST', `/api/alerts/${'0'.repeat(32)}/notes`, { text: 'x' })).status).toBe(404);
    const doc = (await call(s.url, 'GET', `/api/alerts/${a}`)).body;
    expect(doc['sigmatch']['triage']).toMatchObject({ status: 'acknowledged', assignee: 'kim', notes: [{ author: 'loopback', text: 'called the user' }] });
    expect(doc['kibana']['alert']).toMatchObject({ workflow_status: 'acknowledged', workflow_assignee_ids: ['kim'] });
    const audit = (await call(s.url, 'GET', `/api/alerts/${a}/audit`)).body['audit'] as Json[];
    got['audit'] = audit.map((e) => [e['field'], e['old'], e['new']]);
    expect(got['audit']).toEqual([['status', 'open', 'acknowledged'], ['assignee', null, 'kim'], ['note', null, 'called the user']]);
    const bulk = await call(s.url, 'POST', '/api/alerts/_triage', { ids: [a, b], status: 'open', assignee: null });
    expect(bulk.status).toBe(200);
    expect(await list('status=open')).toHaveLength(12);

    // Rules with their hit counts and health with the store.
    const rules = (await call(s.url, 'GET', '/api/rules')).body['rules'] as Json[];
    expect(rules.find((r) => r['id'] === ruleId)?.['alerts']).toBe(6);
    const hosts = (await call(s.url, 'GET', '/api/hosts')).body['hosts'] as Json[];
    expect(hosts.map((h) => [h['name'], h['alerts'], h['open']])).toEqual([['WS-PGA', 8, 8], ['WS-PGB', 4, 4]]);
    got['hosts'] = hosts;
    const health = (await call(s.url, 'GET', '/api/health')).body;
    expect(health['store']).toMatchObject({ kind, reachable: true, alerts: 12 });
    expect(health['status']).toBe('ok');
    answers[kind] = got;
  });
});

describe('both stores', () => {
  it('answer every question above the same (alert ids are the same hash of rule and event on either)', () => {
    if (server === undefined) return;
    expect(answers['postgres']).toEqual(answers['sqlite']);
  });
});

describe('PostgreSQL unreachable', () => {
  it('mid-stream: ingest keeps acknowledging, the API answers 503 naming the URL without its password, detection resumes and writes each alert once', async () => {
    if (server === undefined) return;
    const target = Number(new URL(server.url).port);
    const proxy = await startTcpProxy(target);
    proxies.push(proxy);
    const s = await start(await freshDatabase(proxy.port, 'hunter2'));
    expect((await post(s.url, attack('WS-DOWN', 10, 0))).status).toBe(200);
    await alertsReach(s, 2);

    await proxy.down();
    const docs: object[] = [];
    for (let i = 1; i <= 5; i++) docs.push(...attack('WS-DOWN', 10 + i * 2, i));
    // Acknowledged while the store is away: the events are in the local journal.
    expect((await post(s.url, docs.slice(0, 4))).status).toBe(200);
    expect((await post(s.url, docs.slice(4))).status).toBe(200);
    const r = await call(s.url, 'GET', '/api/alerts');
    expect(r.status).toBe(503);
    expect(r.body['error']).toMatch(new RegExp(`the alert store postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${proxy.port}/sigmatch_store_\\S+ is unreachable`));
    expect(JSON.stringify(r.body)).not.toContain('hunter2');
    expect((await call(s.url, 'PATCH', `/api/alerts/${'a'.repeat(32)}`, { status: 'acknowledged' })).status).toBe(503);
    const health = await call(s.url, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', alerts: null, store: { kind: 'postgres', reachable: false } });
    expect(health.body['detection']['lag_events']).toBe(10);
    await new Promise((done) => setTimeout(done, 1500));
    expect(s.errors.some((e) => /detection: .*unreachable.*retrying in \d+ s/.test(e)), s.errors.join('\n')).toBe(true);
    expect(s.errors.join('\n')).not.toContain('hunter2');

    await proxy.up();
    const ids = await alertsReach(s, 12);
    await s.caughtUp();
    expect(ids).toHaveLength(12);
    const direct = new URL(server.url);
    direct.pathname = new URL(s.service.alerts.location).pathname;
    const c = new pg.Client({ connectionString: direct.toString() });
    await c.connect();
    const rows = await c.query('SELECT count(*)::int AS n, count(DISTINCT (seq, rule_id))::int AS d FROM sigmatch.alerts');
    await c.end();
    expect(rows.rows[0]).toEqual({ n: 12, d: 12 });
    expect((await call(s.url, 'GET', '/api/health')).body).toMatchObject({ status: 'ok', store: { reachable: true, alerts: 12 } });
  }, 45_000);

  it('at start: the service starts, says so naming the URL, and catches up once the server is there', async () => {
    if (server === undefined) return;
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    proxies.push(proxy);
    const url = await freshDatabase(proxy.port, 'hunter2');
    await proxy.down();
    const s = await start(url);
    expect(s.errors.join('\n')).toMatch(new RegExp(`the alert store postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${proxy.port}/\\S+ is unreachable .*ingest goes on into the journal`));
    expect(s.errors.join('\n')).not.toContain('hunter2');
    expect((await post(s.url, [...attack('WS-LATE', 10, 0), ...attack('WS-LATE', 12, 1)])).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/alerts')).status).toBe(503);
    await proxy.up();
    expect(await alertsReach(s, 4)).toHaveLength(4);
  }, 45_000);

  it('a server that refuses us (no such database) stops the start with a clear error', async () => {
    if (server === undefined) return;
    const u = new URL(server.url);
    u.pathname = '/no_such_db';
    u.password = 'hunter2';
    const e = await startTestService([RULES], { store: u.toString() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreRefused);
    expect((e as Error).message).toMatch(/the alert store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/no_such_db refused us \(database "no_such_db" does not exist\)/);
    expect((e as Error).message).not.toContain('hunter2');
  });
});

describe('suppression counts in PostgreSQL', () => {
  it('add up across commits (and instances) in the commit transaction', async () => {
    if (server === undefined) return;
    const store = new PgAlertStore(await freshDatabase());
    try {
      await store.sink('one', () => {}).commit(1, 1, [], undefined, new Map([['f-1', 2], ['Known good: x', 1]]));
      await store.sink('two', () => {}).commit(1, 1, [], undefined, new Map([['f-1', 3]]));
      expect(await store.countsByFilter()).toEqual(new Map([['f-1', 5], ['Known good: x', 1]]));
    } finally {
      await store.close();
    }
  });
});

describe('the position in PostgreSQL', () => {
  it('is refused, with the reason, when it lies past the end of the local journal (an instance id copied)', async () => {
    if (server === undefined) return;
    const store = new PgAlertStore(await freshDatabase());
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-pg-copied-'));
    const db = openDatabase(dir);
    try {
      await store.sink('copied', () => {}).commit(500, 0, []);
      const journal = new Journal(db);
      await journal.append({ entries: [{ key: Buffer.from('k1'), doc: '{}' }] });
      const errors: string[] = [];
      const loop = new DetectionLoop(journal, store.sink('copied', () => {}), new LiveDetector(RuleSet.compile([])), { onError: (e) => errors.push(e.message) });
      loop.start();
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await loop.stop();
      expect(errors[0]).toMatch(/holds position 500 for this instance, past the last event of its journal \(1\): was the data dir's instance-id copied/);
      expect(journal.cursor).toBe(0);
    } finally {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
