import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TACTICS } from '../../../src/rule/attack-tags.js';
import { corpusAvailable } from '../../helpers.js';
import { sigmatchAsync } from '../../cli/run-cli.js';
import { parseEql } from './eql-model.js';
import { parseEsql } from './esql-model.js';
import { parseLucene } from './lucene-parse.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface DetectionRule {
  rule_id: string;
  name: string;
  type: string;
  language: string;
  query: string;
  index?: string[];
  interval: string;
  from: string;
  enabled: boolean;
  severity: string;
  risk_score: number;
  threat: Array<{ framework: string; tactic: { id: string; name: string }; technique: Array<{ id: string }> }>;
}

const PARSE = { lucene: parseLucene, esql: parseEsql, eql: parseEql } as const;
const TACTIC_IDS = new Set(TACTICS.map((t) => t[1]));

/** `convert --format ndjson`: Elastic detection rules a site imports into Kibana, one JSON object a line. */
describe('convert --format ndjson', () => {
  for (const target of ['lucene', 'esql', 'eql'] as const) {
    test(`${target}: the pack and SigmaHQ's process_creation rules, each line a rule with the listing's query, the model parses every query`, async () => {
      corpusAvailable();
      const rules = ['rules/', '../shared/corpus/sigmahq/rules/windows/process_creation'];
      const out = join(dir, target);
      const r = await sigmatchAsync(['convert', '--target', target, '--format', 'ndjson', '--schedule', '15m', '--output', out, ...rules]);
      expect(r.code).toBe(1); // some SigmaHQ rules are refused (on stderr), the others written
      const listing = JSON.parse((await sigmatchAsync(['convert', '--target', target, '--format', 'json', ...rules])).stdout) as { rules: Array<{ id: string | null; query: string | null }> };
      const converted = listing.rules.filter((x) => x.query !== null);
      const lines = readFileSync(join(out, `${target}.ndjson`), 'utf8').split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(converted.length);
      expect(lines.length).toBeGreaterThan(500);
      let disabled = 0;
      for (const [i, line] of lines.entries()) {
        const doc = JSON.parse(line) as DetectionRule;
        expect(doc.rule_id).toBe(converted[i]?.id);
        expect(doc.query).toBe(converted[i]?.query);
        expect(() => PARSE[target](doc.query)).not.toThrow();
        expect([doc.type, doc.language]).toEqual([target === 'lucene' ? 'query' : target, target]);
        expect(doc.index).toEqual(target === 'esql' ? undefined : ['winlogbeat-*']);
        expect([doc.interval, doc.from]).toEqual(['15m', 'now-15m']);
        expect({ low: 21, medium: 47, high: 73, critical: 99 }[doc.severity]).toBe(doc.risk_score);
        for (const t of doc.threat) {
          expect(t.framework).toBe('MITRE ATT&CK');
          expect(TACTIC_IDS.has(t.tactic.id)).toBe(true);
          for (const x of t.technique) expect(x.id).toMatch(/^T\d{4}$/);
        }
        if (!doc.enabled) disabled++;
      }
      // The chain correlations' three inputs (generate: false) are written disabled.
      expect(disabled).toBe(3);
    });
  }
  test('--format ndjson with another target is a usage error', async () => {
    const r = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'ndjson', 'rules/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --target lucene, esql or eql/);
  });
});
