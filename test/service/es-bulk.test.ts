import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, CORPUS } from '../helpers.js';
import { itemText, parseBulk } from '../../src/service/ingest/es-bulk.js';
import { startTestService, type TestService } from './in-process.js';
import { networkConnect, networkConnectEcs, noise, processCreate } from './winlogbeat-docs.js';

const ROOT = resolve(__dirname, '../..');
const SEED_RULE = resolve(ROOT, 'rules/net_connection_win_cmstp_initiated_connection.yml');
const SIGMAHQ_CMSTP_UAC = 'windows/process_creation/proc_creation_win_uac_bypass_cmstp.yml';
const SIGMAHQ_CMSTP_NET = 'windows/network_connection/net_connection_win_cmstp_initiated_connection.yml';

const T0 = Date.parse('2026-11-20T09:14:03.512Z');
const cmstp = (host: string, record: number, process = 1) => ({ host, record, guid: `{8c1a7f52-a93b-6739-2a04-${String(process).padStart(12, '0')}}`, pid: 6644, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + record });

let svc: TestService;
const haveCorpus = corpusAvailable();
beforeAll(async () => {
  const rules = [SEED_RULE, ...(haveCorpus ? [resolve(CORPUS, 'sigmahq/rules', SIGMAHQ_CMSTP_UAC), resolve(CORPUS, 'sigmahq/rules', SIGMAHQ_CMSTP_NET)] : [])];
  svc = await startTestService(rules);
});
afterAll(async () => {
  await svc.close();
});

interface AlertDoc {
  rule: { id: string; name: string };
  host: { name: string };
  process: { command_line?: string; parent: { executable?: string }; context?: string };
  destination: { ip?: string };
  sigmatch: { alert: { event_key: string; received: string } };
}
async function alerts(query = ''): Promise<AlertDoc[]> {
  const res = await fetch(`${svc.url}/api/alerts?limit=1000${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { alerts: AlertDoc[] }).alerts;
}

describe('Elasticsearch-compatible ingest', () => {
  it('passes the official client’s product check and takes its bulk helper’s gzip batches, detecting on Winlogbeat documents', async () => {
    const client = new Client({ node: svc.url, compression: true });
    try {
      const info = await client.info();
      expect(info.version.number).toMatch(/^9\./); // the client's own version echoed
      expect(info.tagline).toBe('You Know, for Search');
      const docs: object[] = [];
      for (let r = 1; r <= 300; r++) docs.push(noise('WS-ES', r, T0 + r));
      docs.push(processCreate(cmstp('WS-ES', 301), 'cmstp.exe /ni /s C:\\Users\\jdoe\\AppData\\Local\\Temp\\vpn.inf'));
      docs.push(networkConnect(cmstp('WS-ES', 302), '203.0.113.50'));
      docs.push(networkConnect(cmstp('WS-ES', 303), '10.1.2.3')); // a local address: the rule's filter leaves it out
      const result = await client.helpers.bulk({ datasource: docs, onDocument: () => ({ create: { _index: 'winlogbeat-9.1.3' } }), flushBytes: 20_000, concurrency: 2 });
      expect(result.failed).toBe(0);
      expect(result.successful).toBe(docs.length);
      expect(result.total).toBe(docs.length);
      await svc.caughtUp();
      const seed = await alerts('&rule=47c894ee-c2b8-55e8-b332-3ba3ee37e8ce');
      expect(seed).toHaveLength(1);
      expect(seed[0]?.destination.ip).toBe('203.0.113.50');
      expect(seed[0]?.process.command_line).toContain('vpn.inf'); // the process story from the EID 1 before it
      expect(seed[0]?.process.context).toBe('found by guid');
      // Its event's dedup key and receive time are those of its journal row (detection reads them only for alerts).
      const row = svc.service.journal.db.prepare("SELECT key, received FROM journal WHERE doc LIKE '%203.0.113.50%'").get() as { key: Buffer; received: number };
      expect(seed[0]?.sigmatch.alert.event_key).toBe(row.key.toString('hex'));
      expect(seed[0]?.sigmatch.alert.received).toBe(new Date(row.received).toISOString());
      if (haveCorpus) {
        // SigmaHQ's own rules on the same documents: the UAC-bypass process rule and its network rule.
        expect((await alerts('&rule=e66779cc-383e-4224-a3a4-267eeb585c40')).length).toBe(1);
        expect((await alerts('&rule=efafe0bf-4238-479e-af8f-797bd3490d2d')).length).toBe(1);
      }
      // Shipped again (a shipper retrying after a lost reply): all acknowledged, nothing detected twice.
      const again = await client.helpers.bulk({ datasource: docs, onDocument: () => ({ index: { _index: 'winlogbeat-9.1.3' } }) });
      expect(again.successful).toBe(docs.length);
      await svc.caughtUp();
      expect(await alerts('&rule=47c894ee-c2b8-55e8-b332-3ba3ee37e8ce')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('maps the ECS-only shape (after the ingest pipeline) to the same Sigma fields', async () => {
    const body = [JSON.stringify({ create: { _index: 'logs-windows.sysmon_operational-default' } }), JSON.stringify(networkConnectEcs(cmstp('WS-ECS', 9), '198.51.100.7')), ''].join('\n');
    const res = await fetch(`${svc.url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(res.status).toBe(200);
    await svc.caughtUp();
    const hits = await alerts('&host=WS-ECS');
    expect(hits.map((a) => a.rule.id)).toContain('47c894ee-c2b8-55e8-b332-3ba3ee37e8ce');
    if (haveCorpus) expect(hits.map((a) => a.rule.id)).toContain('efafe0bf-4238-479e-af8f-797bd3490d2d');
  });

  it('answers one item per action in request order, with the action’s name, _index and _id', async () => {
    const lines = [
      { index: { _index: 'a', _id: 'first' } }, noise('WS-ORDER', 1, T0),
      { delete: { _index: 'a', _id: 'gone' } },
      { create: {} }, noise('WS-ORDER', 2, T0),
      { update: { _index: 'b', _id: 'u1' } }, { doc: noise('WS-ORDER', 3, T0) },
      { create: { _index: 'c' } }, noise('WS-ORDER', 1, T0), // the first document again: a duplicate, still a success
    ];
    const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"create":{}}\nnot json at all\n';
    const res = await fetch(`${svc.url}/winlogbeat-9.1.3/_bulk`, { method: 'POST', headers: { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const text = await res.text();
    expect(text).toMatch(/^\{"took":\d+,"errors":false,"items":\[/);
    const items = (JSON.parse(text) as { items: Array<Record<string, { _index: string; _id: string; status: number; result: string }>> }).items;
    expect(items.map((i) => Object.keys(i)[0])).toEqual(['index', 'delete', 'create', 'update', 'create', 'create']);
    expect(items.map((i) => Object.values(i)[0]?._index)).toEqual(['a', 'a', 'winlogbeat-9.1.3', 'b', 'c', 'winlogbeat-9.1.3']);
    expect(items[0]?.['index']?._id).toBe('first');
    expect(items.map((i) => Object.values(i)[0]?.result)).toEqual(['created', 'noop', 'created', 'created', 'noop', 'noop']);
    expect(items.every((i) => (Object.values(i)[0]?.status ?? 999) < 300)).toBe(true);
    const q = svc.service.journal.db.prepare("SELECT reason FROM quarantine WHERE protocol = 'es-bulk'").pluck().all() as string[];
    expect(q.some((r) => r.startsWith('not JSON'))).toBe(true);
  });

  it('answers the start-up calls of Beats and Logstash: license, cluster health, templates, ILM, pipelines', async () => {
    const get = (path: string, init: RequestInit = {}) => fetch(`${svc.url}${path}`, init);
    const license = (await (await get('/_license?human=false')).json()) as { license: { status: string; type: string } };
    expect(license.license).toMatchObject({ status: 'active', type: 'basic' });
    expect(((await (await get('/_cluster/health')).json()) as { status: string }).status).toBe('green');
    const ua = { 'user-agent': 'Elastic-Winlogbeat/9.1.3 (windows; amd64; 0abc; 2026-10-01 00:00:00 +0000 UTC)' };
    expect(((await (await get('/', { headers: ua })).json()) as { version: { number: string } }).version.number).toBe('9.1.3');
    expect((await get('/', { method: 'HEAD' })).status).toBe(200);
    for (const path of ['/_index_template/winlogbeat-9.1.3', '/_ilm/policy/winlogbeat', '/_ingest/pipeline/winlogbeat-9.1.3-routing']) {
      expect((await get(path, { method: 'HEAD' })).status).toBe(404);
      const put = await get(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"description":"x"}' });
      expect(put.status).toBe(200);
      expect(await put.json()).toEqual({ acknowledged: true });
      expect((await get(path, { method: 'HEAD' })).status).toBe(200);
      expect((await get(path)).status).toBe(200);
    }
  });

  it('refuses bad requests whole with a 4xx and a reason, and goes on serving', async () => {
    const post = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/x-ndjson' }) => fetch(`${svc.url}/_bulk`, { method: 'POST', headers, body });
    const before = svc.service.journal.lastPosition;
    const cases: Array<[string | Uint8Array, Record<string, string> | undefined, number, RegExp]> = [
      ['{"create":{}}\n{"a":1}\n{broken action\n{"b":2}\n', undefined, 400, /line \[3\]/],
      ['{"launch":{}}\n{"a":1}\n', undefined, 400, /expected one of index, create, update, delete/],
      ['{"create":{}}\n', undefined, 400, /no document line/],
      [gzipSync('{"create":{}}\n{"a":1}\n').subarray(0, 15), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, 400, /does not decompress/],
      [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), undefined, 400, /not valid UTF-8/],
      ['{"create":{}}\n{"a":1}\n', { 'content-type': 'text/csv' }, 406, /not supported/],
      ['', undefined, 400, /body is required/],
    ];
    for (const [body, headers, status, reason] of cases) {
      const res = await post(body, headers);
      expect(res.status).toBe(status);
      const j = (await res.json()) as { error: { reason: string } };
      expect(j.error.reason).toMatch(reason);
    }
    expect(svc.service.journal.lastPosition).toBe(before);
    const ok = await post('{"create":{}}\n' + JSON.stringify(noise('WS-AFTER', 1, T0)) + '\n');
    expect(ok.status).toBe(200);
  });

  it('writes each reply item as the text JSON.stringify gives its object, for every outcome and odd names and ids', () => {
    const { actions } = parseBulk('{"create":{"_index":"a\\"b","_id":7}}\n{"x":1}\n{"index":{"_id":"q\\"\\u00e9"}}\n{"y":2}\n{"delete":{"_index":"\\u2028"}}\n{"create":{}}\n{"z":3}\n', 'dflt');
    const object = (a: (typeof actions)[number], outcome: number | 'duplicate' | 'quarantined' | undefined, id: string) => {
      const created = typeof outcome === 'number';
      return { [a.name]: { _index: a.index, _id: a.id ?? id, _version: 1, result: created ? 'created' : 'noop', _shards: { total: 1, successful: 1, failed: 0 }, ...(created ? { _seq_no: outcome, _primary_term: 1 } : {}), status: created ? 201 : 200 } };
    };
    for (const a of actions)
      for (const outcome of [123456, 'duplicate', 'quarantined', undefined] as const) {
        const text = itemText(a, outcome);
        const id = (Object.values(JSON.parse(text) as object)[0] as { _id: string })._id;
        if (a.id === undefined) expect(id).toMatch(typeof outcome === 'number' ? /^sm2n9c$/ : /^sm-[0-9a-f]{12}$/);
        expect(text).toBe(JSON.stringify(object(a, outcome, id)));
      }
    expect(actions.map((a) => [a.name, a.index, a.id])).toEqual([['create', 'a"b', '7'], ['index', 'dflt', 'q"é'], ['delete', '\u2028', undefined], ['create', 'dflt', undefined]]);
  });
});
