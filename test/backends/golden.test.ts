import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS, type TargetName } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { CONSTRUCTS, constructRule } from './constructs.js';
import { parseQuery } from './spl-model/parse.js';
import { splunkCorrelationSections } from './spl-correlation-golden.js';

/**
 * Golden files, one per target without an engine to run here: each construct of constructs.ts (one per conversion
 * pitfall) with its Sigma detection and what the target gets, the query or the refusal with its code and reason.
 * They are for review as files (test/backends/golden/<target>.txt): a change of any query shows in the diff. A
 * conversion that differs from its golden file fails; after reviewing the change, write them again with
 * `UPDATE_GOLDEN=1 npx vitest run test/backends/golden.test.ts`. Beside it, each SPL query must read in the SPL model's
 * parser (test/backends/spl-model: the subset we emit, its quoting, escapes, commands and functions).
 */
const GOLDEN_TARGETS: readonly TargetName[] = ['splunk', 'kql-sentinel', 'kql-defender'];
const DIR = join(__dirname, 'golden');

function golden(target: TargetName): { text: string; queries: string[] } {
  const parts = [`# sigmatch convert --target ${target}: one section per construct of test/backends/constructs.ts`, ''];
  const queries: string[] = [];
  for (const c of CONSTRUCTS) {
    const collection = loadRuleTexts([{ file: 'rule.yml', text: constructRule(c) }]);
    const rule = collection.rules[0];
    if (rule === undefined) throw new Error(`construct '${c.name}' does not load`);
    const converted = convertRule(rule, BACKENDS[target], target, resolveWindowsLogsource);
    parts.push(`## ${c.name} (${c.category})`, ...c.detection.split('\n').map((l) => `#   ${l}`));
    if (converted.query !== undefined) {
      queries.push(converted.query);
      parts.push(converted.query);
    } else {
      for (const d of converted.diagnostics) parts.push(`REFUSED ${d.code}: ${d.message.replace(/^rule '.*?' \(.*?\):? /, '')}`);
    }
    parts.push('');
  }
  if (target === 'splunk') parts.push(...splunkCorrelationSections());
  return { text: parts.join('\n'), queries };
}

describe('golden conversions, per construct', () => {
  for (const target of GOLDEN_TARGETS) {
    test(`${target}: test/backends/golden/${target}.txt`, () => {
      const { text, queries } = golden(target);
      const file = join(DIR, `${target}.txt`);
      if (process.env['UPDATE_GOLDEN'] === '1') {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(existsSync(file), `${file} is missing: write it with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf8'));
      expect(queries.length).toBeGreaterThan(CONSTRUCTS.length / 2);
      if (target === 'splunk') for (const q of queries) expect(() => parseQuery(q), q).not.toThrow();
    });
  }
});
