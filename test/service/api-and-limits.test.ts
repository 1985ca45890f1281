import { request } from 'node:http';
import { resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './in-process.js';
import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

const RULES = resolve(__dirname, '../../rules');
const T0 = Date.parse('2026-11-20T09:00:00Z');
const open: TestService[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
async function start(config: Parameters<typeof startTestService>[1] = {}): Promise<TestService> {
  const s = await startTestService([RULES], config);
  open.push(s);
  return s;
}
const ndjson = (docs: object[]) => docs.map((d) => JSON.stringify(d)).join('\n');
const post = (url: string, docs: object[], headers: Record<string, string> = {}) => fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers }, body: ndjson(docs) });

/** cmstp start + outbound connection on a host, at a given minute. */
function attack(host: string, record: number, minute: number): object[] {
  const ids = { host, record, guid: `{8c1a7f52-0000-0000-0000-${String(record).padStart(12, '0')}}`, pid: 7000 + record, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + minute * 60_000 };
  return [processCreate(ids, 'cmstp.exe /s x.inf'), networkConnect({ ...ids, record: record + 1 }, '203.0.113.60')];
}

describe('alert API', () => {
  it('pages newest first with a cursor, filters by host, rule, level and event time, and returns one alert by id', async () => {
    const s = await start();
    const docs: object[] = [];
    for (let i = 0; i < 12; i++) docs.push(...attack(i % 2 === 0 ? 'WS-EVEN' : 'WS-ODD', 10 + i * 2, i));
    expect((await post(s.url, docs)).status).toBe(200);
    await s.caughtUp();
    type Page = { alerts: Array<{ kibana: { alert: { uuid: string } }; host: { name: string }; rule: { level: string; id: string } }>; next: string | null };
    const get = async (q: string): Promise<Page> => (await (await fetch(`${s.url}/api/alerts?${q}`)).json()) as Page;
    // Each attack gives two alerts: the informational utility start and the high outbound connection.
    const seen: string[] = [];
    let page = await get('limit=5');
    for (;;) {
      seen.push(...page.alerts.map((a) => a.kibana.alert.uuid));
      if (page.next === null) break;
      page = await get(`limit=5&cursor=${page.next}`);
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect((await get('host=ws-even')).alerts.every((a) => a.host.name === 'WS-EVEN')).toBe(true);
    expect((await get('host=WS-EVEN')).alerts).toHaveLength(12);
    expect((await get('level=high')).alerts.every((a) => a.rule.level === 'high')).toBe(true);
    expect((await get('rule=47c894ee-c2b8-55e8-b332-3ba3ee37e8ce')).alerts).toHaveLength(12);
    const from = new Date(T0 + 6 * 60_000).toISOString();
    expect((await get(`level=high&from=${from}`)).alerts).toHaveLength(6);
    const id = seen[0] as string;
    const one = (await (await fetch(`${s.url}/api/alerts/${id}`)).json()) as { kibana: { alert: { uuid: string } } };
    expect(one.kibana.alert.uuid).toBe(id);
    expect((await fetch(`${s.url}/api/alerts/${'0'.repeat(32)}`)).status).toBe(404);
    const bad = await fetch(`${s.url}/api/alerts?level=severe`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/'level'/);
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as { alerts: number; journal: { events: number }; detection: { lag_events: number }; ingest: { events: number; rate_per_second: number; sources: { protocol: string; client: string; events: number }[] } };
    expect(health).toMatchObject({ alerts: 24, journal: { events: 24 }, detection: { lag_events: 0 }, ingest: { events: 24 } });
    // One sender: the NDJSON endpoint from this test's address, named by its User-Agent's product.
    expect(health.ingest.sources).toHaveLength(1);
    expect(health.ingest.sources[0]).toMatchObject({ protocol: 'ndjson', events: 24 });
    expect(health.ingest.sources[0]?.client).toMatch(/127\.0\.0\.1 node$/);
    expect(health.ingest.rate_per_second).toBeGreaterThan(0);
    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toMatch(/^# HELP sigmatch_ingest_events_total /);
    expect(text).toMatch(/\nsigmatch_ingest_events_total 24\n/);
    expect(text).toMatch(/\nsigmatch_alerts 24\n/);
    expect(text).toMatch(/\nsigmatch_detection_lag_events 0\n/);
    await post(s.url, [{}], { 'content-type': 'text/csv' });
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/\nsigmatch_requests_rejected_total\{status="415"\} 1\n/);
  });

  it('needs the API token when one is set, and an ingest token cannot read alerts', async () => {
    const s = await start({ apiToken: 'read-secret', ingestToken: 'ship-secret' });
    expect((await post(s.url, [noise('WS-T', 1, T0)])).status).toBe(401);
    expect((await post(s.url, [noise('WS-T', 1, T0)], { authorization: `Basic ${Buffer.from('elastic:ship-secret').toString('base64')}` })).status).toBe(200);
    expect((await post(s.url, [noise('WS-T', 2, T0)], { authorization: `ApiKey ${Buffer.from('id:ship-secret').toString('base64')}` })).status).toBe(200);
    expect((await fetch(`${s.url}/api/alerts`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/alerts`, { headers: { authorization: 'Bearer ship-secret' } })).status).toBe(401);
    expect((await fetch(`${s.url}/api/alerts`, { headers: { authorization: 'Bearer read-secret' } })).status).toBe(200);
    // The official client with Basic auth, as Winlogbeat's username/password would send it.
    const client = new Client({ node: s.url, auth: { username: 'elastic', password: 'ship-secret' } });
    try {
      const r = await client.bulk({ operations: [{ create: { _index: 'w' } }, noise('WS-T', 3, T0)] });
      expect(r.errors).toBe(false);
    } finally {
      await client.close();
    }
  });
});

describe('limits', () => {
  it('answers a whole-request 429 when the backlog is past its bound, through the official client too', async () => {
    const s = await start({ maxBacklog: 5 });
    // Detection runs on the same thread after the commit: three requests in one turn pass the bound before it runs.
    const results = await Promise.all([0, 1, 2].map((i) => post(s.url, [noise('WS-L', i * 3 + 1, T0), noise('WS-L', i * 3 + 2, T0), noise('WS-L', i * 3 + 3, T0)])));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toContain(429);
    const refused = results.find((r) => r.status === 429);
    expect(refused?.headers.get('retry-after')).toBe('5');
    const client = new Client({ node: s.url, maxRetries: 0 });
    try {
      const many = Array.from({ length: 6 }, (_, i) => [{ create: {} }, noise('WS-L', 100 + i, T0)]).flat();
      await expect(client.bulk({ operations: many })).rejects.toMatchObject({ meta: { statusCode: 429 } });
    } finally {
      await client.close();
    }
  });

  it('answers 507 when the disk is full and loses nothing already acknowledged', async () => {
    const s = await start();
    expect((await post(s.url, attack('WS-FULL', 1, 0))).status).toBe(200);
    await s.caughtUp();
    const db = s.service.journal.db;
    // A full disk, as SQLite sees it: no page may be added.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = Array.from({ length: 200 }, (_, i) => noise('WS-FULL', 100 + i, T0));
    const full = await post(s.url, big);
    expect(full.status).toBe(507);
    expect(((await full.json()) as { error: string }).error).toMatch(/journal could not be written/);
    db.pragma('max_page_count = 1073741823');
    expect((await post(s.url, big)).status).toBe(200);
    await s.caughtUp();
    expect(db.prepare('SELECT count(*) FROM journal').pluck().get()).toBe(202);
    expect(s.service.store.count()).toBe(2);
  });

  it('answers 413 for a body over the limit, and a slow client does not hold up others', async () => {
    const s = await start({ maxBodyBytes: 1000, maxDecodedBytes: 4000 });
    const huge = await post(s.url, Array.from({ length: 20 }, (_, i) => noise('WS-BIG', i, T0)));
    expect(huge.status).toBe(413);
    // A client that sends half a request and stalls.
    const slow = request({ host: '127.0.0.1', port: s.service.address.port, method: 'POST', path: '/ingest', headers: { 'content-type': 'application/x-ndjson', 'content-length': '500' } });
    slow.on('error', () => undefined);
    slow.write('{"a":');
    const ok = await post(s.url, [noise('WS-FAST', 1, T0)]);
    expect(ok.status).toBe(200);
    // The stalled client goes away mid-body: answered as its own fault, not logged as a bug; the service goes on.
    slow.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(s.errors).toEqual([]);
    expect((await post(s.url, [noise('WS-FAST', 2, T0)])).status).toBe(200);
  });
});
