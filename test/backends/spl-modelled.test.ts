import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { corpusAvailable } from '../helpers.js';
import { BATCHES, prepareDifferential, type BatchRecord, type Differential } from './differential.js';
import { reportRecord } from './report-record.js';
import { evaluate, keeps, type SplRow } from './spl-model/evaluate.js';
import { parseQuery } from './spl-model/parse.js';
import { splunkRows } from './spl-model/splunk-rows.js';

/**
 * Layer 4 of the notes' §9, MODELLED (no Splunk here): the differential corpus as the Windows add-on's fields, every
 * converted query run by a small interpreter of exactly the SPL we emit (the search command's case-insensitive
 * wildcard terms, eval's three-valued logic, mvfind/mvfilter over multivalue fields, PCRE run as RE2, cidrmatch),
 * its record ids compared with the engine's. Agreement is evidence about our model of SPL, not about Splunk itself.
 */
describe.skipIf(!corpusAvailable())('Splunk (modelled): converted queries find what the engine finds', () => {
  let d: Differential;
  let rows: Array<{ id: number; row: SplRow }> = [];
  let left = new Set<number>();
  const records: BatchRecord[] = [];
  let nonEmpty = 0;
  let whereForm = 0;
  beforeAll(async () => {
    d = await prepareDifferential();
    ({ rows, unrepresentable: left } = splunkRows(d.corpus.events));
  }, 120_000);
  afterAll(() => {
    if (records.length === BATCHES) reportRecord('splunk-modelled', records);
  });
  for (let i = 0; i < BATCHES; i++) {
    test(`rule batch ${i + 1} of ${BATCHES}`, () => {
      const size = Math.ceil(d.rules.length / BATCHES);
      const record: BatchRecord = { converted: 0, agreeing: 0, disagreeing: [], refused: [] };
      for (const compiled of d.rules.slice(i * size, (i + 1) * size)) {
        const name = `${compiled.rule.id ?? compiled.rule.title} ${compiled.rule.file.replace(/^.*\/rules\//, 'rules/')}`;
        const converted = convertRule(compiled.rule, BACKENDS.splunk, 'splunk', resolveWindowsLogsource);
        if (converted.query === undefined) {
          record.refused.push({ rule: name, reason: converted.diagnostics.map((x) => `${x.code}: ${x.message.replace(/^rule '.*?' \(.*?\)(: | cannot be converted to [\w-]+: )/, '')}`).join('; ') });
          continue;
        }
        record.converted++;
        const q = parseQuery(converted.query);
        if (q.where !== undefined) whereForm++;
        const got = rows.filter((r) => keeps(q, r.row)).map((r) => r.id);
        const want = (d.expected.get(compiled) ?? []).filter((id) => !left.has(id));
        if (want.length > 0) nonEmpty++;
        const g = new Set(got);
        const w = new Set(want);
        if (got.length === want.length && got.every((x) => w.has(x))) record.agreeing++;
        else record.disagreeing.push({ rule: name, reason: `query matched ${got.length}, engine ${want.length}; only the query: [${got.filter((x) => !w.has(x)).slice(0, 8).join(', ')}], only the engine: [${want.filter((x) => !g.has(x)).slice(0, 8).join(', ')}]\n${converted.query.slice(0, 400)}` });
      }
      records.push(record);
      expect(record.disagreeing).toEqual([]);
    }, 60_000);
  }
  test('the batches converted rules, many of which find something, in both forms', () => {
    expect(records.reduce((n, r) => n + r.converted, 0)).toBeGreaterThan(1000);
    expect(nonEmpty).toBeGreaterThan(150);
    expect(whereForm).toBeGreaterThan(50);
    expect(records.reduce((n, r) => n + r.converted, 0) - whereForm).toBeGreaterThan(500);
    console.log(`splunk: ${nonEmpty} converted rules match at least one event; ${whereForm} in the | where form; ${rows.length} rows, ${left.size} events left out (no add-on form)`);
  });
});

describe('the SPL model itself: the semantics that make the pitfalls real', () => {
  const row: SplRow = { Image: ['C:\\Windows\\CMSTP.EXE'], CommandLine: ['a*b'], Many: ['x', 'Y'] };
  const where = (text: string) => evaluate(parseQuery(`EventCode=1\n| where ${text}`).where as never, row);
  test('search terms ignore case and take * as the only wildcard; NOT holds where the field is absent', () => {
    expect(keeps(parseQuery('Image="*\\\\cmstp.exe"'), row)).toBe(true);
    expect(keeps(parseQuery('Image="*\\\\cmstp.ex?"'), row)).toBe(false);
    expect(keeps(parseQuery('NOT Missing="x"'), row)).toBe(true);
    expect(keeps(parseQuery('Many IN ("y")'), row)).toBe(true);
  });
  test('eval: an absent field is null, and null is not true under NOT (hence the isnotnull guards)', () => {
    expect(where('NOT match(Missing, "x")')).toBeNull();
    expect(where('NOT isnotnull(mvfind(Missing, "x"))')).toBe(true);
    expect(where('isnotnull(mvfind(Many, "^Y\\\\z"))')).toBe(true);
    expect(where('isnotnull(mvfilter(match(Many, "^x\\\\z")))')).toBe(true);
  });
  test('a query outside the emitted subset is a parse error, never a guess', () => {
    expect(() => parseQuery('Image="x" | stats count')).toThrow();
    expect(() => where('like(Image, "%x")')).toThrow();
  });
});
