import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { startTestPostgres } from './postgres-server.js';

/**
 * `sigmatch serve` end to end: a real child process, Winlogbeat-shaped Sysmon documents sent through `POST /_bulk`
 * (gzip, `create` actions, like Beats' defaults) over several keep-alive connections, each batch resent on 429.
 * Measures events/s acknowledged (durable) and events/s detected (acknowledged and matched, alerts stored), and the
 * time from a batch's acknowledgement to its alerts being stored (the service's journal time to its alert time).
 */
export interface ServeBenchOptions {
  readonly cli: string;
  readonly rules?: readonly string[];
  readonly events: number;
  readonly batch: number;
  readonly concurrency: number;
  /** Events per second to offer (batches sent on a schedule); default: as fast as acknowledged. */
  readonly rate?: number;
  /** Extra options of `sigmatch serve` (e.g. --no-detect-thread). */
  readonly serveArgs?: readonly string[];
  /** Extra node flags for the service (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** The alert store: a PostgreSQL URL (`--store`); default the embedded SQLite store. */
  readonly store?: string;
  /** Events sent (and detected) before the measured ones, outside the measure (default none). */
  readonly warmup?: number;
}

export interface ServeBenchResult {
  readonly rulesLabel: string;
  readonly events: number;
  readonly ackSeconds: number;
  readonly detectSeconds: number;
  readonly ackedPerSecond: number;
  readonly detectedPerSecond: number;
  readonly alerts: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly retries429: number;
  readonly peakRssMb: number;
  /**
   * CPU seconds the service used from the first request to the last detection (user + system, all its threads), its
   * main thread's (ingest) and its busiest other thread's (detection): on a shared machine a steadier measure of its
   * cost than events/s.
   */
  readonly cpuSeconds: number;
  readonly mainThreadSeconds: number;
  readonly busiestOtherSeconds: number;
  /** The service's CPU seconds by thread name (main: the main thread; threads of one name summed). */
  readonly cpuByThread: Readonly<Record<string, number>>;
  /** This client's own CPU seconds over the same window (HTTP, waiting; the bodies are made before it). */
  readonly clientCpuSeconds: number;
  /** The measured window on the monotonic clock (µs), the one --cpu-prof profiles' times are on. */
  readonly windowUs: readonly [number, number];
}

const HOSTS = 50;
const T0 = Date.parse('2026-11-20T09:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const IMAGES = ['chrome.exe', 'msedge.exe', 'OneDrive.exe', 'ms-teams.exe', 'slack.exe', 'Code.exe', 'firefox.exe', 'Zoom.exe'];

/** The i-th document: process starts, connections and DNS queries of ordinary programs; every 2,000th pair a cmstp attack. */
export function benchDocument(i: number): object {
  const host = `WS-${String(i % HOSTS).padStart(3, '0')}`;
  const record = Math.floor(i / HOSTS) + 1;
  const attack = i % 2000 === 1 || i % 2000 === 2;
  const guid = attack ? `{8c1a7f52-0000-0000-0000-${String(Math.floor(i / 2000)).padStart(12, '0')}}` : `{11111111-2222-3333-4444-${String(i % 100000).padStart(12, '0')}}`;
  const image = attack ? 'C:\\Windows\\System32\\cmstp.exe' : `C:\\Program Files\\App\\${IMAGES[i % IMAGES.length]}`;
  const kind = attack ? (i % 2000 === 1 ? 1 : 3) : [1, 3, 3, 22][i % 4];
  const data: Record<string, string> = { UtcTime: iso(T0 + i).replace('T', ' ').replace('Z', ''), ProcessGuid: guid, ProcessId: String(1000 + (i % 50000)), Image: image, User: 'CORP\\user' };
  if (kind === 1) Object.assign(data, { CommandLine: `${image} --flag ${i}`, ParentImage: 'C:\\Windows\\explorer.exe', ParentProcessId: '4242', IntegrityLevel: 'Medium', Hashes: 'SHA256=AB,IMPHASH=CD', OriginalFileName: image.split('\\').pop() ?? '' });
  if (kind === 3) Object.assign(data, { Protocol: 'tcp', Initiated: 'true', SourceIp: '10.0.0.5', SourcePort: String(40000 + (i % 20000)), DestinationIp: attack ? '203.0.113.50' : `198.51.100.${i % 250}`, DestinationPort: '443' });
  if (kind === 22) Object.assign(data, { QueryName: `host${i % 997}.example.com`, QueryStatus: '0', QueryResults: `::ffff:198.51.100.${i % 250};` });
  return {
    '@timestamp': iso(T0 + i),
    agent: { type: 'winlogbeat', version: '9.1.3' },
    host: { name: host.toLowerCase() },
    event: { code: String(kind), kind: 'event', provider: 'Microsoft-Windows-Sysmon' },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: host, event_id: String(kind), record_id: record, provider_name: 'Microsoft-Windows-Sysmon', event_data: data },
  };
}

export function bulkBody(from: number, to: number): Buffer {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push('{"create":{"_index":"winlogbeat-9.1.3"}}', JSON.stringify(benchDocument(i)));
  return gzipSync(lines.join('\n') + '\n', { level: 1 });
}

/** Sends one `_bulk` body until it is accepted, as a shipper does: a 429 is retried after `waitMs`; returns the retries. */
export async function sendBulk(agent: Agent, port: number, body: Buffer, waitMs: number): Promise<number> {
  for (let retries = 0; ; retries++) {
    const r = await post(agent, port, '/_bulk', body);
    if (r.status === 200) return retries;
    if (r.status !== 429) throw new Error(`bulk answered ${r.status}: ${r.text.slice(0, 300)}`);
    await new Promise((w) => setTimeout(w, waitMs));
  }
}

export function post(agent: Agent, port: number, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'gzip', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function getJson(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.json();
}

/** CPU seconds (user + system) per thread of a process, by thread id (Linux /proc; empty elsewhere); `names` gets each thread's name. */
function threadCpu(pid: number, names?: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      // Fields after the command name (which may hold spaces) start at field 3: utime and stime are 14 and 15.
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) / 100);
      names?.set(t, stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // the thread ended
    }
  }
  return out;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export async function measureServe(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const data = mkdtempSync(join(tmpdir(), 'sigmatch-serve-bench-'));
  const args = [o.cli, 'serve', '--listen', '127.0.0.1:0', '--data', data, ...(o.rules ?? []).flatMap((r) => ['--rules', r]), ...(o.store !== undefined ? ['--store', o.store] : []), ...(o.serveArgs ?? [])];
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let err = '';
    const port = await new Promise<number>((done, fail) => {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (t: string) => {
        err += t;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m !== null) done(Number(m[1]));
      });
      child.on('exit', (code) => fail(new Error(`serve exited ${code}:\n${err}`)));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
    // Bodies made before the clock starts: the measure is the service, not this generator.
    const bodiesOf = (from: number, to: number) => {
      const out: Buffer[] = [];
      for (let i = from; i < to; i += o.batch) out.push(bulkBody(i, Math.min(to, i + o.batch)));
      return out;
    };
    let retries = 0;
    /** Sends the bodies over the connections (on the --rate schedule from t0 when given), then waits for detection. */
    const run = async (bodies: readonly Buffer[]): Promise<{ ackSeconds: number; detectSeconds: number }> => {
      let next = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next < bodies.length) {
            const k = next++;
            const body = bodies[k] as Buffer;
            if (o.rate !== undefined) {
              // Batch k goes at its scheduled time: latency measured at a rate the service can sustain.
              const due = Number(t0) / 1e6 + (k * o.batch * 1000) / o.rate - Number(process.hrtime.bigint()) / 1e6;
              if (due > 0) await new Promise((w) => setTimeout(w, due));
            }
            retries += await sendBulk(agent, port, body, 50);
          }
        }),
      );
      const ackSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      for (;;) {
        const h = await getJson(port, '/api/health');
        if (h.detection.lag_events === 0) break;
        await new Promise((w) => setTimeout(w, 20));
      }
      return { ackSeconds, detectSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    // A warm-up (other events, after the measured ones in index) before the clock: JIT, the prefilters' lazy set-up.
    const warmup = o.warmup ?? 0;
    if (warmup > 0) {
      await run(bodiesOf(o.events, o.events + warmup));
      retries = 0;
    }
    const bodies = bodiesOf(0, o.events);
    const measuredFrom = Date.now();
    const names = new Map<string, string>();
    const cpu0 = threadCpu(child.pid as number);
    const client0 = process.cpuUsage();
    const window0 = process.hrtime.bigint();
    const { ackSeconds, detectSeconds } = await run(bodies);
    const windowUs: [number, number] = [Number(window0 / 1000n), Number(process.hrtime.bigint() / 1000n)];
    const client = process.cpuUsage(client0);
    const used = new Map([...threadCpu(child.pid as number, names)].map(([t, s]) => [t, s - (cpu0.get(t) ?? 0)]));
    const byName: Record<string, number> = {};
    for (const [t, s] of used) {
      const name = t === String(child.pid) ? 'main' : (names.get(t) ?? t);
      byName[name] = (byName[name] ?? 0) + s;
    }
    const latencies: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { alerts: Array<{ sigmatch: { alert: { received: string; created: string } } }>; next: string | null } = await getJson(port, `/api/alerts?limit=1000${cursor !== null ? `&cursor=${cursor}` : ''}`);
      for (const a of page.alerts) if (Date.parse(a.sigmatch.alert.received) >= measuredFrom) latencies.push(Date.parse(a.sigmatch.alert.created) - Date.parse(a.sigmatch.alert.received));
      cursor = page.next;
    } while (cursor !== null);
    latencies.sort((a, b) => a - b);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    return {
      rulesLabel: (o.rules === undefined ? 'built-in pack' : o.rules.join(', ')) + (o.store !== undefined ? ', --store postgres' : '') + (o.rate !== undefined ? ` at ${o.rate} events/s offered` : '') + (o.serveArgs !== undefined && o.serveArgs.length > 0 ? ` (${o.serveArgs.join(' ')})` : '') + ((o.warmup ?? 0) > 0 ? `, after ${o.warmup} warm-up events` : ''),
      events: o.events,
      ackSeconds,
      detectSeconds,
      ackedPerSecond: o.events / ackSeconds,
      detectedPerSecond: o.events / detectSeconds,
      alerts: latencies.length,
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1] ?? 0 },
      retries429: retries,
      peakRssMb,
      cpuSeconds: [...used.values()].reduce((a, b) => a + b, 0),
      mainThreadSeconds: used.get(String(child.pid)) ?? 0,
      busiestOtherSeconds: Math.max(0, ...[...used].filter(([t]) => t !== String(child.pid)).map(([, s]) => s)),
      cpuByThread: byName,
      clientCpuSeconds: (client.user + client.system) / 1e6,
      windowUs,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}

/**
 * Runs `measure` against a fresh database on a PostgreSQL server of our own with its durable defaults (fsync,
 * synchronous commit): the alert store's commits cost what they cost at a site.
 */
export async function withPostgres<T>(measure: (url: string) => Promise<T>): Promise<T> {
  const server = await startTestPostgres({ durable: true });
  if (server === undefined) throw new Error('no PostgreSQL server for --store postgres');
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE serve_bench');
    await admin.end();
    return await measure(server.url.replace(/\/postgres$/, '/serve_bench'));
  } finally {
    server.stop();
  }
}

/** Markdown table rows for bench/RESULTS.md. */
export function serveBenchLines(rows: readonly ServeBenchResult[]): string[] {
  return [
    '| rules | events | acked events/s (durable) | detected events/s (end to end) | alerts | ack → alert p50 / p99 / max ms | 429 retries | peak RSS MB | service CPU s (main thread, busiest other) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.rulesLabel} | ${r.events} | ${Math.round(r.ackedPerSecond)} | ${Math.round(r.detectedPerSecond)} | ${r.alerts} | ${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} | ${r.retries429} | ${r.peakRssMb.toFixed(0)} | ${r.cpuSeconds.toFixed(2)} (${r.mainThreadSeconds.toFixed(2)}, ${r.busiestOtherSeconds.toFixed(2)}) |`),
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '1600' },
      concurrency: { type: 'string', default: '4' },
      rate: { type: 'string' },
      rules: { type: 'string', multiple: true },
      'node-arg': { type: 'string', multiple: true },
      'serve-arg': { type: 'string', multiple: true },
      store: { type: 'string', default: 'sqlite' },
      warmup: { type: 'string', default: '0' },
      detail: { type: 'boolean', default: false },
    },
  });
  if (!['sqlite', 'postgres', 'both'].includes(values.store)) throw new Error(`--store: '${values.store}' is not sqlite, postgres or both`);
  const cli = resolve(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)));
  const base: ServeBenchOptions = { cli, events: Number(values.events), batch: Number(values.batch), concurrency: Number(values.concurrency), ...(values.rate !== undefined ? { rate: Number(values.rate) } : {}), ...(values.rules !== undefined ? { rules: values.rules } : {}), ...(values['node-arg'] !== undefined ? { nodeArgs: values['node-arg'] } : {}), ...(values['serve-arg'] !== undefined ? { serveArgs: values['serve-arg'] } : {}), warmup: Number(values.warmup) };
  const results: ServeBenchResult[] = [];
  if (values.store !== 'postgres') results.push(await measureServe(base));
  if (values.store !== 'sqlite') results.push(await withPostgres((store) => measureServe({ ...base, store })));
  process.stdout.write(serveBenchLines(results).join('\n') + '\n');
  if (values.detail) for (const r of results) process.stdout.write(`service CPU s by thread: ${Object.entries(r.cpuByThread).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]).map(([n, s]) => `${n} ${s.toFixed(2)}`).join(', ')}; this client ${r.clientCpuSeconds.toFixed(2)}; measured on the monotonic clock from ${r.windowUs[0]} to ${r.windowUs[1]} µs\n`);
}
