import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../backends/postgres-server.js';
import { caughtUp, serveScratch, startServe } from '../service/serve-process.js';
import { sigmatch, sigmatchAsync } from './run-cli.js';

/**
 * The built serve runs the built-in chain correlations live: the example log shipped as NDJSON, cut in two with a
 * SIGKILL and a restart in the middle of the chain, gives the hunt's correlation alerts once each.
 */
const { tmp, children } = serveScratch();
let pg: TestPostgres | undefined;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(() => pg?.stop());

interface Doc {
  rule: { name: string };
  event: { category?: string[] };
  sigmatch: { correlation?: { group: object; window: { end: string } } };
}

const ship = async (url: string, lines: readonly string[]) => {
  const r = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
  expect(r.status, await r.text()).toBe(200);
};

async function correlationAlerts(url: string): Promise<string[]> {
  const page = (await (await fetch(`${url}/api/alerts?limit=1000`)).json()) as { alerts: Doc[] };
  return page.alerts.filter((a) => a.sigmatch.correlation !== undefined).map((a) => `${a.rule.name} ${JSON.stringify(a.sigmatch.correlation?.group)} ${a.sigmatch.correlation?.window.end}`).sort();
}

/** The hunt's correlation alerts on the example log, as correlationAlerts shows them. */
async function huntCorrelations(): Promise<string[]> {
  const hunt = await sigmatchAsync(['hunt', '--only-correlations', '--format', 'jsonl', '--quiet', 'examples/']);
  return hunt.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Doc)
    .map((a) => `${a.rule.name} ${JSON.stringify(a.sigmatch.correlation?.group)} ${a.sigmatch.correlation?.window.end}`)
    .sort();
}

describe('serve: correlations on the live stream', () => {
  it.each(['sqlite', 'postgres'])('the chain fires as in the hunt, once, across a SIGKILL in the middle of it (%s store)', async (store) => {
    if (store === 'postgres' && pg === undefined) return; // startTestPostgres said why (and fails under CI=true)
    const want = await huntCorrelations();
    expect(want.length).toBeGreaterThanOrEqual(3);
    const lines = sigmatch(['dump', '--format', 'jsonl', 'examples/']).stdout.trim().split('\n');
    // Cut after the cmstp start: the correlation's window is open when the service dies.
    const cut =
      lines.findIndex((l) => {
        const e = JSON.parse(l) as { EventID: number; Image?: string; CommandLine?: string };
        return e.EventID === 1 && e.Image?.endsWith('\\cmstp.exe') === true && e.CommandLine?.includes('/ni') === true;
      }) + 1;
    expect(cut).toBeGreaterThan(0);
    const data = tmp('sigmatch-serve-corr-');
    // The state goes with the position into the alert store: SQLite in the data dir, or PostgreSQL.
    const args = ['--data', data, '--no-cache', '--correlation-lateness', '1m', ...(store === 'postgres' && pg !== undefined ? ['--store', pg.url] : [])];
    const first = await startServe(args);
    children.push(first);
    await ship(first.url, lines.slice(0, cut));
    await caughtUp(first.url);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await startServe(args);
    children.push(second);
    await ship(second.url, lines.slice(cut));
    // An unrelated event an hour later moves the watermark past every window.
    const last = JSON.parse(lines[lines.length - 1] as string) as { '@timestamp': string };
    const later = new Date(Date.parse(last['@timestamp']) + 3_600_000).toISOString();
    await ship(second.url, [JSON.stringify({ '@timestamp': later, Channel: 'Security', EventID: 4624, Computer: 'WS01.corp.example', EventRecordID: 99999 })]);
    await caughtUp(second.url);
    expect(await correlationAlerts(second.url)).toEqual(want);
    // The same events shipped again are acknowledged and not processed twice: still once each.
    await ship(second.url, lines);
    await caughtUp(second.url);
    expect(await correlationAlerts(second.url)).toEqual(want);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a quiet stream: the chain fires about the allowed lateness after the last event, with no later event to move the watermark', async () => {
    const want = await huntCorrelations();
    const lines = sigmatch(['dump', '--format', 'jsonl', 'examples/']).stdout.trim().split('\n');
    const s = await startServe(['--data', tmp('sigmatch-serve-idle-'), '--no-cache', '--correlation-lateness', '2s']);
    children.push(s);
    await ship(s.url, lines);
    await caughtUp(s.url);
    const end = Date.now() + 20_000;
    let got = await correlationAlerts(s.url);
    while (got.length < want.length && Date.now() < end) {
      await new Promise((done) => setTimeout(done, 200));
      got = await correlationAlerts(s.url);
    }
    expect(got).toEqual(want);
    const health = async () => ((await (await fetch(`${s.url}/api/health`)).json()) as { detection: { correlations: { late: number; evicted: number; held: number } } }).detection.correlations;
    expect(await health()).toMatchObject({ late: 0, evicted: 0 });
    // The cmstp connection again, as a new event with its old time: past the watermark now, so late (counted, not correlated).
    const connection = lines.find((l) => (JSON.parse(l) as { EventRecordID: number }).EventRecordID === 105) as string;
    expect(JSON.parse(connection)).toMatchObject({ EventID: 3, DestinationIp: '203.0.113.50' });
    await ship(s.url, [JSON.stringify({ ...(JSON.parse(connection) as object), EventRecordID: 99_998 })]);
    await caughtUp(s.url);
    expect((await health()).late).toBe(1);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/\nsigmatch_correlation_late_total 1\n/);
    expect(await correlationAlerts(s.url)).toEqual(want);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
