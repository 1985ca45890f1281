import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { partitionOf } from '../../../src/service/bus/partition.js';
import { serveScratch, startServe, type ServeProcess } from '../serve-process.js';
import { networkConnect, noise, processCreate } from '../winlogbeat-docs.js';
import { startNats } from './nats-server.js';
import { busHealth, postgres, settled, sleep, waitFor } from './bus-cluster.js';

const { tmp, children } = serveScratch();
const stops: Array<() => unknown> = [];
afterAll(async () => {
  for (const s of stops) await s();
});

const PARTITIONS = 4;
const CHAIN = 'Proxy-Execution Utility Started and Connected Out';
const T0 = Date.parse('2026-11-20T09:00:00Z');

/** The store's alerts of one host, as rule title → count. */
async function alertsOf(url: string, host: string): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query<{ rule_title: string; n: string }>('SELECT rule_title, count(*) AS n FROM sigmatch.alerts WHERE host = $1 GROUP BY rule_title', [host])).rows;
    return new Map(rows.map((r) => [r.rule_title, Number(r.n)]));
  } finally {
    await c.end();
  }
}

const post = async (url: string, docs: object[]): Promise<void> => {
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: docs.map((d) => JSON.stringify(d)).join('\n') });
    if (res.status === 200) return;
    if (i > 100) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    await sleep(100);
  }
};

describe('serve --bus: correlations across a takeover', () => {
  it("a temporal_ordered correlation whose first event the dead detector committed and whose second came after it was SIGKILLed comes out once, from the partition's new owner", async () => {
    const [nats, store] = await Promise.all([startNats(), postgres()]);
    stops.push(nats.stop, () => store.stop());
    const common = ['--bus', nats.bus, '--partitions', String(PARTITIONS), '--bus-lease', '2s', '--bus-replay', '10s', '--correlation-lateness', '2s', '--store', store.url];
    const [a, b, ingest] = (await Promise.all([
      startServe(['--data', tmp('sigmatch-bus-corr-a-'), '--role', 'detect', ...common]),
      startServe(['--data', tmp('sigmatch-bus-corr-b-'), '--role', 'detect', ...common]),
      startServe(['--data', tmp('sigmatch-bus-corr-i-'), '--role', 'ingest', ...common]),
    ])) as [ServeProcess, ServeProcess, ServeProcess];
    children.push(a, b, ingest);
    const hs = await settled([a, b], PARTITIONS);
    expect(hs.map((h) => h.bus.owned.length)).toEqual([2, 2]);

    // The chain's host on one detector (the one to die), a busy host on the other, with event times 10 minutes ahead:
    // in one correlation state for both, the replayed chain start would be older than the watermark less the lateness.
    const host = 'WS-CHAIN';
    const dies = hs.findIndex((h) => h.bus.owned.includes(partitionOf(host, PARTITIONS)));
    const [dead, survivor] = dies === 0 ? [a, b] : [b, a];
    const other = Array.from({ length: 40 }, (_, i) => `WS-BUSY-${i}`).find((h) => (hs[1 - dies] as (typeof hs)[number]).bus.owned.includes(partitionOf(h, PARTITIONS))) as string;
    const ids = { host, record: 100, guid: '{8c1a7f52-0001-6739-2a04-000000000100}', pid: 6100, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + 1000 };
    await post(ingest.url, [
      ...Array.from({ length: 20 }, (_, i) => noise(other, 1 + i, T0 + 600_000 + i * 1000)),
      noise(host, 1, T0),
      processCreate(ids, 'cmstp.exe /ni /s C:\\Temp\\p.inf'),
      noise(host, 2, T0 + 2000),
    ]);
    // The dead detector journaled, detected and acknowledged the chain's start; the chain has not fired.
    await settled([a, b], PARTITIONS);
    expect((await alertsOf(store.url, host)).get(CHAIN)).toBeUndefined();
    dead.child.kill('SIGKILL');
    await dead.exited;

    // The connection comes after the kill, then the host goes on (its event time passes the window and the lateness).
    await post(ingest.url, [networkConnect({ ...ids, record: 101, time: T0 + 30_000 }, '203.0.113.50'), ...Array.from({ length: 10 }, (_, i) => noise(host, 3 + i, T0 + 40_000 + i * 1000))]);
    const [after] = await settled([survivor], PARTITIONS);
    expect(after?.bus.owned).toHaveLength(PARTITIONS);
    const alerts = await waitFor('the chain correlation in the store', 20_000, async () => {
      const m = await alertsOf(store.url, host);
      return m.has(CHAIN) ? m : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${survivor.stderr()}`);
    });
    // A while later (the survivor idle, its windows closed by the quiet stream): still once, and the rule alert once.
    await sleep(3000);
    const final = await alertsOf(store.url, host);
    expect(final.get(CHAIN)).toBe(1);
    expect(final.get('Outbound Network Connection Initiated By Cmstp.EXE')).toBe(1);
    expect(alerts.get(CHAIN)).toBe(1);
    // Nothing of the replayed partition counted as late.
    const h = (await (await fetch(`${survivor.url}/api/health`)).json()) as { detection: { correlations: { late: number } } };
    expect(h.detection.correlations.late).toBe(0);
    expect((await busHealth(survivor)).bus.owned).toHaveLength(PARTITIONS);
  });
});
