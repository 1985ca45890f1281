import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { corpusAvailable } from '../helpers.js';
import { BATCHES, prepareDifferential, type BatchRecord, type Differential } from './differential.js';
import { defenderRows, type DefenderRow } from './kql-model/defender-rows.js';
import { evaluate, type Row } from './kql-model/evaluate.js';
import { parseExpr } from './kql-model/parse.js';
import { runModelQuery } from './kql-model/run-query.js';
import { sentinelRows } from './kql-model/sentinel-rows.js';
import { reportRecord } from './report-record.js';

const TARGETS = ['kql-defender', 'kql-sentinel'] as const;
type Tables = ReadonlyMap<string, ReadonlyArray<{ id: number; row: Row }>>;

/**
 * Layer 4 of the notes' §9, MODELLED (no Defender or Sentinel here): the differential corpus as the target's rows,
 * every converted query run by a small interpreter of exactly the KQL we emit (KQL's documented case rules, null
 * propagation, RE2), its record ids compared with the engine's. Agreement here is evidence about our model of KQL
 * and of the tables, not about the services themselves.
 */
describe.skipIf(!corpusAvailable())('KQL (modelled): converted queries find what the engine finds', () => {
  let d: Differential;
  const data = new Map<string, { tables: Tables; left: Set<number> }>();
  const records = new Map<string, BatchRecord[]>(TARGETS.map((t) => [t, []]));
  const nonEmpty = new Map<string, number>(TARGETS.map((t) => [t, 0]));
  beforeAll(async () => {
    d = await prepareDifferential();
    const defender = defenderRows(d.corpus.events);
    const byTable = new Map<string, DefenderRow[]>();
    for (const r of defender.rows) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
    data.set('kql-defender', { tables: byTable, left: defender.unrepresentable });
    const sentinel = sentinelRows(d.corpus.events);
    data.set('kql-sentinel', { tables: new Map([['Event', sentinel.Event], ['SecurityEvent', sentinel.SecurityEvent]]), left: sentinel.unrepresentable });
  }, 120_000);
  afterAll(() => {
    for (const [target, r] of records) if (r.length === BATCHES) reportRecord(`${target}-modelled`, r);
  });
  for (let i = 0; i < BATCHES; i++) {
    test(`rule batch ${i + 1} of ${BATCHES}`, () => {
      const size = Math.ceil(d.rules.length / BATCHES);
      for (const target of TARGETS) {
        const { tables, left } = data.get(target) as { tables: Tables; left: Set<number> };
        const record: BatchRecord = { converted: 0, agreeing: 0, disagreeing: [], refused: [] };
        for (const compiled of d.rules.slice(i * size, (i + 1) * size)) {
          const name = `${compiled.rule.id ?? compiled.rule.title} ${compiled.rule.file.replace(/^.*\/rules\//, 'rules/')}`;
          const converted = convertRule(compiled.rule, BACKENDS[target], target, resolveWindowsLogsource);
          if (converted.query === undefined) {
            record.refused.push({ rule: name, reason: converted.diagnostics.map((x) => `${x.code}: ${x.message.replace(/^rule '.*?' \(.*?\)(: | cannot be converted to [\w-]+: )/, '')}`).join('; ') });
            continue;
          }
          record.converted++;
          const got = runModelQuery(converted.query, tables);
          const want = (d.expected.get(compiled) ?? []).filter((id) => !left.has(id));
          if (want.length > 0) nonEmpty.set(target, (nonEmpty.get(target) ?? 0) + 1);
          const g = new Set(got);
          const w = new Set(want);
          if (got.length === want.length && got.every((x) => w.has(x))) record.agreeing++;
          else record.disagreeing.push({ rule: name, reason: `query matched ${got.length}, engine ${want.length}; only the query: [${got.filter((x) => !w.has(x)).slice(0, 8).join(', ')}], only the engine: [${want.filter((x) => !g.has(x)).slice(0, 8).join(', ')}]` });
        }
        records.get(target)?.push(record);
        expect(record.disagreeing, target).toEqual([]);
      }
    }, 60_000);
  }
  test('the batches converted rules, many of which find something, over rows of every table', () => {
    for (const target of TARGETS) {
      expect((records.get(target) ?? []).reduce((n, r) => n + r.converted, 0)).toBeGreaterThan(1000);
      // Agreement on rules that match nothing proves little: many converted rules must find something in the corpus.
      expect(nonEmpty.get(target)).toBeGreaterThan(150);
      const { tables, left } = data.get(target) as { tables: Tables; left: Set<number> };
      for (const rows of tables.values()) expect(rows.length).toBeGreaterThan(0);
      console.log(`${target}: ${nonEmpty.get(target)} converted rules match at least one event; modelled rows: ${[...tables].map(([t, r]) => `${t} ${r.length}`).join(', ')}; ${left.size} events left out (no row form)`);
    }
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
