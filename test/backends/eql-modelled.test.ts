import { describe, expect, test } from 'vitest';
import { EQL } from '../../src/backends/elastic/eql-backend.js';
import { describeConstructs, ELASTIC_REFUSALS, singleValued } from './elastic-model/construct-cases.js';
import type { EsDoc } from './elastic-model/ecs-docs.js';
import { parseEql } from './elastic-model/eql-model.js';
import { esqlKeeps, evaluateEsql } from './elastic-model/esql-model.js';
import { describeModelled, ecsModel } from './elastic-model/modelled-batch.js';

const backend = EQL;

/**
 * Layer 4 of the notes' §9, MODELLED (no Elasticsearch here): the corpus as Winlogbeat's ECS documents, every
 * converted EQL query parsed and run with EQL's documented semantics (null compared is null, `regex` a whole-value
 * Lucene RegExp, `==` case-sensitive), its record ids compared with the engine's.
 */
describeModelled('EQL (modelled): converted queries find what the engine finds', 'eql', (d) => ecsModel(d, 'eql', backend, parseEql, esqlKeeps, singleValued));

describeConstructs(
  'EQL (modelled): each construct on the adversarial events matches what the engine matches, or is refused',
  { name: 'eql', backend },
  ELASTIC_REFUSALS,

  (query, docs) => {
    const q = parseEql(query);
    return docs.filter((x) => esqlKeeps(q, x.doc)).map((x) => x.id);
  },
  singleValued,
);

describe('the EQL model itself', () => {
  const doc: EsDoc = { a: ['C:\\Windows\\CMSTP.EXE'] };
  const where = (cond: string) => evaluateEsql(parseEql(`any where ${cond}`), doc);
  test('== is case-sensitive, regex matches the whole value, a missing field compared is null and not null is null', () => {
    expect(where('a == "c:\\\\windows\\\\cmstp.exe"')).toBe(false);
    expect(where('a regex "CMSTP"')).toBe(false);
    expect(where('a regex ".*[cC][mM][sS][tT][pP].*"')).toBe(true);
    expect(where('not missing == "x"')).toBeNull();
    expect(where('not (missing != null and missing == "x")')).toBe(true);
  });
});
