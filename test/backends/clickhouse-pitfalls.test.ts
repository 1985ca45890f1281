import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { eventRow } from '../../src/backends/sql/events-table.js';
import { stringsOf } from '../../src/compile/field-values.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { eventFromObject, eventStrings, type FieldValue } from '../../src/event/event.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { adversarialEvents } from './adversarial-events.js';
import { ChdbStore } from './chdb-store.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const proc = (fields: Record<string, FieldValue>) => ({ Channel: SYSMON, EventID: 1, Computer: 'CH01', Image: 'C:\\x.exe', ...fields });

/** A deterministic pseudo-random generator (mulberry32), so a failure names the same rows every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(14);
const hex = () => Math.floor(next() * 65536).toString(16);
/** Random IPv6 addresses, many of them sharing a prefix with the networks below, in full and compressed forms. */
const ipv6 = Array.from({ length: 240 }, (_, i) => {
  const groups = Array.from({ length: 8 }, hex);
  if (i % 3 === 0) groups.splice(0, 3, 'fd12', '3456', (0x7800 + (i % 16)).toString(16));
  if (i % 4 === 1) groups.splice(0, 1, i % 8 === 1 ? '7fff' : '8000');
  const text = groups.join(':');
  return i % 5 === 0 ? text.replace(/(^|:)0+(?=[0-9a-f])/g, '$1').replace(/:0:0:/, '::') : text;
});
const NETWORKS = ['::/0', '::/1', '8000::/1', 'fd12:3456:7800::/37', 'fd12:3456:7808::/45', 'fd12:3456:7806::/48', `${ipaddr.IPv6.networkAddressFromCIDR(`${ipv6[0] as string}/64`).toString()}/64`, `${ipaddr.IPv6.networkAddressFromCIDR(`${ipv6[3] as string}/127`).toString()}/127`, `${ipv6[6] as string}/128`];

const fields: Array<Record<string, FieldValue>> = [
  ...adversarialEvents(),
  // RE2's case folding (ILIKE) equates ſ with s and K (Kelvin) with k; JavaScript's toLowerCase leaves ſ alone.
  proc({ Image: 'C:\\Tools\\ſtrange.exe', CommandLine: 'ſtrange' }),
  proc({ Image: 'C:\\Tools\\STRANGE.exe', CommandLine: 'STRANGE \u212a' }),
  // Backslash escapes of ClickHouse literals are data here.
  proc({ CommandLine: 'echo \\x41 \\0 \\n' }),
  proc({ CommandLine: 'echo A' }),
  // Keywords at any depth: an object and nested arrays the flat fields do not reach.
  proc({ CommandLine: 'plain', Extra: { Note: 'DeepValue', Nested: [1, ['InnerArray'], { Port: 31337 }] } }),
  proc({ CommandLine: 'key names are no values', DeepValue: 'x' }),
  ...ipv6.map((ip) => ({ Channel: SYSMON, EventID: 3, Computer: 'CH01', Initiated: 'true', DestinationIp: ip })),
];
const events = fields.map((f) => normalizeWindowsEvent(eventFromObject(f, { file: 'pitfalls' })));
const rows = events.map((e, i) => eventRow(e, i + 1));

const rule = (category: string, detection: string) => `title: pitfall
id: 0d6f3f2e-55a4-4b7e-8c0e-6a4e3c1d2b14
status: test
logsource:
    category: ${category}
    product: windows
detection:
${detection.split('\n').map((l) => `    ${l}`).join('\n')}
level: high
`;

const manyNeedles = Array.from({ length: 600 }, (_, i) => `'needle-${i}'`).concat(["'sekurlsa::'"]);
/** Each case and the least number of rows the engine must find (a case no row matches proves nothing). */
const CASES: ReadonlyArray<{ name: string; category?: string; detection: string; least: number }> = [
  // ClickHouse's ILIKE folds as RE2 does for some pattern shapes ('ſtrange' ILIKE 's%' is 1) and not for others.
  { name: 'long s is not s (lowerUTF8, not ILIKE)', detection: `sel:\n    CommandLine|startswith: 'st'\ncondition: sel`, least: 1 },
  { name: 'long s is not s in a substring', detection: `sel:\n    Image|contains: 'strange'\ncondition: sel`, least: 1 },
  { name: 'Kelvin sign folds to k', detection: `sel:\n    CommandLine|contains: 'strange k'\ncondition: sel`, least: 1 },
  { name: 'backslash escapes are data', detection: `sel:\n    CommandLine|contains: '\\x41 \\0 \\n'\ncondition: sel`, least: 1 },
  { name: 'a list of substrings with the empty one', detection: `sel:\n    CommandLine|contains:\n        - ''\n        - 'zzz'\ncondition: sel`, least: 40 },
  { name: 'a cased list of substrings', detection: `sel:\n    CommandLine|contains|cased:\n        - 'URLCACHE'\n        - 'mimikatz'\ncondition: sel`, least: 2 },
  { name: 'a folded list with non-ASCII letters', detection: `sel:\n    CommandLine|contains:\n        - 'ΣΑΣ'\n        - 'İSTANBUL'\n        - 'ärger'\ncondition: sel`, least: 1 },
  { name: 'more substrings than one multiSearchAny takes', detection: `sel:\n    CommandLine|contains:\n${manyNeedles.map((n) => `        - ${n}`).join('\n')}\ncondition: sel`, least: 1 },
  { name: 'keyword in a nested object', detection: `keywords:\n    - 'deepvalue'\ncondition: keywords`, least: 1 },
  { name: 'keyword in a nested array', detection: `keywords:\n    - 'innerarray'\ncondition: keywords`, least: 1 },
  { name: 'keyword as a number', detection: `keywords:\n    - 31337\ncondition: keywords`, least: 1 },
  ...NETWORKS.map((n) => ({ name: `IPv6 network ${n}`, category: 'network_connection', detection: `sel:\n    DestinationIp|cidr: '${n}'\ncondition: sel`, least: 1 })),
];

/** ClickHouse-specific pitfalls on chDB: each case's record ids equal the engine's; the materialized columns are what the engine reads. */
describe('clickhouse: pitfalls of the dialect', () => {
  let store: ChdbStore | undefined;
  beforeAll(async () => {
    store = await ChdbStore.open();
    await store?.createTable(true);
    await store?.insert(rows);
  });
  afterAll(async () => {
    await store?.close();
  });

  test('the materialized columns hold each field\'s texts, the null fields and every scalar at any depth', async (ctx) => {
    if (store === undefined) return ctx.skip();
    const got = await store.json<{ fields: Record<string, string[]>; null_fields: string[]; all_values: string[] }>('SELECT fields, null_fields, all_values FROM sigma_events ORDER BY record_id');
    expect(got.length).toBe(events.length);
    events.forEach((e, i) => {
      // stringsOf also flattens arrays inside arrays, which no row here holds at the top level (a documented limit).
      const want = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, stringsOf(v)]));
      expect(got[i]?.fields, `row ${i + 1}`).toEqual(want);
      expect(got[i]?.null_fields, `row ${i + 1}`).toEqual(Object.keys(e.fields).filter((k) => e.fields[k] === null));
      expect(got[i]?.all_values, `row ${i + 1}`).toEqual([...eventStrings(e)]);
    });
  });

  for (const c of CASES) {
    test(c.name, async (ctx) => {
      if (store === undefined) return ctx.skip();
      const collection = loadRuleTexts([{ file: 'rule.yml', text: rule(c.category ?? 'process_creation', c.detection) }]);
      expect(collection.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const compiled = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
      const want = events.flatMap((e, i) => (compiled.match(e).length > 0 ? [i + 1] : []));
      const converted = convertRule(collection.rules[0]!, BACKENDS.clickhouse, 'clickhouse', resolveWindowsLogsource);
      expect(converted.diagnostics).toEqual([]);
      expect(await store.recordIds(converted.query as string)).toEqual(want);
      expect(want.length).toBeGreaterThanOrEqual(c.least);
    });
  }
});
