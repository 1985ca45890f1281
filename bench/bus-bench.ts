import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from './postgres-server.js';
import { gzipSync } from 'node:zlib';
import { benchDocument, withPostgres } from './serve-bench.js';

/** A nats-server process with JetStream on 127.0.0.1 (the tests' and the bench's; Debian package nats-server). */
export interface NatsServer {
  /** `127.0.0.1:PORT`, as --bus takes it. */
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly child: ChildProcess;
  /** stderr so far. */
  readonly log: () => string;
  /** SIGKILL. */
  kill(): Promise<void>;
}

/** The nats-server binary; missing is an error (never a skip): the bus tests and bench need the real server. */
export function natsServerBinary(): string {
  for (const p of [process.env['SIGMATCH_NATS_SERVER'], '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) if (p !== undefined && p !== '' && existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  throw new Error('nats-server not found (apt-get install -y nats-server, or set SIGMATCH_NATS_SERVER): the bus tests and bench run a real NATS JetStream server');
}

function launch(bin: string, name: string, port: number, args: string[], dir: string): Promise<NatsServer> {
  const child = spawn(bin, ['-js', '-sd', join(dir, name), '-a', '127.0.0.1', '-p', String(port), '-n', name, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const server: NatsServer = {
    address: `127.0.0.1:${port}`,
    port,
    name,
    child,
    log: () => log,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`nats-server ${name} did not start in 10 s:\n${log}`)), 10_000);
    child.stderr?.on('data', (t: string) => {
      log += t;
      if (/Server is ready/.test(log)) {
        clearTimeout(timer);
        done(server);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`nats-server ${name} exited before it was ready:\n${log}`));
    });
  });
}

/** NATS servers with JetStream, for tests and the bench: one server (nodes = 1) or a cluster; `restart(i)` brings node i back on its port and store; `stop` kills them all. */
export async function startNats(nodes = 1): Promise<{ readonly servers: NatsServer[]; readonly bus: string; restart(i: number): Promise<NatsServer>; stop(): Promise<void> }> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-nats-'));
  const ports = await Promise.all(Array.from({ length: nodes }, () => freePort()));
  const clusterPorts = nodes > 1 ? await Promise.all(Array.from({ length: nodes }, () => freePort())) : [];
  const argsOf = (i: number) => (nodes > 1 ? ['--cluster_name', 'sigmatch', '--cluster', `nats://127.0.0.1:${clusterPorts[i]}`, '--routes', clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(',')] : []);
  const servers = await Promise.all(ports.map((port, i) => launch(bin, `n${i + 1}`, port, argsOf(i), dir)));
  return {
    servers,
    bus: `nats://${servers.map((s) => s.address).join(',')}`,
    restart: async (i) => {
      await servers[i]?.kill();
      const s = await launch(bin, `n${i + 1}`, ports[i] as number, argsOf(i), dir);
      servers[i] = s;
      return s;
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- the bus bench (issue 17)

/** One `sigmatch serve` child of the bus bench, with its port once it listens. */
interface ServeChild {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
}

function startServeChild(cli: string, args: readonly string[]): Promise<ServeChild> {
  const data = mkdtempSync(join(tmpdir(), 'sigmatch-bus-bench-'));
  const child = spawn(process.execPath, [cli, 'serve', '--listen', '127.0.0.1:0', '--data', data, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => rmSync(data, { recursive: true, force: true }));
  let err = '';
  return new Promise((done, fail) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => {
      err += t;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m !== null) done({ child, port: Number(m[1]), exited });
    });
    void exited.then(() => fail(new Error(`serve exited before listening:\n${err}`)));
  });
}

interface BusHealthDoc {
  detection: { lag_events: number };
  bus: { owned: number[]; lag: Record<string, number | null>; received: number };
}
const busHealthOf = async (s: ServeChild): Promise<BusHealthDoc> => (await (await fetch(`http://127.0.0.1:${s.port}/api/health`)).json()) as BusHealthDoc;

/** Polls every 50 ms until `probe` holds (or fails after `timeoutMs`, naming what). */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`bus bench: ${what} not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every partition owned once among the detectors, and each caught up: `received` events read in all, nothing lagging. */
async function caughtUp(detectors: readonly ServeChild[], partitions: number, received: number): Promise<boolean> {
  const hs = await Promise.all(detectors.map(busHealthOf));
  const owned = hs.flatMap((h) => h.bus.owned);
  return owned.length === partitions && new Set(owned).size === partitions && hs.reduce((n, h) => n + h.bus.received, 0) >= received && hs.every((h) => h.detection.lag_events === 0 && Object.values(h.bus.lag).every((l) => l === 0));
}

export interface BusBenchOptions {
  readonly cli: string;
  readonly events: number;
  readonly detectors: number;
  readonly partitions: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly leaseMs: number;
  /** NATS servers: 1, or 3 (a cluster; the stream and the leases with 3 replicas). */
  readonly natsNodes: number;
  readonly store: string;
}

export interface BusBenchResult {
  readonly detectors: number;
  readonly natsNodes: number;
  readonly events: number;
  /** Events/s onto the bus through the ingest instance, no detector running. */
  readonly ackedPerSecond: number;
  /** Events/s the detectors drained from the bus (alerts stored, acknowledged) once they owned every partition. */
  readonly detectedPerSecond: number;
  readonly alerts: number;
  /** With two detectors or more: one SIGKILLed at rest; seconds until the others own its partitions, and until they detected a batch sent right after the kill. */
  readonly takeover?: { readonly ownedS: number; readonly caughtUpS: number; readonly events: number };
}

/** The serve bench's documents from..to as one gzipped `_bulk` body. */
const bulkOf = (from: number, to: number): Buffer => gzipSync(Array.from({ length: to - from }, (_, i) => `{"create":{}}\n${JSON.stringify(benchDocument(from + i))}\n`).join(''), { level: 1 });

const post = async (port: number, body: Buffer): Promise<void> => {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    const text = await res.text();
    if (res.status === 200) return;
    if (res.status !== 429 && res.status !== 503) throw new Error(`bus bench: _bulk answered ${res.status}: ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

async function sendAll(port: number, bodies: readonly Buffer[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await post(port, bodies[next++] as Buffer);
    }),
  );
}

/**
 * One ingest instance and `detectors` detector instances of `sigmatch serve --bus` on a NATS server (or a 3-node
 * cluster) and one PostgreSQL store: the bench's Winlogbeat documents through the ingest instance's `_bulk`
 * (acknowledged once on the bus), then detected by the detectors (alerts stored). Then, with two or more detectors,
 * one is SIGKILLed and a further batch sent: the time until its partitions are owned again and that batch detected.
 */
export async function measureBus(o: BusBenchOptions): Promise<BusBenchResult> {
  const nats = await startNats(o.natsNodes);
  const started: ServeChild[] = [];
  try {
    const common = ['--bus', nats.bus, '--bus-replicas', String(o.natsNodes === 1 ? 1 : 3), '--partitions', String(o.partitions), '--bus-lease', `${o.leaseMs / 1000}s`, '--store', o.store];
    const ingest = await startServeChild(o.cli, ['--role', 'ingest', ...common]);
    started.push(ingest);
    await until('the ingest instance to connect', 60_000, async () => ((await (await fetch(`http://127.0.0.1:${ingest.port}/api/health`)).json()) as { bus: { connected: boolean } }).bus.connected);
    // Made before the clock starts: the measure is the service, not this generator.
    const bodies: Buffer[] = [];
    for (let i = 0; i < o.events; i += o.batch) bodies.push(bulkOf(i, Math.min(o.events, i + o.batch)));
    // The two sides apart (on 2 cores they would share them): ingest onto the bus with no detector running, then the
    // detectors draining that backlog from the moment they own every partition.
    const t0 = performance.now();
    await sendAll(ingest.port, bodies, o.concurrency);
    const ackS = (performance.now() - t0) / 1000;
    const detectors = await Promise.all(Array.from({ length: o.detectors }, () => startServeChild(o.cli, ['--role', 'detect', ...common])));
    started.push(...detectors);
    await until('the detectors to share the partitions', 60_000, async () => (await Promise.all(detectors.map(busHealthOf))).flatMap((h) => h.bus.owned).length === o.partitions);
    const t1 = performance.now();
    await until('detection to catch up', 600_000, () => caughtUp(detectors, o.partitions, o.events));
    const detectS = (performance.now() - t1) / 1000;
    let takeover: BusBenchResult['takeover'];
    if (o.detectors > 1) {
      const [dead, ...rest] = detectors as [ServeChild, ...ServeChild[]];
      const before = (await Promise.all(rest.map(busHealthOf))).reduce((n, h) => n + h.bus.received, 0);
      const extra = Math.min(10_000, o.events);
      const more: Buffer[] = [];
      for (let i = o.events; i < o.events + extra; i += o.batch) more.push(bulkOf(i, Math.min(o.events + extra, i + o.batch)));
      const k0 = performance.now();
      dead.child.kill('SIGKILL');
      await dead.exited;
      const sending = sendAll(ingest.port, more, o.concurrency);
      await until('the survivors to own every partition', 120_000, async () => (await Promise.all(rest.map(busHealthOf))).flatMap((h) => h.bus.owned).length === o.partitions);
      const ownedS = (performance.now() - k0) / 1000;
      await sending;
      // The survivors read at least the batch (and the replay window of the partitions taken over).
      await until('the survivors to catch up', 300_000, () => caughtUp(rest, o.partitions, before + extra));
      takeover = { ownedS, caughtUpS: (performance.now() - k0) / 1000, events: extra };
    }
    const c = new pg.Client({ connectionString: o.store });
    await c.connect();
    const alerts = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM sigmatch.alerts')).rows[0]?.n ?? 0);
    await c.query('DROP SCHEMA sigmatch CASCADE');
    await c.end();
    return { detectors: o.detectors, natsNodes: o.natsNodes, events: o.events, ackedPerSecond: o.events / ackS, detectedPerSecond: o.events / detectS, alerts, ...(takeover !== undefined ? { takeover } : {}) };
  } finally {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
    await Promise.all(started.map((s) => s.exited));
    await nats.stop();
  }
}

/**
 * The bus alone, for the scale model: a bare JetStream client publishing `events` messages of about a document's size
 * (1,000 at a time, each with a message id, as ingest does) to a stream of 8 subjects; publishes acknowledged per second.
 */
export async function measureRawPublish(nodes: number, events: number): Promise<number> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  const nats = await startNats(nodes);
  try {
    const nc = await connect({ servers: nats.servers.map((s) => s.address) });
    // A cluster elects its JetStream leader a moment after the servers are up.
    await until('the bus to take a stream', 30_000, async () => {
      await (await jetstreamManager(nc)).streams.add({ name: 'raw', subjects: ['raw.>'], num_replicas: nodes, duplicate_window: 600e9 });
      return true;
    });
    const js = jetstream(nc);
    const doc = JSON.stringify(benchDocument(7));
    const t0 = performance.now();
    for (let i = 0; i < events; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, events - i) }, (_, j) => js.publish(`raw.p.${(i + j) % 8}`, doc, { msgID: `m${i + j}`, expect: { streamName: 'raw' } })));
    const rate = events / ((performance.now() - t0) / 1000);
    await nc.close();
    return rate;
  } finally {
    await nats.stop();
  }
}

/** Markdown rows for bench/RESULTS.md. */
export function busBenchLines(rows: readonly BusBenchResult[], leaseMs: number, partitions: number, raw: ReadonlyArray<{ nodes: number; rate: number }>): string[] {
  return [
    ...raw.map((r) => `The bus alone (a bare JetStream client, 1,000 publishes in flight): ${Math.round(r.rate)} publishes/s acknowledged on ${r.nodes === 1 ? 'one NATS server' : `${r.nodes} NATS servers (3 replicas)`}.`),
    '',
    `| detectors | NATS servers | events | ingest: acked events/s onto the bus | detectors: events/s drained from the bus | alerts | takeover (lease ${leaseMs / 1000} s): partitions owned / batch detected |`,
    '|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.detectors} | ${r.natsNodes} | ${r.events} | ${Math.round(r.ackedPerSecond)} | ${Math.round(r.detectedPerSecond)} | ${r.alerts} | ${r.takeover === undefined ? '—' : `${r.takeover.ownedS.toFixed(1)} s / ${r.takeover.caughtUpS.toFixed(1)} s (${r.takeover.events} events sent at the kill)`} |`),
    '',
    `One ingest instance (sending with no detector running), then the detectors (the bus backlog drained from the moment they own every partition); ${partitions} partitions; PostgreSQL with its durable defaults as the shared store; all on this machine.`,
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      detectors: { type: 'string', default: '1,2' },
      partitions: { type: 'string', default: '8' },
      batch: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      lease: { type: 'string', default: '5' },
      'nats-nodes': { type: 'string', default: '1' },
    },
  });
  const cli = resolve(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)));
  const leaseMs = Number(values.lease) * 1000;
  const partitions = Number(values.partitions);
  const rows: BusBenchResult[] = [];
  for (const n of values.detectors.split(',').map(Number)) {
    for (const nodes of values['nats-nodes'].split(',').map(Number)) {
      rows.push(await withPostgres((store) => measureBus({ cli, events: Number(values.events), detectors: n, partitions, batch: Number(values.batch), concurrency: Number(values.concurrency), leaseMs, natsNodes: nodes, store })));
    }
  }
  const raw: Array<{ nodes: number; rate: number }> = [];
  for (const nodes of values['nats-nodes'].split(',').map(Number)) raw.push({ nodes, rate: await measureRawPublish(nodes, Number(values.events)) });
  process.stdout.write(busBenchLines(rows, leaseMs, partitions, raw).join('\n') + '\n');
}
