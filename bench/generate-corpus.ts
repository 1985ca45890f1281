import type { WriterEvent } from '../src/formats/evtx/write-evtx.js';
import { dnsQuery, fileCreate, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from './sysmon-events.js';

/** A small seeded PRNG (mulberry32), so corpora are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IMAGES = [
  'C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\explorer.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  'C:\\Windows\\System32\\cmd.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe',
  'C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', 'C:\\Windows\\System32\\conhost.exe',
];
const DOMAINS = ['www.example.com', 'login.microsoftonline.com', 'cdn.office.net', 'update.googleapis.com', 'teams.microsoft.com', 'fileshare.corp.example'];

/**
 * Realistic Sysmon traffic for `count` events on a few hosts: process creations followed by the
 * processes' DNS queries, connections and file writes, in time order.
 */
export function* generateEvents(count: number, seed = 42): Generator<WriterEvent> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  let clock = Date.parse('2026-01-05T08:00:00Z');
  const live: Array<{ p: ProcessSpec; host: string }> = [];
  let n = 0;
  for (let i = 0; i < count; i++) {
    clock += Math.floor(r() * 400);
    const time = new Date(clock).toISOString().replace('Z', `${String(Math.floor(r() * 9999)).padStart(4, '0')}Z`);
    const host = `WS${String(1 + Math.floor(r() * 20)).padStart(2, '0')}.corp.example`;
    const roll = r();
    if (live.length < 5 || roll < 0.15) {
      n++;
      const image = pick(IMAGES);
      const parent = live.length > 0 ? pick(live).p : undefined;
      const p: ProcessSpec = {
        guid: sysmonGuid(7, n),
        pid: 1000 + ((n * 4) % 60000),
        image,
        commandLine: `"${image}" ${pick(['--type=renderer', '-k netsvcs -p', '/c dir', '-nop -enc SQBFAFgA', '--profile=default', ''])} ${n}`,
        user: pick(['CORP\\alice', 'CORP\\bob', 'NT AUTHORITY\\SYSTEM']),
        ...(parent !== undefined ? { parent } : {}),
      };
      live.push({ p, host });
      if (live.length > 500) live.shift();
      yield processCreate(time, host, p);
      continue;
    }
    const { p, host: h } = pick(live);
    if (roll < 0.55) yield networkConnect(time, h, p, r() < 0.3 ? `10.20.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}` : `${52 + Math.floor(r() * 100)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`, pick([443, 80, 445, 8080]));
    else if (roll < 0.75) yield dnsQuery(time, h, p, pick(DOMAINS), [`52.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`]);
    else yield fileCreate(time, h, p, `C:\\Users\\alice\\AppData\\Local\\Temp\\${Math.floor(r() * 1e9).toString(36)}.tmp`);
  }
}
