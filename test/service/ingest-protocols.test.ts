import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAlerts as storedAlerts, startTestService, type TestService } from './in-process.js';
import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

const run = promisify(execFile);
const SEED_RULE = resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml');
const RULE_ID = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';
const T0 = Date.parse('2026-11-20T09:14:03.512Z');
const ids = (host: string, record: number) => ({ host, record, guid: '{8c1a7f52-a93b-6739-2a04-000000000042}', pid: 6644, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + record });

let svc: TestService;
const hostAlerts = (host: string) => storedAlerts(svc, host);
beforeAll(async () => {
  svc = await startTestService([SEED_RULE], { tcp: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  await svc.close();
});


/** curl, as an operator would test HEC: status line and body. */
async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

describe('Splunk HEC (with curl)', () => {
  it('takes back-to-back event envelopes and hands out an ackId that the ack endpoint confirms', async () => {
    const envelopes = [processCreate(ids('WS-HEC', 1), 'cmstp.exe /s hec.inf'), networkConnect(ids('WS-HEC', 2), '203.0.113.9')].map((e) => JSON.stringify({ time: T0 / 1000, host: 'ws-hec', sourcetype: 'WinEventLog', event: e })).join('');
    const r = await curl(['-H', 'Authorization: Splunk any-token', '-H', 'X-Splunk-Request-Channel: 6c3e8a34-1b2a-4f5e-9d1a-0a0b0c0d0e0f', '--data-binary', envelopes, `${svc.url}/services/collector/event`]);
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.body) as { code: number; ackId: number };
    expect(reply).toMatchObject({ text: 'Success', code: 0 });
    expect(reply.ackId).toBe(0);
    const ack = await curl(['-H', 'X-Splunk-Request-Channel: 6c3e8a34-1b2a-4f5e-9d1a-0a0b0c0d0e0f', '--data-binary', '{"acks":[0,1]}', `${svc.url}/services/collector/ack`]);
    expect(JSON.parse(ack.body)).toEqual({ acks: { '0': true, '1': false } });
    const alerts = await hostAlerts('WS-HEC');
    expect(alerts.map((a) => a.rule.id)).toEqual([RULE_ID]);
    expect(alerts[0]?.process.command_line).toBe('cmstp.exe /s hec.inf');
  });

  it('answers health, raw lines with a channel, and Splunk’s error codes', async () => {
    expect(JSON.parse((await curl([`${svc.url}/services/collector/health`])).body)).toEqual({ text: 'HEC is healthy', code: 17 });
    const raw = await curl(['--data-binary', `${JSON.stringify(noise('WS-RAW', 1, T0))}\nplain text line\n`, `${svc.url}/services/collector/raw?channel=abc`]);
    expect(raw.status).toBe(200);
    const noChannel = await curl(['--data-binary', 'x', `${svc.url}/services/collector/raw`]);
    expect(noChannel.status).toBe(400);
    expect(JSON.parse(noChannel.body)).toMatchObject({ code: 10, text: 'Data channel is missing' });
    const noEvent = await curl(['--data-binary', '{"host":"x"}', `${svc.url}/services/collector/event`]);
    expect(JSON.parse(noEvent.body)).toMatchObject({ code: 12, 'invalid-event-number': 0 });
    const broken = await curl(['--data-binary', '{"event":"a"}{"event":', `${svc.url}/services/collector/event`]);
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ code: 6, text: 'Invalid data format' });
    const empty = await curl(['--data-binary', '', `${svc.url}/services/collector/event`]);
    expect(JSON.parse(empty.body)).toMatchObject({ code: 5 });
  });
});

describe('plain HTTP JSON', () => {
  it('takes JSON lines, an array, and one pretty-printed object, gzip or not', async () => {
    const h = { 'content-type': 'application/x-ndjson' };
    expect((await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { ...h, 'content-encoding': 'gzip' }, body: gzipSync(`${JSON.stringify(processCreate(ids('WS-HTTP', 1), 'cmstp /s a.inf'))}\n`) })).status).toBe(200);
    const arr = await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([noise('WS-HTTP', 2, T0), noise('WS-HTTP', 3, T0)]) });
    expect(await arr.json()).toEqual({ accepted: 2, duplicates: 0 });
    const one = await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(networkConnect(ids('WS-HTTP', 4), '203.0.113.10'), null, 2) });
    expect(await one.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await hostAlerts('WS-HTTP')).map((a) => a.rule.id)).toEqual([RULE_ID]);
  });

  it('refuses a bad line, a wrong content type and an oversized body whole, with a reason', async () => {
    const before = svc.service.journal.lastPosition;
    const bad = await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify(noise('WS-BAD', 1, T0))}\n{"half":\n` });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^line 2: not JSON/);
    const type = await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(type.status).toBe(415);
    expect(svc.service.journal.lastPosition).toBe(before);
  });
});

describe('OTLP logs over HTTP (JSON)', () => {
  it('maps the windowseventlog receiver’s body and plain JSON bodies to events', async () => {
    const kv = (o: Record<string, unknown>): unknown => ({ kvlistValue: { values: Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'object' && v !== null ? kv(v as Record<string, unknown>) : typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) } })) } });
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'host.name', value: { stringValue: 'ws-otel' } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: String(BigInt(T0) * 1_000_000n), body: kv({ channel: 'Microsoft-Windows-Sysmon/Operational', computer: 'WS-OTEL', record_id: 1, system_time: new Date(T0).toISOString(), event_id: { id: 1 }, provider: { name: 'Microsoft-Windows-Sysmon' }, event_data: { ProcessGuid: '{aa}', ProcessId: '1', Image: 'C:\\Windows\\System32\\cmstp.exe', CommandLine: 'cmstp /s otel.inf' } }) },
                { body: { stringValue: JSON.stringify(networkConnect({ ...ids('WS-OTEL', 2), guid: '{aa}' }, '203.0.113.11')) } },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${svc.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: {} });
    const alerts = await hostAlerts('WS-OTEL');
    expect(alerts.map((a) => a.rule.id)).toEqual([RULE_ID]);
    expect(alerts[0]?.process.command_line).toBe('cmstp /s otel.inf');
    const proto = await fetch(`${svc.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([10, 0]) });
    // An empty ResourceLogs in the protobuf encoding: accepted, answered in protobuf (more in otlp-exporters.test.ts).
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
  });
});

describe('TCP JSON lines', () => {
  it('journals each line, quarantines one that is not JSON, and keeps the connection open', async () => {
    const port = svc.service.tcpAddress?.port as number;
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`${JSON.stringify(processCreate(ids('WS-TCP', 1), 'cmstp /s tcp.inf'))}\nnot json\n${JSON.stringify(networkConnect(ids('WS-TCP', 2), '203.0.113.12')).slice(0, 40)}`);
    socket.write(`${JSON.stringify(networkConnect(ids('WS-TCP', 2), '203.0.113.12')).slice(40)}\n`);
    let alerts: Awaited<ReturnType<typeof hostAlerts>> = [];
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      alerts = await hostAlerts('WS-TCP');
    }
    expect(alerts.map((a) => a.rule.id)).toEqual([RULE_ID]);
    expect(socket.destroyed).toBe(false);
    socket.end();
    const q = svc.service.journal.db.prepare("SELECT text FROM quarantine WHERE protocol = 'tcp'").pluck().all();
    expect(q).toEqual(['not json']);
  });
});
