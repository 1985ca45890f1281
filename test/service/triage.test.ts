import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../src/service/store/open-database.js';
import { TokenStore } from '../../src/service/store/token-store.js';
import { TriageStore } from '../../src/service/store/triage-store.js';
import { startTestService, type TestService } from './in-process.js';
import { caughtUp, startServe } from './serve-process.js';
import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

const RULES = resolve(__dirname, '../../rules');
const T0 = Date.parse('2026-11-20T09:00:00Z');
const open: TestService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
async function start(config: Parameters<typeof startTestService>[1] = {}): Promise<TestService> {
  const s = await startTestService([RULES], config);
  open.push(s);
  return s;
}

const ndjson = (docs: object[]) => docs.map((d) => JSON.stringify(d)).join('\n');
const post = (url: string, docs: object[]) => fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(docs) });

/** cmstp start + outbound connection: two alerts (the utility start, informational; the connection, high). */
function attack(host: string, record: number, minute: number): object[] {
  const ids = { host, record, guid: `{8c1a7f52-0000-0000-0000-${String(record).padStart(12, '0')}}`, pid: 7000 + record, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + minute * 60_000 };
  return [processCreate(ids, 'cmstp.exe /s x.inf'), networkConnect({ ...ids, record: record + 1 }, '203.0.113.60')];
}

type Json = { [k: string]: any };
interface Call {
  status: number;
  body: Json;
}
async function call(url: string, method: string, path: string, body?: unknown, token?: string, contentType = 'application/json'): Promise<Call> {
  const headers: Record<string, string> = { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': contentType } : {}) };
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Json };
}

async function alertIds(s: TestService, query = ''): Promise<string[]> {
  const r = await call(s.url, 'GET', `/api/alerts?limit=1000${query}`);
  expect(r.status).toBe(200);
  return (r.body['alerts'] as Json[]).map((a) => a['kibana']['alert']['uuid'] as string);
}

describe('triage API', () => {
  it('changes status, reason, comment and assignee with validation, keeps notes and an audit trail, and filters by them', async () => {
    const s = await start();
    const docs: object[] = [];
    for (let i = 0; i < 4; i++) docs.push(...attack('WS-TRI', 10 + i * 2, i));
    expect((await post(s.url, docs)).status).toBe(200);
    await s.caughtUp();
    const ids = await alertIds(s);
    expect(ids).toHaveLength(8);
    const [a, b, c] = ids as [string, string, string];

    // Never triaged: open and unassigned, in both places the document carries it.
    const fresh = await call(s.url, 'GET', `/api/alerts/${a}`);
    expect(fresh.body['sigmatch']['triage']).toEqual({ status: 'open', reason: null, comment: null, assignee: null, updated: null, updated_by: null, notes: [] });
    expect(fresh.body['kibana']['alert']).toMatchObject({ workflow_status: 'open', workflow_assignee_ids: [] });

    // Validation: each refusal is a 400 naming what is wrong, and changes nothing.
    const refusals: Array<[unknown, RegExp]> = [
      [{ status: 'closed' }, /closing needs a 'reason'/],
      [{ status: 'done' }, /'status': "done" is not one of open, acknowledged, closed/],
      [{ status: 'closed', reason: 'bored' }, /'reason': "bored" is not one of false_positive/],
      [{ status: 'acknowledged', colour: 'red' }, /unknown field 'colour'/],
      [{ reason: 'benign' }, /'reason' and 'comment' go with status 'closed'/],
      [{}, /nothing to change/],
      [{ assignee: 42 }, /'assignee' must be a non-empty string or null/],
      ['[1,2]', /must be a JSON object/],
      ['{"status": ', /not JSON/],
    ];
    for (const [body, message] of refusals) {
      const r = await call(s.url, 'PATCH', `/api/alerts/${a}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body['error']).toMatch(message);
    }
    expect((await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'acknowledged' }, undefined, 'text/plain')).status).toBe(415);
    expect((await call(s.url, 'PATCH', `/api/alerts/${'0'.repeat(32)}`, { status: 'acknowledged' })).status).toBe(404);
    expect((await call(s.url, 'POST', `/api/alerts/${'0'.repeat(32)}/notes`, { text: 'x' })).status).toBe(404);
    expect((await call(s.url, 'GET', `/api/alerts/${'0'.repeat(32)}/audit`)).status).toBe(404);
    expect((await call(s.url, 'DELETE', `/api/alerts/${a}`)).status).toBe(405);
    expect((await call(s.url, 'GET', `/api/alerts/${a}/audit`)).body['audit']).toEqual([]);

    const ack = await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'acknowledged', assignee: 'alice' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: a, status: 'acknowledged', assignee: 'alice', reason: null, updated_by: 'loopback' });
    const closed = await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'closed', reason: 'false_positive', comment: 'the VPN profile installer' });
    expect(closed.body).toMatchObject({ status: 'closed', reason: 'false_positive', comment: 'the VPN profile installer', assignee: 'alice' });
    // The same change again changes nothing and writes no audit entry.
    expect((await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'closed', reason: 'false_positive' })).status).toBe(200);
    const note = await call(s.url, 'POST', `/api/alerts/${a}/notes`, { text: '  checked with the helpdesk  ' });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ author: 'loopback', text: 'checked with the helpdesk' });
    expect((await call(s.url, 'POST', `/api/alerts/${a}/notes`, { text: '' })).status).toBe(400);
    expect((await call(s.url, 'POST', `/api/alerts/${a}/notes`, { text: 'x', by: 'me' })).status).toBe(400);

    const one = await call(s.url, 'GET', `/api/alerts/${a}`);
    expect(one.body['sigmatch']['triage']).toMatchObject({ status: 'closed', reason: 'false_positive', comment: 'the VPN profile installer', assignee: 'alice', updated_by: 'loopback' });
    expect(one.body['sigmatch']['triage']['notes']).toMatchObject([{ author: 'loopback', text: 'checked with the helpdesk' }]);
    expect(one.body['kibana']['alert']).toMatchObject({ workflow_status: 'closed', workflow_reason: 'false_positive', workflow_user: 'loopback', workflow_assignee_ids: ['alice'] });
    expect(Date.parse(one.body['sigmatch']['triage']['updated'] as string)).toBeGreaterThan(T0);

    const audit = (await call(s.url, 'GET', `/api/alerts/${a}/audit`)).body['audit'] as Json[];
    expect(audit.map((e) => [e['who'], e['field'], e['old'], e['new']])).toEqual([
      ['loopback', 'status', 'open', 'acknowledged'],
      ['loopback', 'assignee', null, 'alice'],
      ['loopback', 'status', 'acknowledged', 'closed'],
      ['loopback', 'reason', null, 'false_positive'],
      ['loopback', 'comment', null, 'the VPN profile installer'],
      ['loopback', 'note', null, 'checked with the helpdesk'],
    ]);

    // Reopening clears the close reason and comment (in the audit trail too); the assignee stays.
    const reopened = await call(s.url, 'PATCH', `/api/alerts/${a}`, { status: 'open' });
    expect(reopened.body).toMatchObject({ status: 'open', reason: null, comment: null, assignee: 'alice' });
    const tail = ((await call(s.url, 'GET', `/api/alerts/${a}/audit`)).body['audit'] as Json[]).slice(6).map((e) => [e['field'], e['old'], e['new']]);
    expect(tail).toEqual([
      ['status', 'closed', 'open'],
      ['reason', 'false_positive', null],
      ['comment', 'the VPN profile installer', null],
    ]);

    // Filters: status (never triaged counts as open) and assignee, with the others.
    expect((await call(s.url, 'PATCH', `/api/alerts/${b}`, { status: 'closed', reason: 'true_positive', assignee: 'bob' })).status).toBe(200);
    expect((await call(s.url, 'PATCH', `/api/alerts/${c}`, { status: 'acknowledged', assignee: 'alice' })).status).toBe(200);
    expect(await alertIds(s, '&status=closed')).toEqual([b]);
    expect((await alertIds(s, '&status=open')).sort()).toEqual(ids.filter((id) => id !== b && id !== c).sort());
    expect((await alertIds(s, '&assignee=alice')).sort()).toEqual([a, c].sort());
    expect(await alertIds(s, '&status=acknowledged&assignee=alice')).toEqual([c]);
    expect((await call(s.url, 'GET', '/api/alerts?status=resolved')).status).toBe(400);
    const listed = (await call(s.url, 'GET', '/api/alerts?status=closed')).body['alerts'] as Json[];
    expect(listed[0]?.['sigmatch']['triage']).toMatchObject({ status: 'closed', reason: 'true_positive', assignee: 'bob' });

    // Bulk: all or nothing.
    const rest = ids.slice(3);
    const missing = await call(s.url, 'POST', '/api/alerts/_triage', { ids: [...rest, 'f'.repeat(32)], status: 'closed', reason: 'duplicate' });
    expect(missing.status).toBe(404);
    expect(missing.body['error']).toContain('f'.repeat(32));
    expect((await alertIds(s, '&status=closed')).length).toBe(1);
    expect((await call(s.url, 'POST', '/api/alerts/_triage', { ids: ['nope'], status: 'open' })).status).toBe(400);
    const bulk = await call(s.url, 'POST', '/api/alerts/_triage', { ids: rest, status: 'closed', reason: 'duplicate' });
    expect(bulk.status).toBe(200);
    expect((bulk.body['alerts'] as Json[]).map((x) => x['id'])).toEqual(rest);
    expect((await alertIds(s, '&status=closed')).sort()).toEqual([b, ...rest].sort());
  });

  it('takes the caller from the token: named tokens with scopes (created while running), --api-token, refusals 401/403', async () => {
    const s = await start({ apiToken: 'the-api-token' });
    expect((await post(s.url, attack('WS-TOK', 1, 0))).status).toBe(200);
    await s.caughtUp();
    // Another connection, as `sigmatch token create` in another process would use.
    const db = openDatabase(s.dir);
    const tokens = new TokenStore(db);
    const reader = tokens.create('reader', 'read');
    const alice = tokens.create('alice', 'triage');
    const root = tokens.create('root', 'admin');
    expect(reader).toMatch(/^smt_[A-Za-z0-9_-]{43}$/);
    expect(() => tokens.create('alice', 'read')).toThrow(/exists/);
    // Only the hash is stored.
    const stored = db.prepare('SELECT * FROM api_tokens').all() as Json[];
    expect(JSON.stringify(stored)).not.toContain(reader.slice(4));

    const list = await call(s.url, 'GET', '/api/alerts', undefined, reader);
    expect(list.status).toBe(200);
    const id = (list.body['alerts'] as Json[])[0]?.['kibana']['alert']['uuid'] as string;
    expect((await call(s.url, 'GET', `/api/alerts/${id}/audit`, undefined, reader)).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/rules', undefined, reader)).status).toBe(200);
    const denied = await call(s.url, 'PATCH', `/api/alerts/${id}`, { status: 'acknowledged' }, reader);
    expect(denied.status).toBe(403);
    expect(denied.body['error']).toMatch(/needs a token with scope 'triage'.*'reader' has 'read'/);
    expect((await call(s.url, 'POST', `/api/alerts/${id}/notes`, { text: 'x' }, reader)).status).toBe(403);

    expect((await call(s.url, 'PATCH', `/api/alerts/${id}`, { status: 'acknowledged' }, alice)).status).toBe(200);
    expect((await call(s.url, 'POST', `/api/alerts/${id}/notes`, { text: 'mine' }, alice)).body['author']).toBe('alice');
    expect((await call(s.url, 'PATCH', `/api/alerts/${id}`, { assignee: 'alice' }, root)).status).toBe(200);
    expect((await call(s.url, 'PATCH', `/api/alerts/${id}`, { assignee: null }, 'the-api-token')).status).toBe(200);
    const audit = (await call(s.url, 'GET', `/api/alerts/${id}/audit`, undefined, reader)).body['audit'] as Json[];
    expect(audit.map((e) => `${e['who']}:${e['field']}`)).toEqual(['alice:status', 'alice:note', 'root:assignee', 'api-token:assignee']);

    // Without a token (--api-token is set, so loopback is not enough), with a wrong one, with a revoked one: 401.
    expect((await call(s.url, 'GET', '/api/alerts')).status).toBe(401);
    const wrong = await call(s.url, 'GET', '/api/alerts', undefined, 'smt_not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body['error']).toMatch(/not valid/);
    expect(tokens.revoke('alice')).toBe(true);
    expect(tokens.revoke('alice')).toBe(false);
    expect((await call(s.url, 'PATCH', `/api/alerts/${id}`, { status: 'open' }, alice)).status).toBe(401);
    // A new token under the revoked name is a new token; the old one stays refused.
    const alice2 = tokens.create('alice', 'read');
    expect((await call(s.url, 'GET', '/api/health', undefined, alice2)).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/health', undefined, alice)).status).toBe(401);
    // Use is recorded.
    const info = tokens.list().find((t) => t.name === 'reader');
    expect(info?.lastUsed).toBeGreaterThan(T0);
    db.close();
  });

  it('answers 507 when the disk is full and keeps the triage written before', async () => {
    const s = await start();
    expect((await post(s.url, attack('WS-FULL', 1, 0))).status).toBe(200);
    await s.caughtUp();
    const [id] = await alertIds(s);
    expect((await call(s.url, 'PATCH', `/api/alerts/${id}`, { status: 'acknowledged' })).status).toBe(200);
    const db = s.service.journal.db;
    // A full disk, as SQLite sees it: no page may be added.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let full: Call | undefined;
    for (let i = 0; i < 50 && full === undefined; i++) {
      const r = await call(s.url, 'POST', `/api/alerts/${id}/notes`, { text: `${i} ${'x'.repeat(9000)}` });
      if (r.status !== 201) full = r;
    }
    expect(full?.status).toBe(507);
    expect(full?.body['error']).toMatch(/alert store could not be written.*nothing was changed/);
    db.pragma('max_page_count = 1073741823');
    const one = await call(s.url, 'GET', `/api/alerts/${id}`);
    expect(one.body['sigmatch']['triage']['status']).toBe('acknowledged');
    const notes = one.body['sigmatch']['triage']['notes'] as Json[];
    const audit = (await call(s.url, 'GET', `/api/alerts/${id}/audit`)).body['audit'] as Json[];
    // The refused note left nothing behind: notes and their audit entries agree.
    expect(audit.filter((e) => e['field'] === 'note')).toHaveLength(notes.length);
    expect((await call(s.url, 'POST', `/api/alerts/${id}/notes`, { text: 'after' })).status).toBe(201);
    expect(s.errors).toEqual([]);
  });

  it('an ingest token only sends events; once one exists ingest needs a token (it or an admin one)', async () => {
    const s = await start();
    const send = (record: number, token?: string) => fetch(`${s.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...(token !== undefined ? { authorization: `Basic ${Buffer.from(`winlogbeat:${token}`).toString('base64')}` } : {}) }, body: ndjson([noise('WS-ING', record, T0)]) });
    // No ingest tokens yet: ingest is open, as before (API tokens do not lock shippers out).
    const db = openDatabase(s.dir);
    const tokens = new TokenStore(db);
    const reader = tokens.create('reader', 'read');
    expect((await send(1)).status).toBe(200);
    const shipper = tokens.create('winlogbeat', 'ingest');
    const root = tokens.create('root', 'admin');
    expect((await send(2)).status).toBe(401);
    expect((await send(3, reader)).status).toBe(401);
    expect((await send(4, shipper)).status).toBe(200);
    expect((await send(5, root)).status).toBe(200);
    const denied = await call(s.url, 'GET', '/api/alerts', undefined, shipper);
    expect(denied.status).toBe(403);
    expect(denied.body['error']).toMatch(/scope 'read'.*'winlogbeat' has 'ingest'/);
    tokens.revoke('winlogbeat');
    expect((await send(6)).status).toBe(200);
    db.close();
  });

  it('lists the rules running with their filters and stored alerts, and when they were loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-triage-rules-'));
    dirs.push(dir);
    copyFileSync(join(RULES, 'net_connection_win_cmstp_initiated_connection.yml'), join(dir, 'cmstp.yml'));
    writeFileSync(join(dir, 'mf_vpn.yml'), "title: 'Known good: the VPN profile server'\nlogsource: {category: network_connection, product: windows}\nfilter:\n    rules: [47c894ee-c2b8-55e8-b332-3ba3ee37e8ce]\n    selection:\n        DestinationIp|cidr: '198.51.100.0/24'\n    condition: not selection\n");
    const s = await startTestService([dir]);
    open.push(s);
    expect((await post(s.url, attack('WS-R', 1, 0))).status).toBe(200);
    await s.caughtUp();
    const r = await call(s.url, 'GET', '/api/rules');
    expect(r.status).toBe(200);
    expect(r.body['rules']).toEqual([
      {
        id: '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce',
        title: expect.any(String),
        level: 'high',
        status: expect.any(String),
        logsource: { category: 'network_connection', product: 'windows' },
        tags: expect.arrayContaining([expect.stringMatching(/^attack\./)]),
        file: join(dir, 'cmstp.yml'),
        alerts: 1,
        filters: [{ id: null, title: 'Known good: the VPN profile server', file: join(dir, 'mf_vpn.yml'), suppressed: 0 }],
      },
    ]);
    expect(r.body['filters']).toEqual([{ id: null, title: 'Known good: the VPN profile server', file: join(dir, 'mf_vpn.yml'), rules: 1, suppressed: 0 }]);
    expect(r.body['errors']).toEqual([]);
    expect(r.body['reloads']).toBe(0);
    expect(Date.parse(r.body['loaded_at'] as string)).toBeGreaterThan(T0);
  });
});

describe('triage in the database', () => {
  it('migrates a data dir of the first schema: its alerts stay and can be triaged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-migrate-'));
    dirs.push(dir);
    const old = new Database(join(dir, 'sigmatch.db'));
    old.exec(MIGRATIONS[0] as string);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO alerts (id, seq, rule_id, rule_title, level, host, event_time, created, doc) VALUES (?, 1, 'r', 'R', 'high', 'WS', 1, 1, '{}')").run('a'.repeat(32));
    old.close();
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const triage = new TriageStore(db);
    expect(triage.exists('a'.repeat(32))).toBe(true);
    expect(triage.update(['a'.repeat(32)], { status: 'closed', reason: 'benign' }, 'tester').states.get('a'.repeat(32))).toMatchObject({ status: 'closed', reason: 'benign', updatedBy: 'tester' });
    db.close();
    // Opening again migrates nothing and keeps the change.
    const again = openDatabase(dir);
    expect(new TriageStore(again).state('a'.repeat(32)).status).toBe('closed');
    again.close();
  });

  it('keeps every triage write while the detection thread commits batches on the same database (built serve)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-triage-busy-'));
    dirs.push(dir);
    // The cmstp connection rule alone: one alert per attack (the pack's chain correlations would add theirs).
    const serve = await startServe(['--data', dir, '--no-cache', '--rules', 'rules/net_connection_win_cmstp_initiated_connection.yml']);
    const url = serve.url;
    try {
      expect((await post(url, [...attack('WS-BUSY', 1, 0), ...attack('WS-BUSY', 3, 1)])).status).toBe(200);
      let ids: string[] = [];
      for (let i = 0; i < 500 && ids.length < 2; i++) {
        ids = ((await call(url, 'GET', '/api/alerts')).body['alerts'] as Json[]).map((a) => a['kibana']['alert']['uuid'] as string);
        if (ids.length < 2) await new Promise((r) => setTimeout(r, 10));
      }
      expect(ids).toHaveLength(2);
      // Ingest keeps detection committing (attacks among noise) while triage changes the first two alerts.
      const ingest = (async () => {
        for (let round = 0; round < 30; round++) {
          const docs: object[] = [...attack('WS-BUSY', 1000 + round * 500, round)];
          for (let i = 0; i < 400; i++) docs.push(noise('WS-BUSY', 1002 + round * 500 + i, T0 + i));
          expect((await post(url, docs)).status).toBe(200);
        }
      })();
      const changes: Array<Promise<Call>> = [];
      for (let i = 0; i < 60; i++) {
        const id = ids[i % 2] as string;
        changes.push(call(url, 'PATCH', `/api/alerts/${id}`, { assignee: `analyst-${i}` }));
        changes.push(call(url, 'POST', `/api/alerts/${id}/notes`, { text: `note ${i}` }));
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      const results = await Promise.all(changes);
      await ingest;
      expect(results.map((r) => r.status).filter((st) => st !== 200 && st !== 201)).toEqual([]);
      const health = await caughtUp(url);
      // Every write is there: 30 assignee changes and 30 notes per alert; detection stored its 2 + 30 alerts.
      const first = await call(url, 'GET', `/api/alerts/${ids[0]}`);
      expect(first.body['sigmatch']['triage']['notes']).toHaveLength(30);
      // Requests in flight together arrive in any order: the state is the last change the audit trail has.
      const firstAudit = (await call(url, 'GET', `/api/alerts/${ids[0]}/audit`)).body['audit'] as Json[];
      expect(first.body['sigmatch']['triage']['assignee']).toBe(firstAudit.filter((e) => e['field'] === 'assignee').at(-1)?.['new']);
      expect(new Set(firstAudit.filter((e) => e['field'] === 'assignee').map((e) => e['new'])).size).toBe(30);
      const audit = (await call(url, 'GET', `/api/alerts/${ids[1]}/audit`)).body['audit'] as Json[];
      expect(audit.filter((e) => e['field'] === 'assignee')).toHaveLength(30);
      expect(audit.filter((e) => e['field'] === 'note')).toHaveLength(30);
      expect(health['alerts']).toBe(32);
      expect(health['detection']['last_error']).toBeNull();
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    }
  });
});
