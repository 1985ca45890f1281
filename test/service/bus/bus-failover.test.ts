import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { partitionOf, STREAM } from '../../../src/service/bus/partition.js';
import { documentKey, type Doc } from '../../../src/service/event/document-event.js';
import { prng } from '../crash-load.js';
import { serveScratch, startServe, type ServeProcess } from '../serve-process.js';
import { startNats } from './nats-server.js';
import { busHealth, journalKeys, keysOf, pacedStream, postgres, sendPaced, settled, settledComparison, sleep, takenAfter } from './bus-cluster.js';

const { tmp, children } = serveScratch();
const stops: Array<() => unknown> = [];
afterAll(async () => {
  for (const s of stops) await s();
});

const PARTITIONS = 8;
const HOSTS = ['WS-01', 'WS-02', 'WS-03', 'WS-04', 'WS-05', 'WS-06', 'WS-07', 'WS-08', 'WS-09', 'WS-10'];
const SEED = Number(process.env['SIGMATCH_CRASH_SEED'] ?? 20261203);
// Event time runs 50 times faster than the clock (see pacedStream): 5 minutes' lateness are 6 s, the 2 s lease 100 s.
const SPEED = 50;

describe('serve --bus on a three-node NATS cluster', () => {
  it('loses no acknowledged event, no rule or correlation alert, doubles nothing, when a detector and a NATS node are SIGKILLed mid-stream', async () => {
    const [nats, store] = await Promise.all([startNats(3), postgres()]);
    stops.push(nats.stop, () => store.stop());
    const refDir = tmp('sigmatch-failover-ref-');
    const detectDirs = [0, 1, 2].map(() => tmp('sigmatch-failover-d-'));
    const common = ['--bus', nats.bus, '--bus-replicas', '3', '--partitions', String(PARTITIONS), '--bus-lease', '2s', '--bus-replay', '10s', '--store', store.url];
    const started = await Promise.all([
      startServe(['--data', refDir]),
      ...detectDirs.map((d) => startServe(['--data', d, '--role', 'detect', ...common])),
      startServe(['--data', tmp('sigmatch-failover-i-'), '--role', 'ingest', ...common]),
      startServe(['--data', tmp('sigmatch-failover-i-'), '--role', 'ingest', ...common]),
    ]);
    children.push(...started);
    const [reference, d1, d2, d3, i1, i2] = started as [ServeProcess, ServeProcess, ServeProcess, ServeProcess, ServeProcess, ServeProcess];
    const t0 = Date.now();
    const mark = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    // The first to start may take more than its share; the others' announcements make it give some up.
    // Each sees the four others (the ingest instances announce themselves once connected).
    const balanced = (hs: typeof before) => hs.map((h) => h.bus.owned.length).sort().join() === '2,3,3' && hs.every((h) => h.bus.peers.length === 4);
    let before = await settled([d1, d2, d3], PARTITIONS, 50_000);
    for (let i = 0; i < 50 && !balanced(before); i++) before = await settled([d1, d2, d3], PARTITIONS, 50_000);
    console.log(`settled at ${mark()}`);
    const logged = [d2, d3].map((d) => d.stderr().length);
    expect(before.map((h) => h.bus.owned.length).sort()).toEqual([2, 3, 3]);
    expect(before.every((h) => h.bus.peers.length === 4)).toBe(true);

    // 10 hosts x 500 events, one a second of event time: 10 s, through both ingest instances (the other when one fails).
    const batches = pacedStream(prng(SEED), HOSTS, 500, 1000, 20, Date.now() + 500, SPEED);
    const ingestUrls = [i1.url, i2.url];
    const sending = sendPaced(batches, [() => [reference.url], () => ingestUrls]);
    await sleep(4000);
    d1.child.kill('SIGKILL');
    await d1.exited;
    await sleep(1500);
    await (nats.servers[1] as { kill(): Promise<void> }).kill();
    const [, acked] = await sending;
    expect(acked?.size).toBe(batches.length);
    console.log(`sent at ${mark()}`);

    // The two detectors left own every partition between them and catch up.
    const after = await settled([d2, d3], PARTITIONS, 50_000);
    console.log(`caught up at ${mark()}`);
    expect(after.flatMap((h) => h.bus.owned)).toHaveLength(PARTITIONS);
    // Every acknowledged event is on the stream (two of three replicas left) and reached a detector's journal.
    const nc = await connect({ servers: nats.servers.filter((_, i) => i !== 1).map((s) => s.address) });
    const info = await (await jetstreamManager(nc)).streams.info(STREAM);
    await nc.close();
    const keys = keysOf(acked ?? []);
    expect(info.state.messages).toBe(keys.size);
    const journaled = new Set(detectDirs.flatMap((d) => [...journalKeys(d)]));
    const lost = [...keys].filter((k) => !journaled.has(k));
    if (lost.length > 0) {
      const where = new Map<string, number>();
      for (const b of acked ?? []) for (const l of b.lines) if (lost.includes(documentKey(JSON.parse(l) as Doc, l).toString('hex'))) where.set(`${b.host}/p${partitionOf(b.host, PARTITIONS)}`, (where.get(`${b.host}/p${partitionOf(b.host, PARTITIONS)}`) ?? 0) + 1);
      console.log(JSON.stringify([...where]), JSON.stringify(before.map((h) => h.bus.owned)), JSON.stringify(after.map((h) => h.bus)));
      console.log([d1, d2, d3].map((d) => d.stderr()).join('\n----\n'));
    }
    expect(lost).toEqual([]);

    // The alerts are the single instance's: each rule and correlation alert once, nothing doubled, missing or invented.
    // The dead detector's partitions moved; its open correlation windows were rebuilt by their new owners' replay.
    const moved = new Set([...takenAfter(d2, logged[0] as number), ...takenAfter(d3, logged[1] as number)]);
    expect([...(before[0]?.bus.owned ?? [])].filter((k) => !moved.has(k))).toEqual([]);
    const cmp = await settledComparison(store.url, refDir, PARTITIONS, new Set());
    expect(cmp.extra).toEqual([]);
    expect(cmp.missingRules).toEqual([]);
    expect(cmp.missingCorrelations).toEqual([]);
    expect(cmp.reference).toBeGreaterThan(100);
    console.log(`failover at ${mark()}: ${keys.size} events, ${cmp.reference} alerts in the reference, partitions moved ${[...moved].join(',')}; peers ${JSON.stringify((await busHealth(d2)).bus.peers.map((p) => p.role))}`);
  });
});
