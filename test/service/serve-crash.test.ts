import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { caughtUp, startServe, type ServeProcess } from './serve-process.js';
import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

/** mulberry32: a seeded stream, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env['SIGMATCH_CRASH_SEED'] ?? 20261202);
const HOSTS = ['WS-A', 'WS-B', 'WS-C', 'WS-D'];
const PER_HOST = 2500;
const BATCH = 20;
const CMSTP_RULE = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';

/** Per host, its batches of NDJSON lines: noise with a cmstp start + outbound connection every ~80 records. */
function stream(rand: () => number): { batches: string[][]; attacks: Set<string> } {
  const batches: string[][] = [];
  const attacks = new Set<string>();
  const t0 = Date.parse('2026-11-20T09:00:00Z');
  HOSTS.forEach((host, h) => {
    const lines: string[] = [];
    for (let r = 1; r <= PER_HOST; r++) {
      const time = t0 + r * 1000;
      if (rand() < 1 / 80 && r < PER_HOST) {
        const ids = { host, record: r, guid: `{8c1a7f52-${String(h).padStart(4, '0')}-6739-2a04-${String(r).padStart(12, '0')}}`, pid: 6000 + r, image: 'C:\\Windows\\System32\\cmstp.exe', time };
        lines.push(JSON.stringify(processCreate(ids, `cmstp.exe /ni /s C:\\Temp\\p${r}.inf`)));
        r++;
        lines.push(JSON.stringify(networkConnect({ ...ids, record: r, time: time + 500 }, '203.0.113.50')));
        attacks.add(`${host}|${r}`);
      } else lines.push(JSON.stringify(noise(host, r, time)));
    }
    for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH));
  });
  return { batches, attacks };
}

/** Alerts as (rule, host|record) pairs, from a stopped service's database. */
function alertsOf(dir: string): { pairs: string[]; journal: Array<{ key: string; n: number }>; cmstpContext: string[] } {
  const db = new Database(join(dir, 'sigmatch.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT a.rule_id AS rule, j.doc AS doc, a.doc AS alert FROM alerts a JOIN journal j ON j.seq = a.seq').all() as Array<{ rule: string; doc: string; alert: string }>;
    const recordOf = (doc: string) => {
      const d = JSON.parse(doc) as { winlog: { computer_name: string; record_id: number } };
      return `${d.winlog.computer_name}|${d.winlog.record_id}`;
    };
    const journal = db.prepare('SELECT doc FROM journal').pluck().all() as string[];
    const counts = new Map<string, number>();
    for (const d of journal) counts.set(recordOf(d), (counts.get(recordOf(d)) ?? 0) + 1);
    return {
      pairs: rows.map((r) => `${r.rule}|${recordOf(r.doc)}`).sort(),
      journal: [...counts].map(([key, n]) => ({ key, n })),
      cmstpContext: rows.filter((r) => r.rule === CMSTP_RULE).map((r) => `${recordOf(r.doc)}|${(JSON.parse(r.alert) as { process: { command_line?: string } }).process.command_line}`).sort(),
    };
  } finally {
    db.close();
  }
}

const dirs: string[] = [];
const children: ServeProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Senders, one per host (so each host's events arrive in order, as from one shipper): resend a batch until it is acknowledged. */
async function send(batches: string[][], current: () => string | undefined, acked: Set<number>, senders: number): Promise<void> {
  const queues: number[][] = Array.from({ length: senders }, () => []);
  batches.forEach((_, i) => queues[Math.floor(i / (batches.length / senders))]?.push(i));
  await Promise.all(
    queues.map(async (queue) => {
      for (const i of queue) {
        for (;;) {
          const url = current();
          if (url !== undefined) {
            try {
              const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: (batches[i] as string[]).join('\n') });
              const body = await res.text();
              if (res.status === 200) {
                acked.add(i);
                break;
              }
              if (res.status !== 429 && res.status !== 503) throw new Error(`unexpected ${res.status}: ${body}`);
            } catch (e) {
              if ((e as Error).message.startsWith('unexpected')) throw e;
              // Connection refused or reset: the service is down; retry (a shipper would).
            }
          }
          await new Promise((r) => setTimeout(r, 30));
        }
      }
    }),
  );
}

describe('sigmatch serve under SIGKILL', () => {
  it('keeps every acknowledged event once and writes every expected alert once across ten kills under load', async () => {
    const rand = prng(SEED);
    const { batches, attacks } = stream(rand);
    const total = batches.reduce((n, b) => n + b.length, 0);

    // The reference: the same stream through a service that is never killed.
    const cleanDir = mkdtempSync(join(tmpdir(), 'sigmatch-clean-'));
    dirs.push(cleanDir);
    const clean = await startServe(['--data', cleanDir]);
    children.push(clean);
    await send(batches, () => clean.url, new Set(), HOSTS.length);
    await caughtUp(clean.url);
    clean.child.kill('SIGTERM');
    expect(await clean.exited).toBe(0);
    const reference = alertsOf(cleanDir);
    expect(reference.journal).toHaveLength(total);
    expect(reference.pairs.filter((p) => p.startsWith(CMSTP_RULE)).map((p) => p.slice(CMSTP_RULE.length + 1)).sort()).toEqual([...attacks].sort());

    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-crash-'));
    dirs.push(dir);
    let current: string | undefined;
    const acked = new Set<number>();
    const sending = send(batches, () => current, acked, HOSTS.length);
    let kills = 0;
    const ackedAtKill: number[] = [];
    for (; kills < 10; kills++) {
      const s = await startServe(['--data', dir]);
      children.push(s);
      current = s.url;
      await new Promise((r) => setTimeout(r, 100 + rand() * 300));
      current = undefined;
      ackedAtKill.push(acked.size);
      s.child.kill('SIGKILL');
      expect(await s.exited).toBe('SIGKILL');
    }
    const last = await startServe(['--data', dir]);
    children.push(last);
    current = last.url;
    await sending;
    const health = await caughtUp(last.url);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    // The kills landed while batches were still being sent (not all after the load).
    expect(ackedAtKill.filter((n) => n > 0 && n < batches.length).length, `batches acknowledged at each kill, of ${batches.length}: ${ackedAtKill.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(acked.size).toBe(batches.length);
    const after = alertsOf(dir);
    // Every acknowledged event is in the journal exactly once (resent batches were answered as duplicates).
    expect(after.journal).toHaveLength(total);
    expect(after.journal.every((j) => j.n === 1)).toBe(true);
    // Every alert exactly once, the same as the run that was never killed, process context included.
    expect(new Set(after.pairs).size).toBe(after.pairs.length);
    expect(after.pairs).toEqual(reference.pairs);
    expect(after.cmstpContext).toEqual(reference.cmstpContext);
    expect(after.cmstpContext.every((c) => c.includes('cmstp.exe /ni /s'))).toBe(true);
    expect(health['detection'].lag_events).toBe(0);
  });
});
