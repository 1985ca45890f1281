import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../../backends/postgres-server.js';
import { caughtUp, startServe, type ServeProcess } from '../serve-process.js';
import { send } from '../crash-load.js';
import { networkConnect, noise, processCreate } from '../winlogbeat-docs.js';
import { documentKey, type Doc } from '../../../src/service/event/document-event.js';
import { partitionOf } from '../../../src/service/bus/partition.js';

/** Helpers of the bus tests: several `sigmatch serve` processes on one NATS bus and one PostgreSQL store. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last !== undefined ? ` (${(last as Error).message})` : ''}`);
    await sleep(100);
  }
}

export interface BusHealth {
  status: string;
  detection: { lag_events: number; events: number };
  bus: { role: string; connected: boolean; partitions: number; owned: number[]; lag: Record<string, number | null>; received: number; peers: Array<{ instance: string; role: string; partitions: number[] }>; last_error: string | null };
}

export const busHealth = async (s: ServeProcess): Promise<BusHealth> => (await (await fetch(`${s.url}/api/health`)).json()) as BusHealth;

/** PostgreSQL for the tests; its absence fails the test (the bus tests need the shared store). */
export async function postgres(): Promise<TestPostgres> {
  const p = await startTestPostgres();
  if (p === undefined) throw new Error('PostgreSQL is needed for the bus tests (apt-get install -y postgresql, or SIGMATCH_TEST_PG_URL)');
  return p;
}

/**
 * Waits until the detectors between them own every partition once, each has nothing left on the bus and nothing
 * undetected in its journal, twice in a row (a lag of 0 is only read every lease third).
 */
export async function settled(detectors: readonly ServeProcess[], partitions: number, timeoutMs = 40_000): Promise<BusHealth[]> {
  let calm = 0;
  let seen: unknown;
  return waitFor('the detectors to own every partition and catch up', timeoutMs, async () => {
    const hs = await Promise.all(detectors.map(busHealth));
    seen = hs.map((h) => ({ status: h.status, lag: h.detection.lag_events, bus: h.bus }));
    const owned = hs.flatMap((h) => h.bus.owned).sort((a, b) => a - b);
    const done = owned.length === partitions && owned.every((k, i) => k === i) && hs.every((h) => h.detection.lag_events === 0 && Object.values(h.bus.lag).every((l) => l === 0));
    calm = done ? calm + 1 : 0;
    if (calm < 3) {
      await sleep(300);
      return undefined;
    }
    return hs;
  }).catch((e: Error) => {
    throw new Error(`${e.message}; last health: ${JSON.stringify(seen)}\n${detectors.map((d) => d.stderr()).join('\n---\n')}`);
  });
}

/** The alerts (rule title and id) of a single instance (no bus, the embedded store) run over the same batches: the reference. */
export async function referenceIds(dir: string, batches: string[][], senders: number): Promise<string[]> {
  const s = await startServe(['--data', dir]);
  try {
    await send(batches, () => s.url, new Set(), senders);
    await caughtUp(s.url);
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  return sqliteIds(dir);
}

/** The alerts in the shared store (rule title and id; the id is the primary key, so a double would come under another id). */
export async function storeIds(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query<{ id: string }>("SELECT rule_title || ' ' || id AS id FROM sigmatch.alerts")).rows;
    return rows.map((r) => r.id).sort();
  } finally {
    await c.end();
  }
}

/** One host's batches of NDJSON lines, each with the event time of its last line (the time it may be sent). */
export interface PacedBatch {
  readonly host: string;
  readonly lines: readonly string[];
  readonly at: number;
}

/**
 * A live-like seeded stream: per host, noise with a cmstp start and its outbound connection (500 ms apart) now and
 * then, one event every `spacingMs` of event time, in batches of `batch`. Each batch is due (see sendPaced) at
 * `start` plus its event time scaled by `speed`: event time runs `speed` times faster than the clock, steadily, as a
 * fleet's does (speed 1), so that the allowed lateness, the lease and the replay window relate as in production,
 * only faster.
 */
export function pacedStream(rand: () => number, hosts: readonly string[], perHost: number, spacingMs: number, batch: number, start: number, speed: number): PacedBatch[] {
  const out: PacedBatch[] = [];
  const t0 = Date.parse('2026-11-20T09:00:00Z');
  hosts.forEach((host, h) => {
    const lines: Array<{ line: string; time: number }> = [];
    for (let r = 1; r <= perHost; r++) {
      const time = t0 + r * spacingMs;
      if (rand() < 1 / 60 && r < perHost) {
        const ids = { host, record: r, guid: `{8c1a7f52-${String(h).padStart(4, '0')}-6739-2a04-${String(r).padStart(12, '0')}}`, pid: 6000 + r, image: 'C:\\Windows\\System32\\cmstp.exe', time };
        lines.push({ line: JSON.stringify(processCreate(ids, `cmstp.exe /ni /s C:\\Temp\\p${r}.inf`)), time });
        r++;
        lines.push({ line: JSON.stringify(networkConnect({ ...ids, record: r, time: time + 500 }, '203.0.113.50')), time: time + 500 });
      } else lines.push({ line: JSON.stringify(noise(host, r, time)), time });
    }
    for (let i = 0; i < lines.length; i += batch) {
      const part = lines.slice(i, i + batch);
      out.push({ host, lines: part.map((l) => l.line), at: start + ((part[part.length - 1] as { time: number }).time - t0) / speed });
    }
  });
  return out;
}

/**
 * One sender per host (its batches in order, as one shipper), each batch sent once its time has come to every
 * target, each target resent until it answers 200 (503 and 429 and a refused connection are retried, as shippers
 * do). `targets` gives the URLs to try for target i, in order (two ingest instances: the other when one fails).
 * Resolves with the batches each target acknowledged.
 */
export async function sendPaced(batches: readonly PacedBatch[], targets: ReadonlyArray<() => readonly string[]>): Promise<Array<Set<PacedBatch>>> {
  const acked = targets.map(() => new Set<PacedBatch>());
  const hosts = [...new Set(batches.map((b) => b.host))];
  await Promise.all(
    hosts.map(async (host) => {
      let turn = 0;
      for (const b of batches.filter((x) => x.host === host)) {
        const wait = b.at - Date.now();
        if (wait > 0) await sleep(wait);
        await Promise.all(
          targets.map(async (urls, t) => {
            for (;;) {
              const list = urls();
              const url = list[turn++ % Math.max(1, list.length)];
              if (url !== undefined) {
                try {
                  const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: b.lines.join('\n') });
                  const body = await res.text();
                  if (res.status === 200) {
                    acked[t]?.add(b);
                    return;
                  }
                  if (res.status !== 429 && res.status !== 503) throw new Error(`unexpected ${res.status}: ${body}`);
                } catch (e) {
                  if ((e as Error).message.startsWith('unexpected')) throw e;
                }
              }
              await sleep(50);
            }
          }),
        );
      }
    }),
  );
  return acked;
}

/** The dedup keys (hex) of the lines of some batches: what detection must have journaled. */
export const keysOf = (batches: Iterable<PacedBatch>): Set<string> => {
  const out = new Set<string>();
  for (const b of batches) for (const l of b.lines) out.add(documentKey(JSON.parse(l) as Doc, l).toString('hex'));
  return out;
};

/** The keys (hex) journaled in a data dir (read-only: the instance may be running or dead). */
export function journalKeys(dir: string): Set<string> {
  const db = new Database(join(dir, 'sigmatch.db'), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT key FROM journal').pluck().all() as Buffer[]).map((k) => k.toString('hex')));
  } finally {
    db.close();
  }
}

/** The alerts (rule title and id) of a running or stopped instance's embedded store. */
export function sqliteIds(dir: string): string[] {
  const db = new Database(join(dir, 'sigmatch.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT rule_title || ' ' || id FROM alerts").pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

/** What a takeover may cost, and nothing else: the shared store's alerts against the single instance's. */
export interface AlertComparison {
  /** In the store and not in the reference (a doubled or invented alert): must be empty. */
  readonly extra: string[];
  /** Rule alerts of the reference the store lacks: must be empty (process context is rebuilt by the replay). */
  readonly missingRules: string[];
  /** Correlation alerts the store lacks, with their host's partition (must be empty: the replay rebuilds the windows). */
  readonly missingCorrelations: Array<{ readonly alert: string; readonly host: string; readonly partition: number }>;
  readonly reference: number;
}

export function compareAlerts(storeAlerts: readonly string[], refDir: string, partitions: number): AlertComparison {
  const db = new Database(join(refDir, 'sigmatch.db'), { readonly: true, fileMustExist: true });
  let rows: Array<{ alert: string; host: string; correlation: number }>;
  try {
    rows = db.prepare("SELECT rule_title || ' ' || id AS alert, host, json_extract(doc, '$.sigmatch.correlation') IS NOT NULL AS correlation FROM alerts").all() as typeof rows;
  } finally {
    db.close();
  }
  const have = new Set(storeAlerts);
  const ref = new Set(rows.map((r) => r.alert));
  const missing = rows.filter((r) => !have.has(r.alert));
  return {
    extra: storeAlerts.filter((a) => !ref.has(a)),
    missingRules: missing.filter((r) => r.correlation === 0).map((r) => r.alert),
    missingCorrelations: missing.filter((r) => r.correlation !== 0).map((r) => ({ alert: r.alert, host: r.host, partition: partitionOf(r.host, partitions) })),
    reference: rows.length,
  };
}

/** The partitions a detector took after `from` characters of its stderr (its takeovers). */
export function takenAfter(s: ServeProcess, from: number): Set<number> {
  return new Set([...s.stderr().slice(from).matchAll(/bus: partition (\d+) taken/g)].map((m) => Number(m[1])));
}

/**
 * The store's alerts against the reference, once both have settled (windows at the end close when the stream has
 * been quiet a while): polls up to 20 s while a rule alert is missing or a correlation is missing outside `moved`
 * (empty: any missing correlation is waited for).
 */
export async function settledComparison(storeUrl: string, refDir: string, partitions: number, moved: ReadonlySet<number>): Promise<AlertComparison> {
  let cmp = compareAlerts(await storeIds(storeUrl), refDir, partitions);
  for (let i = 0; i < 100 && (cmp.missingRules.length > 0 || cmp.missingCorrelations.some((m) => !moved.has(m.partition))); i++) {
    await sleep(200);
    cmp = compareAlerts(await storeIds(storeUrl), refDir, partitions);
  }
  return cmp;
}
