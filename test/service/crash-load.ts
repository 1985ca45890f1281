import { networkConnect, noise, processCreate } from './winlogbeat-docs.js';

/** The crash tests' load: a seeded stream with attacks at known places, sent over several connections. */

/** mulberry32 (the bench corpus's): a seeded stream, so a failure can be replayed. */
export { rng as prng } from '../../bench/generate-corpus.js';

export const CMSTP_RULE = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';

/** Per host, its batches of NDJSON lines: noise with a cmstp start + outbound connection every ~80 records. */
export function stream(rand: () => number, hosts: readonly string[], perHost: number, batch: number): { batches: string[][]; attacks: Set<string> } {
  const batches: string[][] = [];
  const attacks = new Set<string>();
  const t0 = Date.parse('2026-11-20T09:00:00Z');
  hosts.forEach((host, h) => {
    const lines: string[] = [];
    for (let r = 1; r <= perHost; r++) {
      const time = t0 + r * 1000;
      if (rand() < 1 / 80 && r < perHost) {
        const ids = { host, record: r, guid: `{8c1a7f52-${String(h).padStart(4, '0')}-6739-2a04-${String(r).padStart(12, '0')}}`, pid: 6000 + r, image: 'C:\\Windows\\System32\\cmstp.exe', time };
        lines.push(JSON.stringify(processCreate(ids, `cmstp.exe /ni /s C:\\Temp\\p${r}.inf`)));
        r++;
        lines.push(JSON.stringify(networkConnect({ ...ids, record: r, time: time + 500 }, '203.0.113.50')));
        attacks.add(`${host}|${r}`);
      } else lines.push(JSON.stringify(noise(host, r, time)));
    }
    for (let i = 0; i < lines.length; i += batch) batches.push(lines.slice(i, i + batch));
  });
  return { batches, attacks };
}

/** A journaled document's host|record. */
export function recordOf(doc: string): string {
  const d = JSON.parse(doc) as { winlog: { computer_name: string; record_id: number } };
  return `${d.winlog.computer_name}|${d.winlog.record_id}`;
}

/** Senders, one per host (so each host's events arrive in order, as from one shipper): resend a batch until it is acknowledged. */
/**
 * Sends every batch through `senders` connections, each batch retried until acknowledged (while `current` is
 * undefined or the service refuses, as a shipper would). `paceMs`: a pause after each acknowledged batch, so a
 * crash test's stream spans its kills however fast the service ingests (an unpaced stream of 300 batches was all
 * acknowledged before the third of ten kills once ingest got faster).
 */
export async function send(batches: string[][], current: () => string | undefined, acked: Set<number>, senders: number, paceMs = 0): Promise<void> {
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
                if (paceMs > 0) await new Promise((r) => setTimeout(r, paceMs));
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

/** A correlation alert's group and window end; undefined for a rule's alert. */
export function correlationKey(alert: string): string | undefined {
  const c = (JSON.parse(alert) as { sigmatch?: { correlation?: { group: object; window: { end: string } } } }).sigmatch?.correlation;
  return c === undefined ? undefined : `${JSON.stringify(c.group)}|${c.window.end}`;
}
