import { describe, expect, test } from 'vitest';
import { ESQL } from '../../src/backends/elastic/esql-backend.js';
import { constructRule } from './constructs.js';
import { convertCase, describeConstructs, ELASTIC_REFUSALS, eventsOf, singleValued } from './elastic-model/construct-cases.js';
import type { EsDoc } from './elastic-model/ecs-docs.js';
import { esqlKeeps, evaluateEsql, parseEsql } from './elastic-model/esql-model.js';
import { describeModelled, ecsModel } from './elastic-model/modelled-batch.js';

const backend = ESQL;

/**
 * Layer 4 of the notes' §9, MODELLED (no Elasticsearch here): the corpus as Winlogbeat's ECS documents, every
 * converted ES|QL query parsed and run with ES|QL's documented semantics (three-valued logic, null for multivalued
 * columns, LIKE and RLIKE over the whole value, TO_LOWER), its record ids compared with the engine's.
 */
describeModelled('ES|QL (modelled): converted queries find what the engine finds', 'esql', (d) => ecsModel(d, 'esql', backend, parseEsql, esqlKeeps, singleValued));

describeConstructs(
  'ES|QL (modelled): each construct on the adversarial events matches what the engine matches, or is refused',
  { name: 'esql', backend },
  Object.fromEntries(Object.entries(ELASTIC_REFUSALS).filter(([, code]) => code !== 'convert-fieldref')),
  (query, docs) => {
    const q = parseEsql(query);
    return docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id);
  },
  singleValued,
);

describe('ES|QL numbers on text: read as the engine reads them (trimmed decimal text), not as Java would take more', () => {
  const texts = ['3', ' 3 ', '03', '3.0', '+3', '3e0', '30e-1', '\u00a03', 'x', '0x3', '3d', 'Infinity', '', '4', '-3'];
  const data = eventsOf(texts.map((LogonType) => ({ Channel: 'Security', EventID: 4624, LogonType })));
  const cases: Array<[string, number]> = [
    ['LogonType: 3', 8],
    ['LogonType|gt: 3', 1],
    ['LogonType|lte: -3', 1],
  ];
  for (const [item, count] of cases) {
    test(item, () => {
      const text = constructRule({ name: 'numbers', category: 'process_creation', detection: `selection:\n    ${item}\ncondition: selection` })
        .replace(/^id: .*$/m, 'id: 0d6f3f0e-93a4-4b8e-a3a4-6d2e1c0b7e56')
        .replace(/    category: process_creation\n/, '    service: security\n');
      const { converted, want } = convertCase(text, backend, 'esql', data);
      expect(converted.diagnostics).toEqual([]);
      expect(want.length).toBe(count);
      const q = parseEsql(converted.query as string);
      expect(data.docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id)).toEqual(want);
    });
  }
});

describe('ES|QL: User joined again (Sysmon User split by Winlogbeat, 4688 User built by the engine)', () => {
  const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
  const data = eventsOf([
    { Channel: SYSMON, EventID: 1, Image: 'C:\\a.exe', User: 'NT AUTHORITY\\SYSTEM' },
    { Channel: SYSMON, EventID: 1, Image: 'C:\\b.exe', User: 'SYSTEM' },
    { Channel: SYSMON, EventID: 1, Image: 'C:\\c.exe', User: 'A\\B\\SYSTEM' },
    { Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\d.exe', SubjectDomainName: 'NT AUTHORITY', SubjectUserName: 'SYSTEM' },
    { Channel: 'Security', EventID: 4688, NewProcessName: 'C:\\e.exe', SubjectUserName: 'SYSTEM' },
    { Channel: SYSMON, EventID: 1, Image: 'C:\\f.exe' },
  ]);
  for (const [item, ids] of [
    ["User|endswith: '\\system'", [1, 3, 4]],
    ["User: 'system'", [2, 5]],
    ['User|exists: false', [6]],
  ] as const) {
    test(item, () => {
      const text = constructRule({ name: 'user', category: 'process_creation', detection: `selection:\n    ${item}\ncondition: selection` }).replace(/^id: .*$/m, 'id: 0d6f3f0e-93a4-4b8e-a3a4-6d2e1c0b7e57');
      const { converted, want } = convertCase(text, backend, 'esql', data);
      expect(converted.diagnostics).toEqual([]);
      expect(want).toEqual(ids);
      const q = parseEsql(converted.query as string);
      expect(data.docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id)).toEqual(ids);
    });
  }
});

describe('the ES|QL model itself: the semantics that make the pitfalls real', () => {
  const doc: EsDoc = { a: ['C:\\Windows\\CMSTP.EXE'], many: ['x', 'y'] };
  const where = (cond: string) => evaluateEsql(parseEsql(`FROM winlogbeat-* METADATA _id, _index, _version\n| WHERE ${cond}`), doc);
  test('== and LIKE are case-sensitive; TO_LOWER folds; a string literal\'s \\\\ is one backslash, which LIKE reads as an escape', () => {
    expect(where('a == "c:\\\\windows\\\\cmstp.exe"')).toBe(false);
    expect(where('TO_LOWER(a) == "c:\\\\windows\\\\cmstp.exe"')).toBe(true);
    expect(where('TO_LOWER(a) LIKE "*\\\\cmstp.exe"')).toBe(true);
    expect(where('TO_LOWER(a) LIKE "*windows\\\\cmstp.exe"')).toBe(false);
    expect(where('TO_LOWER(a) LIKE "*windows\\\\\\\\cmstp.exe"')).toBe(true);
  });
  test('null: a missing column makes a comparison null, and NOT null is still not true; a multivalued column is null too', () => {
    expect(where('NOT missing == "x"')).toBeNull();
    expect(where('NOT (missing IS NOT NULL AND missing == "x")')).toBe(true);
    expect(where('many == "x"')).toBeNull();
  });
  test('RLIKE matches the whole value', () => {
    expect(where('a RLIKE "CMSTP"')).toBe(false);
    expect(where('a RLIKE ".*CMSTP.*"')).toBe(true);
  });
});
