import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { caughtUp, startServe, type ServeProcess } from './serve-process.js';
import { CMSTP_RULE, correlationKey, prng, recordOf, send, stream as seededStream } from './crash-load.js';

const SEED = Number(process.env['SIGMATCH_CRASH_SEED'] ?? 20261202);
const HOSTS = ['WS-A', 'WS-B', 'WS-C', 'WS-D'];
const PER_HOST = 2500;
const BATCH = 20;

/** Alerts as (rule, host|record) pairs, from a stopped service's database. */
function alertsOf(dir: string): { pairs: string[]; journal: Array<{ key: string; n: number }>; cmstpContext: string[] } {
  const db = new Database(join(dir, 'sigmatch.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT a.rule_id AS rule, j.doc AS doc, a.doc AS alert FROM alerts a JOIN journal j ON j.seq = a.seq').all() as Array<{ rule: string; doc: string; alert: string }>;
    const journal = db.prepare('SELECT doc FROM journal').pluck().all() as string[];
    const counts = new Map<string, number>();
    for (const d of journal) counts.set(recordOf(d), (counts.get(recordOf(d)) ?? 0) + 1);
    return {
      // A rule's alert by its event; a correlation's by its group and window (its seq is its batch's, which differs by run).
      pairs: rows.map((r) => `${r.rule}|${correlationKey(r.alert) ?? recordOf(r.doc)}`).sort(),
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

describe('sigmatch serve under SIGKILL', () => {
  it('keeps every acknowledged event once and writes every expected alert once across ten kills under load', async () => {
    const rand = prng(SEED);
    const { batches, attacks } = seededStream(rand, HOSTS, PER_HOST, BATCH);
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
    // Paced: the stream must outlast several of the kills (see send).
    const sending = send(batches, () => current, acked, HOSTS.length, 15);
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
