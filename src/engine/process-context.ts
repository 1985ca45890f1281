import { holdsValue, type Event, type FieldValue } from '../event/event.js';
import { timeOf } from '../event/event-time.js';
import { Bloom } from './bloom.js';

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
  /** Sysmon's ParentProcessGuid (braces dropped, lower case): how a story finds the parent's own start. */
  readonly parentProcessGuid?: string;
  /** ISO-8601 time the process started. */
  readonly started?: string;
  /** How it was found: by ProcessGuid, or by ProcessId + host + time. */
  readonly matchedBy: 'guid' | 'pid';
}

/**
 * What an event contributes to process context: a process start (keyed by host + GUID and host + PID)
 * or a DNS answer (Sysmon 22, keyed by host + GUID). Plain data: it crosses threads and spills to disk.
 */
export type ContextEntry =
  | { readonly kind: 'process'; readonly guidKey?: string; readonly pidKey?: string; readonly childKey?: string; readonly at: number; readonly ctx: Omit<ProcessContext, 'matchedBy'> }
  | { readonly kind: 'dns'; readonly key: string; readonly query: string; readonly answers: readonly string[]; readonly at?: number }
  | ActivityEntry;

/**
 * What a process did, gathered only for stories (see contextEntryOf's `stories`): a network connection
 * (Sysmon 3), a file created (11), a registry change (12-14) or an image load (7), keyed by host + GUID
 * under their own prefix, so that the process lookups above never see them.
 */
export interface ActivityEntry {
  readonly kind: 'activity';
  readonly key: string;
  readonly at: number;
  readonly act: Activity;
}

export type Activity =
  | { readonly kind: 'network'; readonly ip: string; readonly port?: number; readonly protocol?: string; readonly hostname?: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'registry'; readonly change: string; readonly target: string; readonly details?: string }
  | { readonly kind: 'image'; readonly path: string; readonly hashes?: string; readonly signed?: string };

/** Story keys: a process's activity, and its children (process starts by host + ParentProcessGuid). */
export const activityKey = (host: string, guid: string) => `a|${host}|${guid}`;
export const childrenKey = (host: string, parentGuid: string) => `c|${host}|${parentGuid}`;

const str = (v: FieldValue | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));
const num = (v: FieldValue | undefined): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  return undefined;
};
const guidOf = (v: FieldValue | undefined): string | undefined => {
  const s = str(v);
  return s === undefined || s === '' ? undefined : s.replace(/[{}]/g, '').toLowerCase();
};
const hostOf = (e: Event): string => String(e.fields['Computer'] ?? '').toLowerCase();
const isSysmon = (e: Event) => holdsValue(e.fields['Channel'], 'microsoft-windows-sysmon/operational');

/** Time of the event in ms; Sysmon's UtcTime is preferred over TimeCreated for a process start. */
function eventTime(e: Event): number {
  const utc = e.fields['UtcTime'];
  const t = utc === undefined || utc === null ? NaN : timeOf(utc);
  return Number.isNaN(t) ? (e.timestamp ?? 0) : t;
}

/**
 * The context entry an event contributes, if any. With `stories`, also a process's activity, and process
 * starts carry a children key: only the HTML report asks, since every connection and file then spills too.
 */
export function contextEntryOf(e: Event, stories = false): ContextEntry | undefined {
  const f = e.fields;
  const eid = f['EventID'];
  if (holdsValue(eid, 1) && isSysmon(e)) return processEntry(e, guidOf(f['ProcessGuid']), num(f['ProcessId']), stories);
  if (holdsValue(eid, 4688) && holdsValue(f['Channel'], 'security')) return processEntry(e, undefined, num(f['NewProcessId'] ?? f['ProcessId']), stories);
  if (holdsValue(eid, 22) && isSysmon(e)) {
    const guid = guidOf(f['ProcessGuid']);
    const query = str(f['QueryName']);
    if (guid === undefined || query === undefined) return undefined;
    // QueryResults: "type:  5 cname.example;::ffff:203.0.113.7;198.51.100.2;"
    const answers = [...new Set((str(f['QueryResults']) ?? '').split(';').map((a) => a.trim().replace(/^::ffff:/i, '').toLowerCase()).filter((a) => a !== ''))];
    return { kind: 'dns', key: `d|${hostOf(e)}|${guid}`, query, answers, at: eventTime(e) };
  }
  return stories && isSysmon(e) ? activityEntryOf(e) : undefined;
}

const REGISTRY_IDS = [12, 13, 14] as const;

function activityEntryOf(e: Event): ActivityEntry | undefined {
  const f = e.fields;
  const guid = guidOf(f['ProcessGuid']);
  if (guid === undefined) return undefined;
  const eid = f['EventID'];
  let act: Activity | undefined;
  if (holdsValue(eid, 3)) {
    const ip = str(f['DestinationIp'])?.toLowerCase().replace(/^::ffff:/, '');
    const hostname = str(f['DestinationHostname']);
    if (ip !== undefined) act = { kind: 'network', ip, port: num(f['DestinationPort']), protocol: str(f['Protocol']), hostname: hostname === '-' ? undefined : hostname } as Activity;
  } else if (holdsValue(eid, 11)) {
    const path = str(f['TargetFilename']);
    if (path !== undefined) act = { kind: 'file', path };
  } else if (REGISTRY_IDS.some((id) => holdsValue(eid, id))) {
    const target = str(f['TargetObject']);
    if (target !== undefined) act = { kind: 'registry', change: str(f['EventType']) ?? `event ${String(eid)}`, target, details: str(f['Details'] ?? f['NewName']) } as Activity;
  } else if (holdsValue(eid, 7)) {
    const path = str(f['ImageLoaded']);
    if (path !== undefined) act = { kind: 'image', path, hashes: str(f['Hashes']), signed: str(f['Signed']) } as Activity;
  }
  return act === undefined ? undefined : { kind: 'activity', key: activityKey(hostOf(e), guid), at: eventTime(e), act };
}

function processEntry(e: Event, guid: string | undefined, pid: number | undefined, stories = false): ContextEntry {
  const f = e.fields;
  const at = eventTime(e);
  const image = str(f['Image'] ?? f['NewProcessName']);
  // Absent values stay undefined: the entry crosses threads and spills as JSON, which leaves them out (and
  // one object literal of fixed shape is much cheaper per event than a spread per optional field).
  const ctx = {
    image,
    commandLine: str(f['CommandLine']),
    parentImage: str(f['ParentImage'] ?? f['ParentProcessName']),
    parentCommandLine: str(f['ParentCommandLine']),
    user: str(f['User']),
    integrityLevel: str(f['IntegrityLevel']),
    hashes: str(f['Hashes']),
    processGuid: str(f['ProcessGuid']),
    processId: pid,
    // 4688's ProcessId is the creator's; Sysmon's is the process's own, never its parent's.
    parentProcessId: num(f['ParentProcessId'] ?? (guid === undefined ? f['ProcessId'] : undefined)),
    parentProcessGuid: guidOf(f['ParentProcessGuid']),
    started: at > 0 ? new Date(at).toISOString() : undefined,
  } as Omit<ProcessContext, 'matchedBy'>;
  const host = hostOf(e);
  // A 4688 start has no GUIDs: its children are found by the parent's PID (`p` + PID, never a GUID's spelling).
  const parent = !stories ? undefined : guid !== undefined ? ctx.parentProcessGuid : ctx.parentProcessId !== undefined ? `p${ctx.parentProcessId}` : undefined;
  return {
    kind: 'process',
    guidKey: guid !== undefined ? `g|${host}|${guid}` : undefined,
    pidKey: pid !== undefined ? `p|${host}|${pid}` : undefined,
    childKey: parent !== undefined ? childrenKey(host, parent) : undefined,
    at,
    ctx,
  } as ContextEntry;
}

/** The keys an event's context is looked up by. */
export interface ContextQuery {
  readonly guidKey?: string;
  readonly pidKey?: string;
  readonly dnsKey?: string;
  readonly ip?: string;
  readonly at: number;
  /** The event names a process (ProcessGuid or ProcessId): a missing creation is worth saying. */
  readonly namesProcess: boolean;
}

export function contextQueryOf(e: Event): ContextQuery {
  const host = hostOf(e);
  const guid = guidOf(e.fields['ProcessGuid']);
  const pid = num(e.fields['ProcessId']);
  const ip = str(e.fields['DestinationIp'])?.toLowerCase().replace(/^::ffff:/, '');
  // One object of fixed shape (absent keys undefined): made for every alert on the main thread.
  const dns = guid !== undefined && ip !== undefined;
  return {
    guidKey: guid !== undefined ? `g|${host}|${guid}` : undefined,
    pidKey: pid !== undefined ? `p|${host}|${pid}` : undefined,
    dnsKey: dns ? `d|${host}|${guid}` : undefined,
    ip: dns ? ip : undefined,
    at: eventTime(e),
    namesProcess: e.fields['ProcessGuid'] !== undefined || e.fields['ProcessId'] !== undefined,
  } as ContextQuery;
}

export interface ResolvedContext {
  readonly process?: ProcessContext;
  readonly domain?: string;
}

/** Looks up entries per key, oldest first. */
export type EntryLookup = (key: string) => readonly ContextEntry[] | undefined;

/**
 * The context of a query given every entry of the inputs (in input order): the process by GUID (first
 * start seen), else by host + PID (the latest start not after the event, for PID reuse), and the first
 * DNS answer of the same process that resolved the destination IP.
 */
export function resolveContext(q: ContextQuery, lookup: EntryLookup): ResolvedContext {
  let process: ProcessContext | undefined;
  const byGuid = q.guidKey === undefined ? undefined : lookup(q.guidKey)?.[0];
  if (byGuid !== undefined && byGuid.kind === 'process') process = { ...byGuid.ctx, matchedBy: 'guid' };
  else if (q.pidKey !== undefined) {
    let best: Extract<ContextEntry, { kind: 'process' }> | undefined;
    for (const c of lookup(q.pidKey) ?? []) if (c.kind === 'process' && c.at <= q.at && (best === undefined || c.at > best.at)) best = c;
    if (best !== undefined) process = { ...best.ctx, matchedBy: 'pid' };
  }
  return withDomain(process, resolveDomain(q, lookup));
}

/** The domain part of resolveContext alone: the first DNS answer of the process that resolved the IP. */
export function resolveDomain(q: ContextQuery, lookup: EntryLookup): string | undefined {
  if (q.dnsKey === undefined || q.ip === undefined) return undefined;
  for (const d of lookup(q.dnsKey) ?? []) if (d.kind === 'dns' && d.answers.includes(q.ip)) return d.query;
  return undefined;
}

export function withDomain(process: ProcessContext | undefined, domain: string | undefined): ResolvedContext {
  return { ...(process !== undefined ? { process } : {}), ...(domain !== undefined ? { domain } : {}) };
}

export interface ProcessIndexOptions {
  /** Most entries held in memory; the oldest beyond it go to `evict` (default: unbounded). */
  readonly capacity?: number;
  readonly evict?: (entry: PackedEntry) => void;
}

/**
 * Process starts and DNS answers by key, in input order, holding at most `capacity` entries: the oldest
 * are handed to `evict` (the hunt spills them to disk) and remembered in a Bloom filter, so a lookup can
 * tell whether its answer is final or must wait for the spilled entries.
 */
export class ProcessIndex {
  private readonly byKey = new Map<string, PackedEntry[]>();
  private queue: PackedEntry[] = [];
  private head = 0;
  private readonly evicted = new Bloom(23);
  private evictedAny = false;
  private readonly capacity: number;
  /** Entries already parsed for a lookup. */
  private readonly parsed = new WeakMap<PackedEntry, ContextEntry>();

  constructor(private readonly options: ProcessIndexOptions = {}) {
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** True once any entry left memory. */
  get spilled(): boolean {
    return this.evictedAny;
  }

  addEntry(entry: PackedEntry): void {
    for (const key of entry.keys) {
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [entry]);
      else list.push(entry);
    }
    this.queue.push(entry);
    if (this.size > this.capacity) this.evictOldest();
  }

  private evictOldest(): void {
    const entry = this.queue[this.head] as PackedEntry;
    this.queue[this.head++] = undefined as unknown as PackedEntry;
    if (this.head > 65536 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    for (const key of entry.keys) {
      const list = this.byKey.get(key);
      // Entries leave in input order, so the oldest of its key is at the front.
      if (list !== undefined && list[0] === entry) {
        if (list.length === 1) this.byKey.delete(key);
        else list.shift();
      }
      this.evicted.add(key);
    }
    this.evictedAny = true;
    this.options.evict?.(entry);
  }

  private unpack(p: PackedEntry): ContextEntry {
    let e = this.parsed.get(p);
    if (e === undefined) this.parsed.set(p, (e = unpackLine(p.line)));
    return e;
  }

  /** Entries of a key still in memory, oldest first. */
  readonly lookup: EntryLookup = (key) => this.byKey.get(key)?.map((p) => this.unpack(p));

  /** Whether some entry of the key may have been evicted. */
  mayHaveEvicted(key: string): boolean {
    return this.evictedAny && this.evicted.has(key);
  }

  /** The process part of a query when it is already final (found by GUID in a key nothing was evicted from). */
  processNow(q: ContextQuery): ProcessContext | undefined {
    if (q.guidKey === undefined || this.mayHaveEvicted(q.guidKey)) return undefined;
    const first = this.lookup(q.guidKey)?.[0];
    return first?.kind === 'process' ? { ...first.ctx, matchedBy: 'guid' } : undefined;
  }

  /**
   * The context of a query if it is already final whatever entries come later or were spilled:
   * a process found by GUID and a domain found, each in a key nothing was evicted from. Else undefined.
   * `process` is processNow(q), when the caller has it already.
   */
  resolveNow(q: ContextQuery, process = this.processNow(q)): ResolvedContext | undefined {
    if (q.guidKey === undefined ? q.namesProcess : process === undefined) return undefined;
    let domain: string | undefined;
    if (q.dnsKey !== undefined && q.ip !== undefined) {
      if (this.mayHaveEvicted(q.dnsKey)) return undefined;
      domain = resolveDomain(q, this.lookup);
      if (domain === undefined) return undefined;
    }
    return withDomain(process, domain);
  }
}

/**
 * A context entry as it crosses threads, sits in the index and spills to disk: its keys in the clear, and one
 * line of text (the keys as JSON, a tab, the entry as JSON) that is cloned, held and written as one string
 * and parsed only when an alert looks the entry up.
 */
export interface PackedEntry {
  readonly keys: readonly string[];
  readonly line: string;
}

export function packEntry(entry: ContextEntry): PackedEntry {
  const keys = keysOf(entry);
  return { keys, line: `${JSON.stringify(keys)}\t${JSON.stringify(entry)}` };
}

/** The keys of a packed entry's line, without parsing the entry. */
export function keysOfLine(line: string): string[] {
  return JSON.parse(line.slice(0, line.indexOf('\t'))) as string[];
}

export function unpackLine(line: string): ContextEntry {
  return JSON.parse(line.slice(line.indexOf('\t') + 1)) as ContextEntry;
}

export function keysOf(entry: ContextEntry): string[] {
  switch (entry.kind) {
    case 'dns':
    case 'activity':
      return [entry.key];
    case 'process': {
      const keys: string[] = [];
      if (entry.guidKey !== undefined) keys.push(entry.guidKey);
      if (entry.pidKey !== undefined) keys.push(entry.pidKey);
      if (entry.childKey !== undefined) keys.push(entry.childKey);
      return keys;
    }
    default: {
      const never: never = entry;
      return never;
    }
  }
}
