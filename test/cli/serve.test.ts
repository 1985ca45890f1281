import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { caughtUp, serveScratch, startServe } from '../service/serve-process.js';
import { sigmatch, sigmatchAsync } from './run-cli.js';

const run = promisify(execFile);
const { tmp, children } = serveScratch();

describe('sigmatch serve', () => {
  it('binds to loopback when given a port alone, reports a broken rule and runs the others, and stops on SIGINT with code 0', async () => {
    const rules = tmp('sigmatch-serve-rules-');
    copyFileSync(resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml'), join(rules, 'good.yml'));
    writeFileSync(join(rules, 'broken.yml'), 'title: Broken\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: x\n    condition: sel and nothing\n');
    const data = tmp('sigmatch-serve-data-');
    const s = await startServe(['--rules', rules, '--data', data, '--listen', '0', '--no-cache']);
    children.push(s);
    expect(s.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; 1 rules \(1 not loaded\)/);
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as { rules: { loaded: number; errors: Array<{ rule: string; reason: string }> } };
    expect(health.rules.loaded).toBe(1);
    expect(health.rules.errors.map((e) => e.rule).join(' ')).toContain('broken.yml');
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/SIGINT, stopping\nsigmatch serve: stopped\n$/);
  });

  it('stops on SIGTERM, and a restart on the same data keeps the alerts', async () => {
    const data = tmp('sigmatch-serve-data-');
    const s = await startServe(['--data', data, '--no-cache']);
    children.push(s);
    const doc = { '@timestamp': '2026-11-20T09:14:05.020Z', winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'WS1', event_id: '3', record_id: 2, event_data: { Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '203.0.113.50' } } };
    expect((await fetch(`${s.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) })).status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const again = await startServe(['--data', data, '--no-cache']);
    children.push(again);
    let alerts: unknown[] = [];
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      alerts = ((await (await fetch(`${again.url}/api/alerts`)).json()) as { alerts: unknown[] }).alerts;
      if (alerts.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(alerts).toHaveLength(1);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('ends with a message and code 74, not a hang, when the address is taken', async () => {
    const first = await startServe(['--data', tmp('sigmatch-serve-data-'), '--no-cache']);
    children.push(first);
    const r = await sigmatchAsync(['serve', '--data', tmp('sigmatch-serve-data-'), '--listen', `127.0.0.1:${first.port}`, '--no-cache']);
    expect(r.code).toBe(74);
    expect(r.stderr).toMatch(/EADDRINUSE/);
    expect(r.stderr).not.toMatch(/internal error/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('refuses a bad address with a usage error naming the option', () => {
    const r = sigmatch(['serve', '--listen', 'nowhere:port']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--listen/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('serves HTTPS with --tls-cert/--tls-key: the Elasticsearch client ships over TLS, curl reads the alert; plain HTTP to it fails and the service goes on', async () => {
    const dir = tmp('sigmatch-serve-tls-');
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const s = await startServe(['--data', tmp('sigmatch-serve-data-'), '--no-cache', '--tls-cert', cert, '--tls-key', key]);
    children.push(s);
    expect(s.url).toMatch(/^https:/);
    const plain = await fetch(s.url.replace('https:', 'http:') + '/').then(() => 'answered', () => 'refused');
    expect(plain).toBe('refused');
    const client = new Client({ node: s.url, tls: { ca: readFileSync(cert) } });
    try {
      const doc = { '@timestamp': '2026-11-20T09:14:05.020Z', winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'WS-TLS', event_id: '3', record_id: 2, event_data: { Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '203.0.113.50' } } };
      const result = await client.helpers.bulk({ datasource: [doc], onDocument: () => ({ create: { _index: 'winlogbeat-9.1.3' } }) });
      expect(result.successful).toBe(1);
    } finally {
      await client.close();
    }
    let body = '';
    for (let i = 0; i < 100 && !body.includes('WS-TLS'); i++) {
      body = (await run('curl', ['-s', '--cacert', cert, `${s.url}/api/alerts?host=WS-TLS`])).stdout;
      if (!body.includes('WS-TLS')) await new Promise((r) => setTimeout(r, 30));
    }
    expect((JSON.parse(body) as { alerts: Array<{ rule: { id: string } }> }).alerts.map((a) => a.rule.id)).toEqual(['47c894ee-c2b8-55e8-b332-3ba3ee37e8ce']);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refuses half a TLS setup and files that are not a certificate and key, naming them', async () => {
    const dir = tmp('sigmatch-serve-tls-bad-');
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const half = await sigmatchAsync(['serve', '--data', tmp('sigmatch-serve-data-'), '--tls-cert', junk]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--tls-cert and --tls-key go together');
    const bad = await sigmatchAsync(['serve', '--data', tmp('sigmatch-serve-data-'), '--tls-cert', junk, '--tls-key', junk]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--tls-cert ${junk} / --tls-key ${junk}: not a PEM certificate and its private key`);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    const missing = await sigmatchAsync(['serve', '--data', tmp('sigmatch-serve-data-'), '--tls-cert', join(dir, 'nope.pem'), '--tls-key', junk]);
    expect(missing.stderr).toContain(`--tls-cert ${join(dir, 'nope.pem')}: cannot read it (ENOENT)`);
  });

  it('reloads rules on SIGHUP and on a file change, keeping process context and stored alerts; a broken rule is reported and the others run', async () => {
    const rules = tmp('sigmatch-serve-reload-');
    const pack = resolve(__dirname, '../../rules');
    copyFileSync(join(pack, 'net_connection_win_cmstp_initiated_connection.yml'), join(rules, 'cmstp.yml'));
    const s = await startServe(['--rules', rules, '--data', tmp('sigmatch-serve-data-'), '--no-cache']);
    children.push(s);
    const sysmon = (host: string, record: number, eventId: number, data: Record<string, string>) => ({ '@timestamp': new Date(Date.parse('2026-11-20T09:14:00Z') + record * 1000).toISOString(), winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: host, event_id: String(eventId), record_id: record, event_data: data } });
    const ship = async (doc: object) => expect((await fetch(`${s.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) })).status).toBe(200);
    const xwizard = 'C:\\Windows\\System32\\xwizard.exe';
    const guid = '{8c1a7f52-a93b-6739-2a04-0000000000aa}';
    // Before the reload: xwizard starts (context only: no rule for it is loaded) and connects out: no alert.
    await ship(sysmon('WS-RELOAD', 1, 1, { ProcessGuid: guid, ProcessId: '700', Image: xwizard, CommandLine: 'xwizard RunWizard /taero /u {7940acf8-60ba-4213-a7c3-f3b400ee266d}', ParentImage: 'C:\\Windows\\explorer.exe' }));
    await ship(sysmon('WS-RELOAD', 2, 3, { ProcessGuid: guid, ProcessId: '700', Image: xwizard, Initiated: 'true', DestinationIp: '203.0.113.60', DestinationPort: '443' }));
    const alerts = async (host: string) => {
      await caughtUp(s.url);
      return ((await (await fetch(`${s.url}/api/alerts?host=${host}`)).json()) as { alerts: Array<{ rule: { id: string }; process: { command_line?: string } }> }).alerts;
    };
    expect(await alerts('WS-RELOAD')).toEqual([]);
    const waitFor = async (re: RegExp, from: number) => {
      for (let i = 0; i < 300 && !re.test(s.stderr().slice(from)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(s.stderr().slice(from)).toMatch(re);
    };
    // The xwizard rule is added and a broken file beside it: SIGHUP.
    const xwRule = readFileSync(join(pack, 'net_connection_win_xwizard_initiated_connection.yml'), 'utf8');
    writeFileSync(join(rules, 'broken.yml'), 'title: Broken\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: x\n    condition: sel and nothing\n');
    writeFileSync(join(rules, 'xwizard.yml'), xwRule);
    let from = s.stderr().length;
    s.child.kill('SIGHUP');
    await waitFor(/rules reloaded \((SIGHUP|a rule file changed)\): 2 rules \(1 not loaded\)/, from);
    // The same process connects again: the new rule fires, and the process started before the reload is its story.
    await ship(sysmon('WS-RELOAD', 3, 3, { ProcessGuid: guid, ProcessId: '700', Image: xwizard, Initiated: 'true', DestinationIp: '203.0.113.61', DestinationPort: '443' }));
    const after = await alerts('WS-RELOAD');
    const xwId = /^id: (\S+)/m.exec(xwRule)?.[1];
    expect(after.map((a) => a.rule.id)).toEqual([xwId]);
    expect(after[0]?.process.command_line).toContain('xwizard RunWizard');
    const health = (await (await fetch(`${s.url}/api/health`)).json()) as { rules: { loaded: number; errors: Array<{ rule: string }>; reloads: number } };
    expect(health.rules.loaded).toBe(2);
    expect(health.rules.errors.map((e) => e.rule).join(' ')).toContain('broken.yml');
    // A file change alone reloads too: the cmstp rule removed.
    from = s.stderr().length;
    rmSync(join(rules, 'cmstp.yml'));
    await waitFor(/rules reloaded \(a rule file changed\): 1 rules \(1 not loaded\)/, from);
    await ship(sysmon('WS-RELOAD2', 4, 3, { Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '203.0.113.62' }));
    expect(await alerts('WS-RELOAD2')).toEqual([]);
    expect(await alerts('WS-RELOAD')).toHaveLength(1);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('--filters: the site\'s filters gate live alerts, and a filter added later applies after the reload', async () => {
    const tuning = tmp('sigmatch-serve-filters-');
    const filter = (title: string, ip: string) => `title: ${title}\nlogsource:\n    category: network_connection\n    product: windows\nfilter:\n    rules: [47c894ee-c2b8-55e8-b332-3ba3ee37e8ce]\n    selection:\n        DestinationIp: '${ip}'\n    condition: not selection\n`;
    writeFileSync(join(tuning, 'known_cdn.yml'), filter('Known CDN', '203.0.113.50'));
    const missing = await sigmatchAsync(['serve', '--data', tmp('sigmatch-serve-data-'), '--filters', join(tuning, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--filters');
    const s = await startServe(['--data', tmp('sigmatch-serve-data-'), '--no-cache', '--filters', tuning]);
    children.push(s);
    const connect = (record: number, ip: string) => ({ '@timestamp': new Date(Date.parse('2026-11-20T09:14:00Z') + record * 1000).toISOString(), winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'WS-FILTERS', event_id: '3', record_id: record, event_data: { Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: ip } } });
    const ship = async (doc: object) => expect((await fetch(`${s.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) })).status).toBe(200);
    const destinations = async () => {
      await caughtUp(s.url);
      const body = (await (await fetch(`${s.url}/api/alerts?host=WS-FILTERS`)).json()) as { alerts: Array<{ destination: { ip: string } }> };
      return body.alerts.map((a) => a.destination.ip).sort();
    };
    await ship(connect(1, '203.0.113.50'));
    await ship(connect(2, '203.0.113.51'));
    expect(await destinations()).toEqual(['203.0.113.51']);
    const from = s.stderr().length;
    writeFileSync(join(tuning, 'second_cdn.yml'), filter('Second CDN', '203.0.113.51'));
    s.child.kill('SIGHUP');
    for (let i = 0; i < 300 && !/rules reloaded/.test(s.stderr().slice(from)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.stderr().slice(from)).toMatch(/rules reloaded/);
    await ship(connect(3, '203.0.113.51'));
    await ship(connect(4, '203.0.113.52'));
    expect(await destinations()).toEqual(['203.0.113.51', '203.0.113.52']);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
