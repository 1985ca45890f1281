/** Fixed process trees for the story tests: events as the readers give them, and the lookup the hunt's index gives. */
import type { Event } from '../../../src/event/event.js';
import { contextEntryOf, keysOf, type ContextEntry, type EntryLookup } from '../../../src/engine/process-context.js';
import type { StorySubject } from '../../../src/engine/story/story-subject.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
export const HOST = 'WS01';
export const t = (s: number) => Date.UTC(2026, 2, 12, 9, 0, s);
const iso = (s: number) => new Date(t(s)).toISOString().replace('T', ' ').replace('Z', '');

function sysmon(eid: number, s: number, fields: Record<string, string | number>): Event {
  return { fields: { Channel: SYSMON, EventID: eid, Computer: HOST, UtcTime: iso(s), ...fields }, timestamp: t(s) };
}
export const start = (s: number, guid: string, pid: number, image: string, parent?: { guid: string; pid: number; image: string }) =>
  sysmon(1, s, { ProcessGuid: `{${guid}}`, ProcessId: pid, Image: image, CommandLine: `${image} /x`, User: 'CORP\\alice', Hashes: 'SHA256=AB', ...(parent !== undefined ? { ParentProcessGuid: `{${parent.guid}}`, ParentProcessId: parent.pid, ParentImage: parent.image } : {}) });
export const sec4688 = (s: number | undefined, pid: number, ppid: number, image: string): Event => ({
  fields: { Channel: 'Security', EventID: 4688, Computer: HOST, NewProcessId: `0x${pid.toString(16)}`, ProcessId: `0x${ppid.toString(16)}`, NewProcessName: image, ParentProcessName: `parent-of-${image}` },
  ...(s !== undefined ? { timestamp: t(s) } : {}),
});

/** The lookup the hunt's index would give for these events, in input order. */
export function lookupOf(events: readonly Event[]): EntryLookup {
  const byKey = new Map<string, ContextEntry[]>();
  for (const e of events) {
    const entry = contextEntryOf(e, true);
    if (entry === undefined) continue;
    for (const k of keysOf(entry)) byKey.set(k, [...(byKey.get(k) ?? []), entry]);
  }
  return (k) => byKey.get(k);
}

export const subject = (guid: string | undefined, pid: number | undefined, s: number, extra: Partial<StorySubject['alert']> = {}): StorySubject => ({
  alert: { kind: 'event', at: t(s), host: HOST, rule: 'r', ruleId: '', level: 'high', tags: [], ...extra },
  hostKey: HOST.toLowerCase(),
  query: { guidKey: guid === undefined ? undefined : `g|ws01|${guid}`, pidKey: pid === undefined ? undefined : `p|ws01|${pid}`, at: t(s), namesProcess: true } as StorySubject['query'] & object,
  contributors: [],
  contributorCount: 0,
});

export const EXPLORER = { guid: 'aaaa-0001', pid: 100, image: 'C:\\Windows\\explorer.exe' };
export const CMD = { guid: 'aaaa-0002', pid: 200, image: 'C:\\Windows\\System32\\cmd.exe' };
export const CMSTP = { guid: 'aaaa-0003', pid: 300, image: 'C:\\Windows\\System32\\cmstp.exe' };

export const tree = [
  start(1, EXPLORER.guid, EXPLORER.pid, EXPLORER.image),
  start(2, CMD.guid, CMD.pid, CMD.image, EXPLORER),
  start(3, CMSTP.guid, CMSTP.pid, CMSTP.image, CMD),
  sysmon(22, 4, { ProcessGuid: `{${CMSTP.guid}}`, QueryName: 'cdn-update.example.net', QueryResults: 'type:  5 edge.example.net;::ffff:203.0.113.50;' }),
  sysmon(3, 5, { ProcessGuid: `{${CMSTP.guid}}`, DestinationIp: '203.0.113.50', DestinationPort: 443, Protocol: 'tcp', DestinationHostname: '-' }),
  sysmon(3, 6, { ProcessGuid: `{${CMSTP.guid}}`, DestinationIp: '198.51.100.9', DestinationPort: 80, DestinationHostname: 'other.example' }),
  sysmon(11, 7, { ProcessGuid: `{${CMSTP.guid}}`, TargetFilename: 'C:\\Users\\alice\\msupd.exe' }),
  sysmon(13, 8, { ProcessGuid: `{${CMSTP.guid}}`, EventType: 'SetValue', TargetObject: 'HKU\\x\\Run\\upd', Details: 'msupd.exe' }),
  sysmon(7, 8, { ProcessGuid: `{${CMSTP.guid}}`, ImageLoaded: 'C:\\Windows\\System32\\wininet.dll', Signed: 'true' }),
  start(9, 'aaaa-0004', 400, 'C:\\Users\\alice\\msupd.exe', CMSTP),
];

