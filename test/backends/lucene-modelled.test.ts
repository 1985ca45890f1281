import { describe, expect, test } from 'vitest';
import { LUCENE } from '../../src/backends/elastic/lucene-backend.js';
import { constructRule } from './constructs.js';
import { EQL } from '../../src/backends/elastic/eql-backend.js';
import { ESQL } from '../../src/backends/elastic/esql-backend.js';
import { ADVERSARIAL, convertCase, describeConstructs, ELASTIC_REFUSALS, eventsOf } from './elastic-model/construct-cases.js';
import { parseEql } from './elastic-model/eql-model.js';
import { esqlKeeps, parseEsql } from './elastic-model/esql-model.js';
import { esAddress, IpValue, type EsDoc } from './elastic-model/ecs-docs.js';
import { matches } from './elastic-model/lucene-evaluate.js';
import { parseLucene } from './elastic-model/lucene-parse.js';
import { describeModelled, ecsModel } from './elastic-model/modelled-batch.js';

const backend = LUCENE;

/**
 * Layer 4 of the notes' §9, MODELLED (no Elasticsearch here): the differential corpus as Winlogbeat's ECS documents,
 * every converted query_string parsed as Lucene's classic parser reads it (the longest regex token, MUST / SHOULD /
 * MUST_NOT clauses, a group of only negations matching nothing) and run by a small interpreter (keyword terms exact
 * and case-sensitive, Lucene RegExp over the whole value, ip terms with IPv4 kept as IPv4-mapped IPv6), its record ids
 * compared with the engine's. Agreement is evidence about our model of Elasticsearch, not about Elasticsearch itself.
 */
describeModelled('Lucene (modelled): converted queries find what the engine finds', 'lucene', (d) => ecsModel(d, 'lucene', backend, parseLucene, matches));

const runLucene = (query: string, docs: ReadonlyArray<{ id: number; doc: EsDoc }> = ADVERSARIAL.docs) => {
  const q = parseLucene(query);
  return docs.filter((x) => matches(q, x.doc)).map((x) => x.id);
};

describeConstructs(
  'Lucene (modelled): each construct on the adversarial events matches what the engine matches, or is refused',
  { name: 'lucene', backend },
  ELASTIC_REFUSALS,

  runLucene,
);

const rule = (detection: string, category = 'process_creation') =>
  constructRule({ name: 'lucene pitfall', category: category as 'process_creation', detection }).replace(/^id: .*$/m, 'id: 0d6f3f0e-93a4-4b8e-a3a4-6d2e1c0b7e55');

describe('Lucene pitfalls: the forms that would mean something else', () => {
  const check = (detection: string, category?: string) => {
    const { converted, want } = convertCase(rule(detection, category), backend, 'lucene');
    expect(converted.diagnostics).toEqual([]);
    expect(runLucene(converted.query as string)).toEqual(want);
    return { query: converted.query as string, want };
  };
  test('case-insensitive text is a regex of case classes (a keyword term is exact-case); the Kelvin sign lower-cases to k', () => {
    const { query, want } = check(`selection:\n    CommandLine|contains: 'kelvin'\ncondition: selection`);
    expect(query).toContain('[kK\u212a]');
    expect(want.length).toBeGreaterThan(0);
  });
  test('a value ending in a backslash does not end its regex in \\\\ (the lexer would run on to the next slash)', () => {
    const { query } = check(`selection:\n    Image|endswith: 'System32\\'\nfilter:\n    CommandLine|contains: '/c'\ncondition: selection or filter`);
    expect(query).toContain('[\\\\]/');
  });
  test('OR with a negated part keeps its meaning (Lucene reads a OR NOT b as a AND NOT b)', () => {
    const { query, want } = check(`a:\n    Image|endswith: '\\cmd.exe'\nb:\n    CommandLine|contains: 'whoami'\ncondition: a or not b`);
    expect(query).toContain('(*:* AND NOT ');
    expect(want.length).toBeGreaterThan(5);
  });
  test('an empty regex alternative becomes an optional group', () => {
    const { query, want } = check(`selection:\n    CommandLine|re: 'urlcache (-split |)-f'\ncondition: selection`);
    expect(query).toMatch(/\)\?/);
    expect(want.length).toBeGreaterThan(0);
  });
  test('an unanchored regex is wrapped in .* (Lucene matches the whole value); \\d and \\s are spelt out', () => {
    const { query, want } = check(`selection:\n    CommandLine|re: 'urlcache\\s+\\S+\\s+-f'\ncondition: selection`);
    expect(query).toMatch(/:\/\.\*\(/);
    expect(want.length).toBeGreaterThan(0);
  });
  test('İ lower-cases to two characters in the engine: a lone ? never takes it, ?? is refused', () => {
    check(`selection:\n    CommandLine|contains: 'stanbul'\ncondition: selection`);
    const refused = convertCase(rule(`selection:\n    CommandLine: '*??stanbul*'\ncondition: selection`), backend, 'lucene').converted;
    expect(new Set(refused.diagnostics.map((d) => d.code))).toEqual(new Set(['convert-case']));
  });
  test('fields Winlogbeat rewrites are refused with the reason, the rest of a rule set still converts', () => {
    const user = convertCase(rule(`selection:\n    User|contains: 'SYSTEM'\ncondition: selection`), backend, 'lucene').converted;
    expect(new Set(user.diagnostics.map((d) => d.code))).toEqual(new Set(['convert-field']));
    expect(user.diagnostics[0]?.message).toMatch(/user\.domain and user\.name/);
    const text = convertCase(rule(`selection:\n    SourcePort|contains: '44'\ncondition: selection`, 'network_connection'), backend, 'lucene').converted;
    expect(text.diagnostics.map((d) => d.code)).toEqual(['convert-field-type']);
  });
});

describe('fields said through others: Security 4688 IntegrityLevel from MandatoryLabel, Sysmon hashes as Winlogbeat splits them', () => {
  const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
  const data = eventsOf([
    { Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\x\\a.exe', MandatoryLabel: 'S-1-16-16384' },
    { Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\x\\b.exe', MandatoryLabel: 'S-1-16-8448' },
    { Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\x\\c.exe', MandatoryLabel: 'S-1-16-0' },
    { Channel: SYSMON, EventID: 1, Image: 'C:\\x\\d.exe', IntegrityLevel: 'System', Hashes: 'SHA1=AB12,MD5=CD34EF,SHA256=0000,IMPHASH=99AA' },
    { Channel: SYSMON, EventID: 7, Image: 'C:\\x\\e.exe', ImageLoaded: 'C:\\x\\e.dll', Hashes: 'MD5=CD34,IMPHASH=99AB' },
    { Channel: SYSMON, EventID: 1, Image: 'C:\\x\\f.exe', IntegrityLevel: 'Medium' },
  ]);
  const runners = [
    { name: 'lucene', backend, run: (q: string) => data.docs.filter((x) => matches(parseLucene(q), x.doc)).map((x) => x.id) },
    { name: 'esql', backend: ESQL, run: (q: string) => data.docs.filter((x) => esqlKeeps(parseEsql(q), x.doc)).map((x) => x.id) },
    { name: 'eql', backend: EQL, run: (q: string) => data.docs.filter((x) => esqlKeeps(parseEql(q), x.doc)).map((x) => x.id) },
  ];
  const cases: Array<[string, string, number[]]> = [
    ['process_creation', `selection:\n    IntegrityLevel: system\ncondition: selection`, [1, 4]],
    ['process_creation', `selection:\n    IntegrityLevel|startswith: MED\ncondition: selection`, [2, 6]],
    ['process_creation', `selection:\n    IntegrityLevel|exists: false\ncondition: selection`, [3]],
    ['process_creation', `selection:\n    Hashes|contains:\n        - 'MD5=CD34E'\n        - 'IMPHASH=99AA'\ncondition: selection`, [4]],
    ['image_load', `selection:\n    Hashes|contains: 'IMPHASH=99AB'\ncondition: selection`, [5]],
    ['image_load', `selection:\n    md5: 'cd34'\ncondition: selection`, [5]],
  ];
  for (const r of runners) {
    test(r.name, () => {
      for (const [category, detection, ids] of cases) {
        const { converted, want } = convertCase(rule(detection, category), r.backend, r.name, data);
        expect(converted.diagnostics, detection).toEqual([]);
        expect(want, detection).toEqual(ids);
        expect(r.run(converted.query as string), detection).toEqual(ids);
      }
      const zero = convertCase(rule(`selection:\n    Hashes|contains: 'SHA256=0000'\ncondition: selection`), r.backend, r.name, data).converted;
      expect(zero.diagnostics.map((d) => d.code)).toContain('convert-field');
    });
  }
});

describe('the Lucene model itself: the semantics that make the pitfalls real', () => {
  const doc = { 'process.executable': ['C:\\Windows\\CMSTP.EXE'], 'destination.ip': [esAddress('::ffff:10.1.2.3') as IpValue], n: [5] };
  const m = (q: string) => matches(parseLucene(q), doc);
  test('a keyword term is exact and case-sensitive; a regex matches the whole value', () => {
    expect(m('process.executable:"C:\\\\Windows\\\\CMSTP.EXE"')).toBe(true);
    expect(m('process.executable:"c:\\\\windows\\\\cmstp.exe"')).toBe(false);
    expect(m('process.executable:/CMSTP/')).toBe(false);
    expect(m('process.executable:/.*CMSTP.*/')).toBe(true);
  });
  test('Lucene boolean clauses: OR with NOT is a MUST_NOT, a group of only negations matches nothing', () => {
    expect(m('(n:"5" OR NOT _exists_:x)')).toBe(true);
    expect(m('(_exists_:x OR NOT n:"5")')).toBe(false);
    expect(m('(NOT _exists_:x)')).toBe(false);
    expect(m('(*:* AND NOT _exists_:x)')).toBe(true);
  });
  test('an IPv4-mapped address is IPv4 to the ip type', () => {
    expect(m('destination.ip:"10.0.0.0/8"')).toBe(true);
    expect(m('destination.ip:"::ffff:0:0/96"')).toBe(true);
  });
  test('the regex token is the longest the lexer can take; bare operators and AND/OR mixed are errors', () => {
    // A regex ending in an escaped backslash: the token runs on to b's opening slash, and the rest is no query.
    expect(() => parseLucene('a:/x\\\\/ OR b:/y/')).toThrow(/text after the query/);
    expect(parseLucene('a:/x\\\\/ OR b:"y"')).toMatchObject({ kind: 'group', clauses: [{ clause: { kind: 'regex', regex: 'x\\\\' } }, {}] });
    expect(() => m('process.executable:/a&b/')).toThrow();
    expect(() => m('process.executable:/(a|)b/')).toThrow(/empty alternative/);
    expect(m('process.executable:/.*(CMSTP)?.*/')).toBe(true);
    expect(() => parseLucene('a:"x" AND b:"y" OR c:"z"')).toThrow();
  });
});
