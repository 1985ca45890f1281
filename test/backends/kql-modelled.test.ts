import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { corpusAvailable } from '../helpers.js';
import { BATCHES, prepareDifferential, type BatchRecord, type Differential } from './differential.js';
import { defenderRows, type DefenderRow } from './kql-model/defender-rows.js';
import { evaluate } from './kql-model/evaluate.js';
import { parseExpr } from './kql-model/parse.js';
import { reportRecord } from './report-record.js';

/**
 * Layer 4 of the notes' §9, MODELLED (no Defender here): the differential corpus as Defender rows, every converted
 * kql-defender query run by a small interpreter of exactly the KQL we emit (KQL's documented case rules, null
 * propagation, RE2), its record ids compared with the engine's. Agreement here is evidence about our model of KQL,
 * not about Defender itself.
 */
describe.skipIf(!corpusAvailable())('kql-defender (modelled): converted queries find what the engine finds', () => {
  let d: Differential;
  let byTable: Map<string, DefenderRow[]>;
  let left: Set<number>;
  const records: BatchRecord[] = [];
  let nonEmpty = 0;
  beforeAll(async () => {
    d = await prepareDifferential();
    const { rows, unrepresentable } = defenderRows(d.corpus.events);
    left = unrepresentable;
    byTable = new Map();
    for (const r of rows) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
  }, 120_000);
  afterAll(() => {
    if (records.length === BATCHES) reportRecord('kql-defender-modelled', records);
  });
  for (let i = 0; i < BATCHES; i++) {
    test(`rule batch ${i + 1} of ${BATCHES}`, () => {
      const size = Math.ceil(d.rules.length / BATCHES);
      const record: BatchRecord = { converted: 0, agreeing: 0, disagreeing: [], refused: [] };
      for (const compiled of d.rules.slice(i * size, (i + 1) * size)) {
        const name = `${compiled.rule.id ?? compiled.rule.title} ${compiled.rule.file.replace(/^.*\/rules\//, 'rules/')}`;
        const converted = convertRule(compiled.rule, BACKENDS['kql-defender'], 'kql-defender', resolveWindowsLogsource);
        if (converted.query === undefined) {
          record.refused.push({ rule: name, reason: converted.diagnostics.map((x) => `${x.code}: ${x.message.replace(/^rule '.*?' \(.*?\)(: | cannot be converted to kql-defender: )/, '')}`).join('; ') });
          continue;
        }
        record.converted++;
        const [table, ...wheres] = converted.query.split('\n| where ');
        const conditions = wheres.map(parseExpr);
        const got = (byTable.get(table as string) ?? []).filter((r) => conditions.every((c) => evaluate(c, r.row) === true)).map((r) => r.id);
        const want = (d.expected.get(compiled) ?? []).filter((id) => !left.has(id));
        const g = new Set(got);
        const w = new Set(want);
        if (want.length > 0) nonEmpty++;
        if (got.length === want.length && got.every((x) => w.has(x))) record.agreeing++;
        else record.disagreeing.push({ rule: name, reason: `query matched ${got.length}, engine ${want.length}; only the query: [${got.filter((x) => !w.has(x)).slice(0, 8).join(', ')}], only the engine: [${want.filter((x) => !g.has(x)).slice(0, 8).join(', ')}]` });
      }
      records.push(record);
      expect(record.disagreeing).toEqual([]);
    }, 60_000);
  }
  test('the batches converted rules and the rows cover the tables', () => {
    expect(records.reduce((n, r) => n + r.converted, 0)).toBeGreaterThan(1000);
    expect([...byTable.keys()].sort()).toEqual(['DeviceFileEvents', 'DeviceImageLoadEvents', 'DeviceNetworkEvents', 'DeviceProcessEvents']);
    // Agreement on rules that match nothing proves little: many converted rules must find something in the corpus.
    expect(nonEmpty).toBeGreaterThan(150);
    console.log(`${nonEmpty} converted rules match at least one event; modelled rows: ${[...byTable].map(([t, r]) => `${t} ${r.length}`).join(', ')}; ${left.size} events left out (no row form)`);
  });
});

describe('the KQL model itself: the documented semantics that make the pitfalls real', () => {
  const where = (cond: string, row: Record<string, string | number | null>) => evaluate(parseExpr(cond), row);
  test('null propagates through not(): ipv4_is_in_range on IPv6 text is null, so a where drops the row (pySigma kusto#43)', () => {
    expect(where('not(ipv4_is_in_range(RemoteIP, "10.0.0.0/8"))', { RemoteIP: 'fe80::1' })).toBeNull();
    expect(where('not(coalesce(ipv4_is_in_range(RemoteIP, "10.0.0.0/8"), false))', { RemoteIP: 'fe80::1' })).toBe(true);
  });
  test('=~ and contains fold case, == and contains_cs do not; matches regex is RE2 and case-sensitive without (?i)', () => {
    expect(where('FolderPath =~ "c:\\\\x.exe" and FolderPath contains "X.E"', { FolderPath: 'C:\\X.EXE' })).toBe(true);
    expect(where('FolderPath == "c:\\\\x.exe" or FolderPath contains_cs "x.e"', { FolderPath: 'C:\\X.EXE' })).toBe(false);
    expect(where('FolderPath matches regex "x" or FolderPath matches regex "(?i)^c:.x"', { FolderPath: 'C:\\X.EXE' })).toBe(true);
    expect(where('FolderPath matches regex "x"', { FolderPath: 'C:\\X.EXE' })).toBe(false);
  });
  test('a query outside the emitted subset is a parse error, never a guess', () => {
    expect(() => parseExpr('FolderPath has "x"')).toThrow();
    expect(() => where('FolderPath !has "x"', { FolderPath: '' })).toThrow();
  });
});
