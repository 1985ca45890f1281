import ipaddr from 'ipaddr.js';
import type { Alert } from '../engine/alert.js';
import type { Event, FieldValue } from '../event/event.js';
import type { SigmaRule } from '../rule/model.js';
import { generalise, GENERALISERS, patternKey, patternText, renderValue, type Generaliser, type Pattern } from './generalise.js';

/** One field test of a known-good entry: a value (a Sigma string, a number, or null for "absent") or CIDR ranges. */
export type EntryTest =
  | { readonly field: string; readonly kind: 'value'; readonly value: string | number | null; readonly shown: string; /** `|re|i` when the value was generalised. */ readonly modifiers?: string }
  | { readonly field: string; readonly kind: 'cidr'; readonly ranges: readonly string[] };

/** An activity a rule fired on in the baseline period: the fields that define it and how often it was seen. */
export interface Activity {
  readonly rule: SigmaRule;
  readonly kind: 'process' | 'network';
  /** What the activity is, in one line (the filter's title). */
  readonly summary: string;
  readonly tests: readonly EntryTest[];
  readonly count: number;
  readonly hosts: readonly string[];
  /** Milliseconds since the epoch; undefined when no event carried a time. */
  readonly first?: number;
  readonly last?: number;
  /** Where a network entry's destination came from: the event's own host name, DNS, or the address's network. */
  readonly destination?: 'hostname' | 'dns' | 'network';
  readonly domain?: string;
  /**
   * False when the events carried none of the fields that define an activity (Image, ParentImage, CommandLine):
   * an entry would then match every alert of the rule, which is disabling it, not tuning it.
   */
  readonly describable: boolean;
  /** The first event of the activity (its alert's fields), to check which entries cover which activities. */
  readonly sample: Event;
}

interface Group {
  rule: SigmaRule;
  kind: 'process' | 'network';
  fixed: EntryTest[];
  summary: string;
  destination?: 'hostname' | 'dns' | 'network';
  domain?: string;
  describable: boolean;
  sample: Event;
  /** DNS-keyed entries: the networks of every address the domain's connections went to. */
  ranges: Set<string>;
  count: number;
  hosts: Set<string>;
  first?: number;
  last?: number;
}

const PROCESS_FIELDS = ['Image', 'ParentImage', 'User', 'CommandLine'] as const;

const text = (v: FieldValue | undefined): string | undefined => (v === undefined || v === null || typeof v === 'object' ? undefined : String(v));
const leaf = (path: string | undefined) => (path === undefined ? '?' : (path.split('\\').pop() ?? path));

/** A user name (DOMAIN\name or name) found as a folder anywhere in a value: `\\fs01\home\alice\` too. */
export function userFolderGeneraliser(user: string | undefined): Generaliser | undefined {
  const name = user?.split('\\').pop()?.trim();
  if (name === undefined || name.length < 3 || /^(system|local service|network service)$/i.test(name)) return undefined;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { name: 'user-folder', description: "the event's own user name as a folder of a path", wildcard: '[^\\\\/]+', re: new RegExp(`(?<=[\\\\/])${escaped}(?=[\\\\/])`, 'gi') };
}

/** The network an address belongs to for a baseline: its /24 (IPv4) or /64 (IPv6). */
export function networkOf(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  let a = ipaddr.parse(ip);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return a.kind() === 'ipv4' ? `${ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/24`).toString()}/24` : `${ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/64`).toString()}/64`;
}

/** A host name as Sysmon's DestinationHostname gives it, when it is a name (not '-', empty, or an address). */
const realHostname = (v: string | undefined) => (v === undefined || v === '' || v === '-' || ipaddr.isValid(v) ? undefined : v.toLowerCase());

function valueTest(field: string, v: string | undefined, gens: readonly Generaliser[]): { test: EntryTest; key: string } {
  if (v === undefined) return { test: { field, kind: 'value', value: null, shown: '(absent)' }, key: `${field}=\u0001` };
  const p: Pattern = gens.length === 0 ? [{ kind: 'text', text: v }] : generalise(v, gens);
  const { modifiers, value } = renderValue(p);
  return { test: { field, kind: 'value', value, shown: patternText(p), ...(modifiers !== '' ? { modifiers } : {}) }, key: `${field}=${patternKey(p)}` };
}

/**
 * Learns a baseline from the alerts of a known-good period: groups each rule's alerts by the fields that
 * define the activity (generalised), counting events, hosts and the first and last time.
 */
export class BaselineLearner {
  private readonly groups = new Map<string, Group>();
  alerts = 0;

  add(alert: Alert): void {
    this.alerts++;
    const rule = alert.rule;
    const f = alert.event.fields;
    const user = text(f['User']) ?? alert.process?.user;
    const userGen = userFolderGeneraliser(user);
    const gens = userGen === undefined ? GENERALISERS : [...GENERALISERS.slice(0, 2), userGen, ...GENERALISERS.slice(2)];
    // A program's path keeps its numbers (a version folder is where it was installed); only arguments vary by run.
    const pathGens = gens.filter((g) => g.name !== 'number');
    const network = rule.logsource.category === 'network_connection';
    const tests: EntryTest[] = [];
    const keys: string[] = [rule.id ?? rule.title];
    const push = (t: { test: EntryTest; key: string }) => {
      tests.push(t.test);
      keys.push(t.key);
    };
    let summary: string;
    let destination: Group['destination'];
    let domain: string | undefined;
    let range: string | undefined;
    const image = text(f['Image']);
    if (network) {
      push(valueTest('Image', image, pathGens));
      const hostname = realHostname(text(f['DestinationHostname']));
      const ip = text(f['DestinationIp']);
      const port = text(f['DestinationPort']);
      let where: string;
      if (hostname !== undefined) {
        destination = 'hostname';
        push(valueTest('DestinationHostname', hostname, []));
        where = hostname;
      } else {
        range = ip === undefined ? undefined : networkOf(ip);
        domain = alert.domain?.toLowerCase();
        destination = domain !== undefined ? 'dns' : 'network';
        if (domain !== undefined) keys.push(`dns=${domain}`);
        else {
          tests.push(range === undefined ? { field: 'DestinationIp', kind: 'value', value: null, shown: '(absent)' } : { field: 'DestinationIp', kind: 'cidr', ranges: [range] });
          keys.push(`net=${range ?? ''}`);
        }
        where = domain ?? range ?? '?';
      }
      const portTest: EntryTest = port !== undefined && /^\d+$/.test(port) ? { field: 'DestinationPort', kind: 'value', value: Number(port), shown: port } : valueTest('DestinationPort', port, []).test;
      tests.push(portTest);
      keys.push(`port=${port ?? ''}`);
      push(valueTest('User', user, []));
      summary = `${leaf(image)} to ${where}:${port ?? '?'} as ${user ?? 'any user'}`;
    } else {
      for (const field of PROCESS_FIELDS) push(valueTest(field, text(f[field]), field === 'User' ? [] : field === 'CommandLine' ? gens : pathGens));
      summary = `${leaf(text(f['ParentImage']))} -> ${leaf(image)} as ${user ?? 'any user'}`;
    }
    const key = keys.join('\u0002');
    const describable = image !== undefined || (!network && (f['CommandLine'] !== undefined || f['ParentImage'] !== undefined));
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { rule, kind: network ? 'network' : 'process', fixed: tests, summary, describable, sample: alert.event, ranges: new Set(), count: 0, hosts: new Set(), ...(destination !== undefined ? { destination } : {}), ...(domain !== undefined ? { domain } : {}) };
      this.groups.set(key, g);
    }
    if (g.destination === 'dns' && range !== undefined) g.ranges.add(range);
    g.count++;
    g.hosts.add(String(f['Computer'] ?? '?').toLowerCase());
    const t = alert.event.timestamp;
    if (t !== undefined) {
      g.first = Math.min(g.first ?? t, t);
      g.last = Math.max(g.last ?? t, t);
    }
  }

  /** The activities, by rule (in the order rules first fired), most frequent first within a rule. */
  activities(): Activity[] {
    const out: Activity[] = [...this.groups.values()].map((g) => {
      const tests = g.destination === 'dns' ? dnsTests(g) : g.fixed;
      return {
        rule: g.rule,
        kind: g.kind,
        summary: g.summary,
        describable: g.describable,
        sample: g.sample,
        tests,
        count: g.count,
        hosts: [...g.hosts].sort(),
        ...(g.first !== undefined ? { first: g.first } : {}),
        ...(g.last !== undefined ? { last: g.last } : {}),
        ...(g.destination !== undefined ? { destination: g.destination } : {}),
        ...(g.domain !== undefined ? { domain: g.domain } : {}),
      };
    });
    const order = new Map<SigmaRule, number>();
    for (const a of out) if (!order.has(a.rule)) order.set(a.rule, order.size);
    return out.sort((a, b) => (order.get(a.rule) as number) - (order.get(b.rule) as number) || b.count - a.count || (a.summary < b.summary ? -1 : 1));
  }
}

/** A domain learned from DNS: a Sigma filter sees only the event, so the entry names the networks the domain resolved to. */
function dnsTests(g: Group): EntryTest[] {
  const ranges = [...g.ranges].sort();
  const ipTest: EntryTest = ranges.length === 0 ? { field: 'DestinationIp', kind: 'value', value: null, shown: '(absent)' } : { field: 'DestinationIp', kind: 'cidr', ranges };
  const [image, ...rest] = g.fixed;
  return image === undefined ? [ipTest, ...rest] : [image, ipTest, ...rest];
}

