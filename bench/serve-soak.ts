import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bulkBody, sendBulk } from './serve-bench.js';

/**
 * `sigmatch serve` under a steady load for a long time (issue 15: "resident memory flat over a 30-minute soak"):
 * Winlogbeat-shaped documents (serve-bench's) through `POST /_bulk` at a fixed rate, made as they are sent, while
 * the service's resident set is read from /proc every 10 s. The journal is pruned by size as configured, so its
 * disk use stays bounded too. Reports the resident set over time and the growth between the first and the last
 * quarter, with the events acknowledged and detected and the lag at the end.
 */
export interface SoakOptions {
  readonly cli: string;
  readonly minutes: number;
  /** Events per second offered. */
  readonly rate: number;
  readonly batch: number;
  readonly rules?: readonly string[];
  /** serve's --retention-size. */
  readonly retentionSize: string;
}

export interface SoakResult {
  readonly minutes: number;
  readonly rate: number;
  readonly acked: number;
  /** Events detected once the service caught up after the load (equal to acked unless it did not). */
  readonly detected: number;
  readonly lagAtEnd: number;
  readonly alerts: number;
  /** The journal's size at the end (pruned to --retention-size). */
  readonly journalMb: number;
  /** [seconds since the load began, resident MB]. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
  readonly retries429: number;
}

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Health {
  readonly ingest: { readonly events: number };
  readonly detection: { readonly events: number; readonly lag_events: number };
  readonly journal: { readonly events: number; readonly bytes: number };
  readonly alerts: number;
}

async function health(port: number): Promise<Health> {
  return (await fetch(`http://127.0.0.1:${port}/api/health`)).json() as Promise<Health>;
}

export async function soak(o: SoakOptions): Promise<SoakResult> {
  const data = mkdtempSync(join(tmpdir(), 'sigmatch-serve-soak-'));
  const args = [o.cli, 'serve', '--listen', '127.0.0.1:0', '--data', data, '--retention-size', o.retentionSize, ...(o.rules ?? []).flatMap((r) => ['--rules', r])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let err = '';
    const port = await new Promise<number>((done, fail) => {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (t: string) => {
        err = (err + t).slice(-20_000);
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m !== null) done(Number(m[1]));
      });
      child.on('exit', (code) => fail(new Error(`serve exited ${code}:\n${err}`)));
    });
    const pid = child.pid as number;
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const total = Math.round(o.minutes * 60 * o.rate);
    const samples: Array<[number, number]> = [];
    const t0 = Date.now();
    const sampler = setInterval(() => samples.push([Math.round((Date.now() - t0) / 1000), Math.round(rssMb(pid))]), 10_000);
    let retries = 0;
    let sent = 0;
    try {
      // One batch at a time, each at its scheduled time; a 429 is retried (and counted) as a shipper would.
      for (let k = 0; sent < total; k++) {
        const due = t0 + (k * o.batch * 1000) / o.rate - Date.now();
        if (due > 0) await new Promise((w) => setTimeout(w, due));
        const to = Math.min(total, sent + o.batch);
        const body = bulkBody(sent, to);
        retries += await sendBulk(agent, port, body, 200);
        sent = to;
      }
    } finally {
      clearInterval(sampler);
      agent.destroy();
    }
    samples.push([Math.round((Date.now() - t0) / 1000), Math.round(rssMb(pid))]);
    // Detection's lag at the end of the load, then what it has stored once it caught up.
    const lagAtEnd = (await health(port)).detection.lag_events;
    for (let i = 0; i < 600 && (await health(port)).detection.lag_events > 0; i++) await new Promise((w) => setTimeout(w, 100));
    const h = await health(port);
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    return { minutes: o.minutes, rate: o.rate, acked: h.ingest.events, detected: h.detection.events, lagAtEnd, alerts: h.alerts, journalMb: h.journal.bytes / 1e6, samples, retries429: retries };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}

/** The growth of the resident set: the median of the last quarter's samples against the first quarter's (after a warm-up minute). */
export function soakGrowth(samples: ReadonlyArray<readonly [number, number]>): { first: number; last: number; percent: number } {
  const warm = samples.filter(([t]) => t >= 60);
  const q = Math.max(1, Math.floor(warm.length / 4));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const first = median(warm.slice(0, q).map(([, m]) => m));
  const last = median(warm.slice(-q).map(([, m]) => m));
  return { first, last, percent: first === 0 ? 0 : (100 * (last - first)) / first };
}

export function soakLines(r: SoakResult, rulesLabel: string): string[] {
  const g = soakGrowth(r.samples);
  const every = Math.max(1, Math.round(r.samples.length / 12));
  const points = r.samples.filter((_, i) => i % every === 0 || i === r.samples.length - 1);
  return [
    `| rules | minutes | offered events/s | events acked | detected | alerts | lag at end of load | 429 retries | journal MB at end | resident MB, first quarter → last quarter (median) | growth |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    `| ${rulesLabel} | ${r.minutes} | ${r.rate} | ${r.acked} | ${r.detected} | ${r.alerts} | ${r.lagAtEnd} | ${r.retries429} | ${r.journalMb.toFixed(0)} | ${g.first} → ${g.last} | ${g.percent >= 0 ? '+' : ''}${g.percent.toFixed(1)}% |`,
    '',
    `Resident MB over time (s: MB): ${points.map(([t, m]) => `${t}: ${m}`).join(', ')}.`,
  ];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '3000' },
      batch: { type: 'string', default: '500' },
      rules: { type: 'string', multiple: true },
      'retention-size': { type: 'string', default: '256m' },
    },
  });
  const cli = resolve(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)));
  const r = await soak({ cli, minutes: Number(values.minutes), rate: Number(values.rate), batch: Number(values.batch), retentionSize: values['retention-size'], ...(values.rules !== undefined ? { rules: values.rules } : {}) });
  process.stdout.write(soakLines(r, values.rules?.join(', ') ?? 'built-in pack').join('\n') + '\n');
}
