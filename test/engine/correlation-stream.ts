import { rng } from '../../bench/generate-corpus.js';
import { fileCreate, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import type { WriterEvent } from '../../src/formats/evtx/write-evtx.js';

/** The rules the streams are made for: every correlation type, nesting and aliases over three base rules. */
export const CORRELATION_TYPES = 'test/backends/fixtures/correlation-types.yml';
const T0 = Date.parse('2026-06-01T08:00:00Z');

/** Three hosts, an hour: processes start (some from a user folder, some written there first), connect out in bursts, write files. */
export function correlationStream(seed: number): WriterEvent[] {
  const r = rng(seed);
  const events: Array<{ t: number; e: (iso: string) => WriterEvent }> = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  for (let h = 1; h <= 3; h++) {
    const host = `HOST${h}.corp.example`;
    let t = T0 + h * 7;
    let n = 0;
    for (let p = 0; p < 18; p++) {
      n++;
      const dropped = `C:\\Users\\u${h}\\AppData\\Local\\Temp\\d${n}.exe`;
      const proc: ProcessSpec = { guid: sysmonGuid(h, n), pid: 2000 + n, image: pick(['C:\\Windows\\System32\\cmstp.exe', 'C:\\Windows\\System32\\odbcconf.exe', 'C:\\Tools\\app.exe']), commandLine: 'x', user: 'CORP\\u' };
      t += Math.floor(r() * 240_000) + 1;
      const start = t;
      events.push({ t: start, e: (iso) => processCreate(iso, host, proc) });
      // Connections in a burst after the start (some bursts cross the 2-minute and 10-minute edges).
      const conns = Math.floor(r() * 6);
      let c = start;
      for (let k = 0; k < conns; k++) {
        c += Math.floor(r() * 50_000) + 1;
        const dst = `203.0.113.${1 + Math.floor(r() * 5)}`;
        const port = pick([80, 443, 8080]);
        events.push({ t: c, e: (iso) => networkConnect(iso, host, proc, dst, port) });
      }
      // Some write an executable, and some of those are run from where they were written.
      if (r() < 0.5) {
        const w = c + Math.floor(r() * 400_000) + 1;
        events.push({ t: w, e: (iso) => fileCreate(iso, host, proc, dropped) });
        if (r() < 0.6) {
          n++;
          const child: ProcessSpec = { guid: sysmonGuid(h, n), pid: 2000 + n, image: dropped, commandLine: 'd', user: 'CORP\\u', parent: proc };
          const s = w + Math.floor(r() * 700_000) + 1;
          events.push({ t: s, e: (iso) => processCreate(iso, host, child) });
        }
      }
    }
  }
  // Distinct times (a millisecond apart at least), so no correlation depends on how ties are broken.
  events.sort((a, b) => a.t - b.t);
  let last = 0;
  return events.map(({ t, e }) => {
    const u = Math.max(t, last + 1);
    last = u;
    return e(new Date(u).toISOString());
  });
}

