import { describe, expect, test } from 'vitest';
import type { BackendSpec } from '../../src/backends/backend-spec.js';
import { ESQL } from '../../src/backends/elastic/esql-backend.js';
import { CONSTRUCTS, constructRule } from './constructs.js';
import { ADVERSARIAL, convertCase } from './elastic-model/construct-cases.js';
import { ecsDocs, type EsDoc } from './elastic-model/ecs-docs.js';
import { esqlKeeps, evaluateEsql, parseEsql } from './elastic-model/esql-model.js';
import { describeModelled } from './elastic-model/modelled-batch.js';

const backend = ESQL as unknown as BackendSpec;

/** Several values in one field: ES|QL's functions and comparisons give null there; Winlogbeat writes one value per event-data field. */
const multivalued = (doc: EsDoc) => Object.values(doc).some((v) => v.length > 1);

/**
 * Layer 4 of the notes' §9, MODELLED (no Elasticsearch here): the corpus as Winlogbeat's ECS documents, every
 * converted ES|QL query parsed and run with ES|QL's documented semantics (three-valued logic, null for multivalued
 * columns, LIKE and RLIKE over the whole value, TO_LOWER), its record ids compared with the engine's.
 */
describeModelled('ES|QL (modelled): converted queries find what the engine finds', 'esql', (d) => {
  const built = ecsDocs(d.corpus.events);
  const left = new Set(built.unrepresentable);
  for (const x of built.docs) if (multivalued(x.doc)) left.add(x.id);
  const docs = built.docs.filter((x) => !left.has(x.id));
  return {
    target: 'esql',
    backend,
    left,
    documents: docs.length,
    run: (query) => {
      const q = parseEsql(query);
      return docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id);
    },
  };
});

const EXPECTED_REFUSALS: Readonly<Record<string, string>> = {
  keyword: 'convert-keyword',
  'IPv4-mapped in an IPv6 network': 'convert-cidr',
  'regex with \\b, \\d and a class': 'convert-regex',
  'regex multiline anchor': 'convert-regex',
};

describe('ES|QL (modelled): each construct on the adversarial events matches what the engine matches, or is refused', () => {
  const docs = ADVERSARIAL.docs.filter((x) => !multivalued(x.doc));
  const kept = new Set(docs.map((x) => x.id));
  for (const c of CONSTRUCTS) {
    test(c.name, () => {
      const { converted, want } = convertCase(constructRule(c), backend, 'esql');
      const refusal = EXPECTED_REFUSALS[c.name];
      if (refusal !== undefined) {
        expect(converted.query).toBeUndefined();
        expect(converted.diagnostics.map((x) => x.code)).toContain(refusal);
        return;
      }
      expect(converted.diagnostics).toEqual([]);
      const q = parseEsql(converted.query as string);
      expect(docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id)).toEqual(want.filter((id) => kept.has(id)));
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
