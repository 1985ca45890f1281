import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convertRule } from '../../../src/backends/convert-rule.js';
import { BACKENDS } from '../../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../../src/rule/load-rules.js';
import { CONSTRUCTS, constructRule, type Construct } from '../constructs.js';
import { parseEql } from './eql-model.js';
import { parseEsql } from './esql-model.js';
import { parseLucene } from './lucene-parse.js';

/** Each Elastic target's parser of the subset we emit: every golden query must read in it. */
const PARSERS = { lucene: parseLucene, esql: parseEsql, eql: parseEql } as const;
type ElasticTarget = keyof typeof PARSERS;

/** One construct's section: its detection as comments, then the query or each refusal with its code and reason. */
function section(target: ElasticTarget, c: Construct): { lines: string[]; query?: string } {
  const rule = loadRuleTexts([{ file: 'rule.yml', text: constructRule(c) }]).rules[0];
  if (rule === undefined) throw new Error(`construct '${c.name}' does not load`);
  const out = convertRule(rule, BACKENDS[target], target, resolveWindowsLogsource);
  const head = [`## ${c.name} (${c.category})`, ...c.detection.split('\n').map((l) => `#   ${l}`)];
  if (out.query !== undefined) return { lines: [...head, out.query, ''], query: out.query };
  return { lines: [...head, ...out.diagnostics.map((d) => `REFUSED ${d.code}: ${d.message.replace(/^rule '.*?' \(.*?\):? /, '')}`), ''] };
}

/**
 * Golden files for review (test/backends/elastic-model/golden/<target>.txt): every construct of constructs.ts as the
 * Elastic targets convert it. A change of any query fails here until reviewed and written again with
 * `UPDATE_GOLDEN=1 npx vitest run test/backends/elastic-model/golden.test.ts`; each query also reads in its model's parser.
 */
describe('Elastic golden conversions, per construct', () => {
  for (const target of Object.keys(PARSERS) as ElasticTarget[]) {
    test(target, () => {
      const sections = CONSTRUCTS.map((c) => section(target, c));
      const text = [`# sigmatch convert --target ${target}: one section per construct of test/backends/constructs.ts`, '', ...sections.flatMap((s) => s.lines)].join('\n');
      const file = join(__dirname, 'golden', `${target}.txt`);
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, text);
      expect(existsSync(file), `${file} is missing: write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf8'));
      const queries = sections.flatMap((s) => (s.query === undefined ? [] : [s.query]));
      expect(queries.length).toBeGreaterThan(CONSTRUCTS.length / 2);
      for (const q of queries) expect(() => PARSERS[target](q), q).not.toThrow();
    });
  }
});
