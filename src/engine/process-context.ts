import type { Event, FieldValue } from '../event/event.js';
import { timeOf } from '../event/event-time.js';

/** The process behind an event, from its process-creation event (Sysmon 1 or Security 4688). */
export interface ProcessContext {
  readonly image?: string;
  readonly commandLine?: string;
  readonly parentImage?: string;
  readonly parentCommandLine?: string;
  readonly user?: string;
  readonly integrityLevel?: string;
  readonly hashes?: string;
  readonly processGuid?: string;
  readonly processId?: number;
  readonly parentProcessId?: number;
  /** ISO-8601 time the process started. */
  readonly started?: string;
  /** How it was found: by ProcessGuid, or by ProcessId + host + time. */
  readonly matchedBy: 'guid' | 'pid';
}

export interface DnsContext {
  readonly query: string;
}

const str = (v: FieldValue | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));
const num = (v: FieldValue | undefined): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  return undefined;
};
const guidKey = (v: FieldValue | undefined): string | undefined => {
  const s = str(v);
  return s === undefined || s === '' ? undefined : s.replace(/[{}]/g, '').toLowerCase();
};
const hostOf = (e: Event): string => String(e.fields['Computer'] ?? '').toLowerCase();
const isSysmon = (e: Event) => String(e.fields['Channel'] ?? '').toLowerCase() === 'microsoft-windows-sysmon/operational';

/** Time of the event in ms; Sysmon's UtcTime is preferred over TimeCreated for a process start. */
function eventTime(e: Event): number {
  const utc = e.fields['UtcTime'];
  const t = utc === undefined || utc === null ? NaN : timeOf(utc);
  return Number.isNaN(t) ? (e.timestamp ?? 0) : t;
}

interface Started {
  readonly ctx: Omit<ProcessContext, 'matchedBy'>;
  readonly at: number;
}

/**
 * Indexes process creations (by host + ProcessGuid, and by host + ProcessId over time for events
 * without a GUID) and DNS answers (Sysmon 22), across every input of a hunt, so an alert finds its
 * process story wherever the creation event is: earlier, later, or in another file.
 */
export class ProcessIndex {
  private readonly byGuid = new Map<string, Started>();
  private readonly byPid = new Map<string, Started[]>();
  private readonly dns = new Map<string, Array<{ query: string; answers: Set<string> }>>();

  add(e: Event): void {
    const f = e.fields;
    const eid = f['EventID'];
    if (eid === 1 && isSysmon(e)) this.addProcess(e, guidKey(f['ProcessGuid']), num(f['ProcessId']));
    else if (eid === 4688 && String(f['Channel'] ?? '').toLowerCase() === 'security') this.addProcess(e, undefined, num(f['NewProcessId'] ?? f['ProcessId']));
    else if (eid === 22 && isSysmon(e)) this.addDns(e);
  }

  private addProcess(e: Event, guid: string | undefined, pid: number | undefined): void {
    const f = e.fields;
    const at = eventTime(e);
    const image = str(f['Image'] ?? f['NewProcessName']);
    const ctx: Omit<ProcessContext, 'matchedBy'> = {
      ...(image !== undefined ? { image } : {}),
      ...opt('commandLine', str(f['CommandLine'])),
      ...opt('parentImage', str(f['ParentImage'] ?? f['ParentProcessName'])),
      ...opt('parentCommandLine', str(f['ParentCommandLine'])),
      ...opt('user', str(f['User'])),
      ...opt('integrityLevel', str(f['IntegrityLevel'])),
      ...opt('hashes', str(f['Hashes'])),
      ...opt('processGuid', str(f['ProcessGuid'])),
      ...opt('processId', pid),
      ...opt('parentProcessId', num(f['ParentProcessId'] ?? f['ProcessId'])),
      ...(at > 0 ? { started: new Date(at).toISOString() } : {}),
    };
    const host = hostOf(e);
    if (guid !== undefined) this.byGuid.set(`${host}|${guid}`, { ctx, at });
    if (pid !== undefined) {
      const key = `${host}|${pid}`;
      const list = this.byPid.get(key) ?? [];
      list.push({ ctx, at });
      this.byPid.set(key, list);
    }
  }

  private addDns(e: Event): void {
    const f = e.fields;
    const guid = guidKey(f['ProcessGuid']);
    const query = str(f['QueryName']);
    if (guid === undefined || query === undefined) return;
    // QueryResults: "type:  5 cname.example;::ffff:203.0.113.7;198.51.100.2;"
    const answers = new Set((str(f['QueryResults']) ?? '').split(';').map((a) => a.trim().replace(/^::ffff:/i, '').toLowerCase()).filter((a) => a !== ''));
    const key = `${hostOf(e)}|${guid}`;
    const list = this.dns.get(key) ?? [];
    list.push({ query, answers });
    this.dns.set(key, list);
  }

  /** The creating process of an event: by GUID, else by PID on the same host, the latest start not after the event (PID reuse). */
  processOf(e: Event): ProcessContext | undefined {
    const host = hostOf(e);
    const guid = guidKey(e.fields['ProcessGuid']);
    if (guid !== undefined) {
      const hit = this.byGuid.get(`${host}|${guid}`);
      if (hit !== undefined) return { ...hit.ctx, matchedBy: 'guid' };
    }
    const pid = num(e.fields['ProcessId']);
    if (pid === undefined) return undefined;
    const candidates = this.byPid.get(`${host}|${pid}`);
    if (candidates === undefined) return undefined;
    const at = eventTime(e);
    let best: Started | undefined;
    for (const c of candidates) if (c.at <= at && (best === undefined || c.at > best.at)) best = c;
    return best === undefined ? undefined : { ...best.ctx, matchedBy: 'pid' };
  }

  /** The domain the same process resolved to the event's destination IP, if any. */
  domainOf(e: Event): string | undefined {
    const guid = guidKey(e.fields['ProcessGuid']);
    const ip = str(e.fields['DestinationIp'])?.toLowerCase().replace(/^::ffff:/, '');
    if (guid === undefined || ip === undefined) return undefined;
    const list = this.dns.get(`${hostOf(e)}|${guid}`);
    return list?.find((d) => d.answers.has(ip))?.query;
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}
