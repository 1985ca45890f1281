import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './in-process.js';
import { networkConnect } from './winlogbeat-docs.js';

const rules = mkdtempSync(join(tmpdir(), 'sigmatch-filter-rules-'));
let svc: TestService | undefined;
afterAll(async () => {
  await svc?.close();
  rmSync(rules, { recursive: true, force: true });
});

describe('Sigma filters in the live service', () => {
  it('does not store an alert a filter found beside the rules suppresses, and stores the others', async () => {
    copyFileSync(resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml'), join(rules, 'cmstp.yml'));
    writeFileSync(
      join(rules, 'mf_vpn.yml'),
      `title: 'Known good: the VPN profile server'
logsource: {category: network_connection, product: windows}
filter:
    rules: [47c894ee-c2b8-55e8-b332-3ba3ee37e8ce]
    selection:
        DestinationIp|cidr: '198.51.100.0/24'
    condition: not selection
`,
    );
    svc = await startTestService([rules]);
    const ids = (record: number) => ({ host: 'WS-F', record, guid: '{8c1a7f52-0000-0000-0000-000000000001}', pid: 1, image: 'C:\\Windows\\System32\\cmstp.exe', time: Date.parse('2026-11-20T09:00:00Z') + record });
    const body = [networkConnect(ids(1), '198.51.100.7'), networkConnect(ids(2), '203.0.113.7')].map((d) => JSON.stringify(d)).join('\n');
    expect((await fetch(`${svc.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })).status).toBe(200);
    await svc.caughtUp();
    const alerts = ((await (await fetch(`${svc.url}/api/alerts`)).json()) as { alerts: Array<{ destination: { ip: string } }> }).alerts;
    expect(alerts.map((a) => a.destination.ip)).toEqual(['203.0.113.7']);
  });
});
