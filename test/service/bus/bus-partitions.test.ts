import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../crash-load.js';
import { serveScratch, startServe } from '../serve-process.js';
import { startNats } from './nats-server.js';
import { busHealth, journalKeys, keysOf, pacedStream, postgres, sendPaced, settled, settledComparison, sleep, waitFor } from './bus-cluster.js';

const { tmp, children } = serveScratch();
const stops: Array<() => unknown> = [];
afterAll(async () => {
  for (const s of stops) await s();
});

const PARTITIONS = 6;
const HOSTS = ['WS-01', 'WS-02', 'WS-03', 'WS-04', 'WS-05', 'WS-06', 'WS-07', 'WS-08'];
// Event time runs 50 times faster than the clock: the 5 minutes' lateness are 6 s, the 2 s lease 100 s of event time.
// Correlations survive a takeover when the replay window covers the lease, the detectors' lag and the open windows (README).
const SPEED = 50;
const TIMING: string[] = [];

describe('serve --bus: partition ownership and takeover', () => {
  it("shares the partitions between two detectors, one owner each; a SIGKILLed detector's partitions are taken over: every event, rule and correlation alert once, nothing doubled", async () => {
    const [nats, store] = await Promise.all([startNats(), postgres()]);
    stops.push(nats.stop, () => store.stop());
    const refDir = tmp('sigmatch-bus-ref-');
    const dirs = [tmp('sigmatch-bus-a-'), tmp('sigmatch-bus-b-')];
    const common = ['--bus', nats.bus, '--partitions', String(PARTITIONS), '--bus-lease', '2s', '--bus-replay', '10s', '--store', store.url, ...TIMING];
    const [reference, a, b, ingest] = await Promise.all([
      startServe(['--data', refDir, ...TIMING]),
      startServe(['--data', dirs[0] as string, '--role', 'detect', ...common]),
      startServe(['--data', dirs[1] as string, '--role', 'detect', ...common]),
      startServe(['--data', tmp('sigmatch-bus-i-'), '--role', 'ingest', ...common]),
    ]);
    children.push(reference, a, b, ingest);
    // Both detectors see each other and the ingest instance, and split the partitions 3 + 3.
    const hs = await settled([a, b], PARTITIONS);
    expect(hs.map((h) => h.bus.owned.length)).toEqual([3, 3]);
    expect(hs.map((h) => h.bus.peers.map((p) => p.role).sort())).toEqual([
      ['detect', 'ingest'],
      ['detect', 'ingest'],
    ]);
    expect(hs.every((h) => h.status === 'ok' && h.bus.connected && h.bus.role === 'detect')).toBe(true);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^sigmatch_bus_partitions_owned 3$/m);
    expect(metrics).toMatch(/^sigmatch_bus_peers 2$/m);
    // A detect-only instance takes no events.
    const refused = await fetch(`${a.url}/ingest`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/--role detect/);

    // 8 hosts x 700 events, one a second of event time: 14 s; a is SIGKILLed 6 s in.
    const batches = pacedStream(prng(7), HOSTS, 700, 1000, 20, Date.now() + 500, SPEED);
    const sending = sendPaced(batches, [() => [reference.url], () => [ingest.url]]);
    await sleep(6500);
    a.child.kill('SIGKILL');
    await a.exited;
    const [, acked] = await sending;
    expect(acked?.size).toBe(batches.length);
    // The survivor takes a's partitions once their leases expire and detects what a left.
    const [survivor] = await settled([b], PARTITIONS);
    expect(survivor?.bus.owned).toHaveLength(PARTITIONS);
    await waitFor('the dead detector to leave the peers', 10_000, async () => ((await busHealth(b)).bus.peers.every((p) => p.role === 'ingest') ? true : undefined));
    // Every acknowledged event reached a detector's journal.
    const journaled = new Set([...journalKeys(dirs[0] as string), ...journalKeys(dirs[1] as string)]);
    expect([...keysOf(batches)].filter((k) => !journaled.has(k))).toEqual([]);
    // The alerts are the single instance's: every rule and correlation alert once, nothing doubled, missing or invented
    // (the dead detector's open windows rebuilt by the survivor's replay, on the partitions' own event time).
    const cmp = await settledComparison(store.url, refDir, PARTITIONS, new Set());
    expect(cmp.extra).toEqual([]);
    expect(cmp.missingRules).toEqual([]);
    expect(cmp.missingCorrelations).toEqual([]);
    expect(cmp.reference).toBeGreaterThan(100);
    console.log(`takeover: ${cmp.reference} alerts in the reference, all in the store once`);
  });
});
