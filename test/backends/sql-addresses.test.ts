import ipaddr from 'ipaddr.js';
import { describe, expect, test } from 'vitest';
import { rng } from '../../bench/generate-corpus.js';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { eventRow } from '../../src/backends/sql/events-table.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { eventFromObject } from '../../src/event/event.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { useStore } from './open-store.js';

/**
 * `cidr` in SQL against the engine on generated address text: networks of every kind of prefix (whole and partial
 * nibbles, /0 to /128, IPv4-mapped, IPv4), addresses inside, just outside and elsewhere, written in every form the
 * IPv6 text admits (full, `::` at any run of zero groups, leading zeros or none, either case, a dotted IPv4 tail, a
 * zone index, white space around) and mutated into text that is no address (a group too long, a second `::`, a stray
 * colon, a bad or zero-led octet, a line break in the zone). Each network's rule, converted, finds the rows the engine
 * finds, on SQLite and DuckDB (plain SQL, no address type), PostgreSQL and ClickHouse.
 */
const r = rng(20261203);
const int = (n: number) => Math.floor(r() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

const V6_NETS = ['::1/128', 'fe80::/10', 'fc00::/7', '2001:db8::/32', '::ffff:0:0/96', '::/0', '2001:db8:abc0::/45', '2001:db8:1234:5678:9abc:def0:1234:5670/125', 'ff00::/8', '64:ff9b::/96', '2001:db8::/33', '2001:db8:8000::/66'];
const V4_NETS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.1.128/25', '0.0.0.0/0', '127.0.0.1/32'];

/** Bytes inside (or, with `outside`, just outside) the network. */
function addressNear(cidr: string, outside: boolean): number[] {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  const bytes = net.toByteArray();
  const total = bytes.length * 8;
  for (let b = bits; b < total; b++) if (r() < 0.5) bytes[b >> 3] = (bytes[b >> 3] as number) ^ (0x80 >> (b & 7));
  if (outside && bits > 0) {
    const b = bits - 1 - int(Math.min(bits, 3));
    bytes[b >> 3] = (bytes[b >> 3] as number) ^ (0x80 >> (b & 7));
  }
  return bytes;
}

/** One of the texts of an IPv6 address (16 bytes). */
function ipv6Text(bytes: readonly number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] as number) * 256 + (bytes[2 * i + 1] as number));
  const hex = (g: number) => {
    const h = g.toString(16);
    const padded = r() < 0.3 ? h.padStart(4, '0') : h;
    return r() < 0.3 ? padded.toUpperCase() : padded;
  };
  const tail = r() < 0.25;
  const shown: string[] = (tail ? groups.slice(0, 6) : groups).map(hex);
  if (tail) shown.push(`${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`);
  // '::' over a run of zero groups (not the dotted tail), when there is one and the coin says so.
  const zero = shown.map((g, i) => /^0+$/.test(g) && i < (tail ? 6 : 8));
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < zero.length; i++) if (zero[i] && (i === 0 || !zero[i - 1])) {
    let j = i;
    while (zero[j + 1]) j++;
    runs.push([i, j]);
  }
  let text = shown.join(':');
  if (runs.length > 0 && r() < 0.8) {
    const [a, b] = pick(runs);
    const from = a + int(b - a + 1);
    const to = from + int(b - from + 1);
    text = `${shown.slice(0, from).join(':')}::${shown.slice(to + 1).join(':')}`;
  }
  if (r() < 0.1) text += pick(['%eth0', '%12', '%', '%a b']);
  if (r() < 0.05) text = ` ${text}\t`;
  return text;
}

function mutate(text: string): string {
  switch (int(9)) {
    case 0:
      return text.replace(/[0-9a-fA-F]{1,4}/, (g) => `${g}${'0'.repeat(5 - g.length)}1`);
    case 1:
      return text.includes('::') ? `${text}::1` : `::${text}`;
    case 2:
      return `${text}:`;
    case 3:
      return `:${text}`;
    case 4:
      return text.replace(/:/, ':g');
    case 5:
      return `${text}%a\nb`;
    case 6:
      return text.includes('.') ? text.replace(/\.(\d+)$/, '.0$1') : `${text}:1.2.3.4`;
    case 7:
      return text.includes('.') ? text.replace(/\d+$/, '256') : `${text}:1:2:3:4:5:6:7:8`;
    default:
      return text.replace(/::/, ':');
  }
}

function ipv4Text(bytes: readonly number[]): string {
  const quad = bytes.map((b) => (r() < 0.1 ? String(b).padStart(3, '0') : String(b))).join('.');
  return r() < 0.15 ? `${pick(['::ffff:', '::FFFF:'])}${quad}` : r() < 0.05 ? ` ${quad} ` : quad;
}

const texts: string[] = ['::', '::1', '1::', '::ffff:1.2.3.4', '::1.2.3.4', 'fe80::1%eth0', 'FE80::1%', '1:2:3:4:5:6:7::', '1::2:3:4:5:6:7:8', '0:0:0:0:0:0:0:0:0', '', 'x',
  // The engine's reading of a dotted tail (ipaddr.js): octets with leading zeros or in hex, and `::a.b.c.d` as mapped.
  '::ffff:0x0a.1.2.3', '::0X7f.0.0.1', '::127.0.0.01', '::ffff:1.2.3.0004', '1::1.2.3.4', '::ffff:1.2.3.0x100', '::ffff:1.2.3.00000000000000000001',
  '::ffff:1.2.3.0x', '::ffff:1.2.3.0x00ff', '::ffff:1.2.3.0400', '::1:1.2.3.4', 'fe80::1%eth0%x', 'fe80::1%a\u2028b', '::ffff:1.2.3.4.5', '::1.2.3'];
for (let k = 0; k < 900; k++) {
  const v6 = r() < 0.75;
  const bytes = addressNear(pick(v6 ? V6_NETS : V4_NETS), r() < 0.3);
  const text = v6 ? ipv6Text(bytes) : ipv4Text(bytes);
  texts.push(r() < 0.2 ? mutate(text) : text);
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const events = texts.map((ip) => normalizeWindowsEvent(eventFromObject({ Channel: SYSMON, EventID: 3, Computer: 'A', DestinationIp: ip }, { file: 'addresses' })));
const rows = events.map((e, i) => eventRow(e, i + 1));

const rule = (nets: readonly string[], k: number) => `title: Network ${k}
id: 0d7c1f4e-2b1a-4f7e-8c55-${String(k).padStart(12, '0')}
status: test
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        DestinationIp|cidr:
${nets.map((n) => `            - '${n}'`).join('\n')}
    condition: selection
level: high
`;
// Each network alone, then the lists (one read of the address for all networks, where the dialect has the hook).
const RULES = [...[...V6_NETS, ...V4_NETS].map((n) => [n]), V6_NETS, V4_NETS, [...V6_NETS, ...V4_NETS]];

describe.each(['sqlite', 'duckdb', 'postgres', 'clickhouse'] as const)('%s: cidr on generated address text finds what the engine finds', (target) => {
  const opened = useStore(target, rows);
  test(`${RULES.length} rules over ${rows.length} addresses`, async (ctx) => {
    const store = opened();
    if (store === undefined) return ctx.skip();
    let matched = 0;
    for (const [k, nets] of RULES.entries()) {
      const collection = loadRuleTexts([{ file: `network-${k}.yml`, text: rule(nets, k) }]);
      const set = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
      const compiled = set.rules[0];
      if (compiled === undefined) throw new Error(`rule ${k} does not compile`);
      const want = events.flatMap((e, i) => (set.match(e).length > 0 ? [i + 1] : []));
      const converted = convertRule(compiled.rule, BACKENDS[target], target, resolveWindowsLogsource);
      expect(converted.diagnostics).toEqual([]);
      const got = await store.recordIds(converted.query as string);
      const show = (ids: number[]) => ids.map((i) => JSON.stringify(texts[i - 1]));
      expect({ nets, missing: show(want.filter((i) => !got.includes(i))), extra: show(got.filter((i) => !want.includes(i))) }).toEqual({ nets, missing: [], extra: [] });
      matched += want.length;
    }
    // Inside and outside both occur (else the comparison proves little).
    expect(matched).toBeGreaterThan(1000);
  }, 60_000);
});
