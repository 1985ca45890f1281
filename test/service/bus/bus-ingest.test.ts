import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { documentKey, type Doc } from '../../../src/service/event/document-event.js';
import { partitionOf, STREAM, subjectOf } from '../../../src/service/bus/partition.js';
import { serveScratch, startServe } from '../serve-process.js';
import { noise } from '../winlogbeat-docs.js';
import { startNats } from './nats-server.js';

const { tmp, children } = serveScratch();
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const s of stops) await s();
});

const lines = (host: string, from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(noise(host, from + i, Date.parse('2026-11-20T09:00:00Z') + (from + i) * 1000)));
const post = (url: string, body: string[]) => fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: body.join('\n') });
const health = async (url: string) => (await (await fetch(`${url}/api/health`)).json()) as { status: string; bus: { connected: boolean; role: string; last_error: string | null } };

/** The stream's messages: subject and Nats-Msg-Id of each, read back with a client of our own. */
async function streamMessages(bus: string): Promise<Array<{ subject: string; id: string }>> {
  const nc = await connect({ servers: bus.replace('nats://', '') });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM);
    const out: Array<{ subject: string; id: string }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAM, { seq });
      if (m !== null) out.push({ subject: m.subject, id: m.header.get('Nats-Msg-Id') });
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe('serve --bus: ingest publishes to JetStream', () => {
  it('acknowledges a request after every event is on its host partition with its dedup key as message id; a resend is stored once', async () => {
    const nats = await startNats();
    stops.push(nats.stop);
    const s = await startServe(['--data', tmp('sigmatch-bus-ingest-'), '--bus', nats.bus, '--role', 'ingest', '--partitions', '8']);
    children.push(s);
    // The stream exists once the instance connected (it makes it).
    for (let i = 0; !(await health(s.url)).bus.connected; i++) {
      if (i > 100) throw new Error(s.stderr());
      await new Promise((r) => setTimeout(r, 100));
    }
    const batch = [...lines('WS-ALPHA', 1, 30), ...lines('ws-beta', 1, 20)];
    const res = await post(s.url, batch);
    expect(res.status).toBe(200);
    const stored = await streamMessages(nats.bus);
    expect(stored).toHaveLength(50);
    const expected = batch.map((l) => {
      const doc = JSON.parse(l) as Doc & { winlog: { computer_name: string } };
      return { subject: subjectOf(partitionOf(doc.winlog.computer_name, 8)), id: documentKey(doc, l).toString('hex') };
    });
    expect(stored).toEqual(expected);
    // The same request again: JetStream answers duplicate for each, nothing is stored twice.
    const again = await post(s.url, batch);
    expect(again.status).toBe(200);
    expect(await streamMessages(nats.bus)).toHaveLength(50);
    const h = (await (await fetch(`${s.url}/api/health`)).json()) as { ingest: { events: number; duplicates: number } };
    expect(h.ingest).toMatchObject({ events: 50, duplicates: 50 });
  });

  it('answers 503 with Retry-After while the bus is gone, keeps what it acknowledged, and takes events again once the bus is back', async () => {
    const nats = await startNats();
    stops.push(nats.stop);
    const s = await startServe(['--data', tmp('sigmatch-bus-503-'), '--bus', nats.bus, '--role', 'ingest']);
    children.push(s);
    for (let i = 0; !(await health(s.url)).bus.connected; i++) {
      if (i > 100) throw new Error(s.stderr());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await post(s.url, lines('WS-A', 1, 10))).status).toBe(200);
    await (nats.servers[0] as { kill(): Promise<void> }).kill();
    const refused = await post(s.url, lines('WS-A', 11, 10));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/bus/);
    const h = await health(s.url);
    expect(h.status).toBe('degraded');
    expect(h.bus.connected).toBe(false);
    // The same server back on the same port and store: the acknowledged events are there; new ones are taken.
    const again = await nats.restart(0);
    expect(again.address).toBe((nats.servers[0] as { address: string }).address);
    for (let i = 0; (await post(s.url, lines('WS-A', 11, 10))).status !== 200; i++) {
      if (i > 150) throw new Error(`not taking events after the bus came back:\n${s.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await streamMessages(nats.bus)).length).toBe(20);
    expect((await health(s.url)).status).toBe('ok');
  });

  it('starts while the bus is down: a clear error line, 503 on ingest, degraded health, and it connects when the bus comes up', async () => {
    const nats = await startNats();
    stops.push(nats.stop);
    await (nats.servers[0] as { kill(): Promise<void> }).kill();
    const s = await startServe(['--data', tmp('sigmatch-bus-down-'), '--bus', nats.bus, '--role', 'ingest']);
    children.push(s);
    expect((await post(s.url, lines('WS-A', 1, 5))).status).toBe(503);
    expect((await health(s.url)).status).toBe('degraded');
    for (let i = 0; !/bus: cannot use nats:\/\/127\.0\.0\.1:\d+: .*; retrying in \d+ s/.test(s.stderr()); i++) {
      if (i > 100) throw new Error(s.stderr());
      await new Promise((r) => setTimeout(r, 100));
    }
    await nats.restart(0);
    for (let i = 0; (await post(s.url, lines('WS-A', 1, 5))).status !== 200; i++) {
      if (i > 200) throw new Error(`not taking events after the bus came up:\n${s.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await health(s.url)).bus.connected).toBe(true);
  });

  it('refuses --bus flag combinations that cannot work, with a usage error naming them', async () => {
    const dir = tmp('sigmatch-bus-usage-');
    for (const [args, message] of [
      [['--role', 'detect'], /--role needs --bus/],
      [['--bus', 'nats://127.0.0.1:1', '--role', 'detect'], /--store postgres:\/\//],
      [['--bus', 'nats://127.0.0.1:1'], /--role both: .*--store postgres:\/\//],
      [['--bus', 'http://x'], /nats:\/\/HOST:PORT/],
    ] as const) {
      const s = await startServe(['--data', dir, ...args]).then(
        () => 'started',
        (e: Error) => e.message,
      );
      expect(s).toMatch(message);
    }
  });
});
