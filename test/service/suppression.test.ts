import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caughtUp, serveScratch, startServe, type ServeProcess } from './serve-process.js';
import { networkConnect } from './winlogbeat-docs.js';

const { tmp, children } = serveScratch();
const CMSTP = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';
// An hour ago: inside the preview's default 7 days.
const T0 = Date.now() - 3_600_000;

let record = 0;
function connect(host: string, destination: string): object {
  record++;
  return networkConnect({ host, record, guid: `{8c1a7f52-0000-0000-0000-${String(record).padStart(12, '0')}}`, pid: 7000 + record, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + record * 1000 }, destination);
}

async function ingest(s: ServeProcess, docs: object[]): Promise<void> {
  const r = await fetch(`${s.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: docs.map((d) => JSON.stringify(d)).join('\n') });
  expect(r.status).toBe(200);
  await caughtUp(s.url);
}

type Alert = { kibana: { alert: { uuid: string } }; destination: { ip: string }; host: { name: string } };
const alerts = async (s: ServeProcess) => ((await (await fetch(`${s.url}/api/alerts?limit=1000`)).json()) as { alerts: Alert[] }).alerts;
const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
type Rules = { filters: Array<{ id: string; title: string; rules: number; suppressed: number }>; rules: Array<{ id: string; filters: Array<{ id: string; suppressed: number }> }> };
const rules = async (s: ServeProcess) => (await (await fetch(`${s.url}/api/rules`)).json()) as Rules;

async function start(ruleDir: string, data: string): Promise<ServeProcess> {
  const s = await startServe(['--rules', ruleDir, '--data', data, '--no-watch']);
  children.push(s);
  return s;
}

describe('suppressions made from an alert', () => {
  it('previews what the filter would have suppressed, saves it, suppresses from then on and counts it (also after a restart)', async () => {
    const ruleDir = tmp('sigmatch-supp-rules-');
    copyFileSync(resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml'), join(ruleDir, 'cmstp.yml'));
    const data = tmp('sigmatch-supp-data-');
    let s = await start(ruleDir, data);
    await ingest(s, [connect('WS-A', '203.0.113.7'), connect('WS-B', '203.0.113.7'), connect('WS-A', '203.0.113.7'), connect('WS-A', '198.51.100.9'), connect('WS-B', '198.51.100.9')]);
    const stored = await alerts(s);
    expect(stored).toHaveLength(5);
    const known = stored.find((a) => a.destination.ip === '203.0.113.7') as Alert;
    const id = known.kibana.alert.uuid;

    // The default: the image and where it went. Offered: the event's values, not its per-event ids.
    const byDefault = await json(await fetch(`${s.url}/api/alerts/${id}/suppression`));
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.fields).toEqual([{ name: 'Image', value: 'C:\\Windows\\System32\\cmstp.exe' }, { name: 'DestinationIp', value: '203.0.113.7' }]);
    const offered = (byDefault.body.candidates as Array<{ name: string }>).map((c) => c.name);
    expect(offered).toEqual(expect.arrayContaining(['Image', 'DestinationIp', 'Computer', 'User']));
    expect(offered).not.toContain('ProcessGuid');
    expect(offered).not.toContain('SourcePort');
    expect(byDefault.body.would_suppress).toMatchObject({ alerts: 3, open: 3, hosts: 2, days: 7, complete: true });
    expect(byDefault.body.yaml).toMatch(/condition: not selection/);
    // Narrower: the host too.
    const narrow = await json(await fetch(`${s.url}/api/alerts/${id}/suppression?fields=Image,DestinationIp,Computer`));
    expect(narrow.body.would_suppress.alerts).toBe(known.host.name.toUpperCase() === 'WS-A' ? 2 : 1);

    // Bad requests name what is wrong.
    const badField = await json(await fetch(`${s.url}/api/alerts/${id}/suppression?fields=Image,NoSuchField`));
    expect(badField.status).toBe(400);
    expect(badField.body.error).toMatch(/'NoSuchField'/);
    expect((await json(await fetch(`${s.url}/api/alerts/${id}/suppression?days=0`))).status).toBe(400);
    expect((await json(await fetch(`${s.url}/api/alerts/${'0'.repeat(32)}/suppression`))).status).toBe(404);
    const badBody = await json(await fetch(`${s.url}/api/alerts/${id}/suppression`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fields": "Image"}' }));
    expect(badBody.status).toBe(400);
    expect(readdirSync(join(data, 'suppressions'))).toEqual([]);

    // Saved: a filter file in the suppressions folder, running at once, noted on the alert.
    const save = () => fetch(`${s.url}/api/alerts/${id}/suppression`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields: ['Image', 'DestinationIp'], comment: 'the VPN profile server' }) });
    const saved = await json(await save());
    expect(saved.status).toBe(201);
    expect(saved.body.created).toBe(true);
    expect(existsSync(saved.body.file)).toBe(true);
    expect(readFileSync(saved.body.file, 'utf8')).toContain(`        - ${CMSTP}`);
    expect(saved.body.would_suppress.alerts).toBe(3);
    const filterId = saved.body.filter.id as string;
    let r = await rules(s);
    expect(r.filters).toEqual([expect.objectContaining({ id: filterId, rules: 1, suppressed: 0 })]);
    expect(r.rules.find((x) => x.id === CMSTP)?.filters.map((f) => f.id)).toEqual([filterId]);
    const notes = ((await (await fetch(`${s.url}/api/alerts/${id}`)).json()) as { sigmatch: { triage: { notes: Array<{ text: string }> } } }).sigmatch.triage.notes;
    expect(notes.map((n) => n.text)).toEqual([expect.stringMatching(/^Suppression saved: .*the VPN profile server$/)]);
    // The same suppression again: the same file, nothing new.
    const again = await json(await save());
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(readdirSync(join(data, 'suppressions'))).toHaveLength(1);

    // From now on its alerts are suppressed and counted; the others still alert.
    await ingest(s, [connect('WS-C', '203.0.113.7'), connect('WS-A', '203.0.113.7'), connect('WS-C', '198.51.100.9')]);
    expect((await alerts(s)).map((a) => a.destination.ip).filter((ip) => ip === '198.51.100.9')).toHaveLength(3);
    expect(await alerts(s)).toHaveLength(6);
    r = await rules(s);
    expect(r.filters[0]).toMatchObject({ id: filterId, suppressed: 2 });
    expect(r.rules.find((x) => x.id === CMSTP)?.filters[0]?.suppressed).toBe(2);

    // After a restart the filter loads from the folder and the count goes on from what was committed.
    s.child.kill('SIGTERM');
    await s.exited;
    s = await start(ruleDir, data);
    expect((await rules(s)).filters[0]).toMatchObject({ id: filterId, suppressed: 2 });
    await ingest(s, [connect('WS-D', '203.0.113.7')]);
    expect((await rules(s)).filters[0]).toMatchObject({ id: filterId, suppressed: 3 });
    expect(await alerts(s)).toHaveLength(6);

    // Hosts: per host its alerts, open ones and levels, the most first.
    const hosts = ((await (await fetch(`${s.url}/api/hosts`)).json()) as { hosts: Array<{ name: string; alerts: number; open: number; levels: Record<string, number> }> }).hosts;
    expect(hosts.map((h) => [h.name.toUpperCase(), h.alerts])).toEqual([['WS-A', 3], ['WS-B', 2], ['WS-C', 1]]);
    expect(hosts[0]).toMatchObject({ open: 3, levels: { high: 3 } });
  }, 60_000);
});
