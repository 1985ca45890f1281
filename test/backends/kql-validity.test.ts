import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import type { SigmaRule } from '../../src/rule/model.js';
import { CORPUS, corpusAvailable, eventLoopTurn } from '../helpers.js';
import { SENTINEL_EVENT_ROWS } from '../../src/backends/kql/sentinel-backend.js';
import { kustoChecker, type KqlDiagnostic } from './kql-language-service.js';

const BATCHES = 48;
const TARGETS = ['kql-defender', 'kql-sentinel'] as const;

/**
 * Every SigmaHQ Windows rule and the built-in pack, converted to both KQL targets; every query that comes out goes
 * through Microsoft's Kusto parser and type checker against the tables declared from our mapping data: no
 * diagnostic allowed. The refusals are counted by their reason.
 */
describe.runIf(corpusAvailable())('KQL: every converted query parses and type-checks', () => {
  let rules: readonly SigmaRule[] = [];
  let check: (q: string) => KqlDiagnostic[];
  const tally = new Map<string, { converted: number; refusedRules: number; refused: Map<string, number> }>(TARGETS.map((t) => [t, { converted: 0, refusedRules: 0, refused: new Map() }]));
  beforeAll(async () => {
    rules = loadRules([join(CORPUS, 'sigmahq', 'rules', 'windows'), resolve(__dirname, '../../rules')]).rules;
    await eventLoopTurn();
    check = kustoChecker();
    check('DeviceProcessEvents | take 1'); // the first analysis loads the service (seconds)
  }, 60_000);
  afterAll(() => {
    for (const [target, t] of tally) {
      const lines = [...t.refused].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  ${n}\t${reason}`);
      console.log(`${target}: ${t.converted} converted, ${t.refusedRules} refused; rules per reason (a rule may have several):\n${lines.join('\n')}`);
    }
  });
  for (const target of TARGETS) {
    for (let b = 0; b < BATCHES; b++) {
      test(`${target} batch ${b + 1}/${BATCHES}`, () => {
        const size = Math.ceil(rules.length / BATCHES);
        const bad: string[] = [];
        const t = tally.get(target) as { converted: number; refusedRules: number; refused: Map<string, number> };
        for (const rule of rules.slice(b * size, (b + 1) * size)) {
          const converted = convertRule(rule, BACKENDS[target], target, resolveWindowsLogsource);
          if (converted.query === undefined) {
            const reasons = new Set(converted.diagnostics.filter((d) => d.severity === 'error').map((d) => reasonOf(d.code, d.message)));
            expect(reasons.size, `${rule.file}: refused without an error`).toBeGreaterThan(0);
            t.refusedRules++;
            for (const r of reasons) t.refused.set(r, (t.refused.get(r) ?? 0) + 1);
            continue;
          }
          t.converted++;
          const ds = check(converted.query);
          if (ds.length > 0) bad.push(`${rule.file}\n${converted.query}\n${ds.map((d) => `${d.code} ${d.message} @${d.start}`).join('\n')}`);
        }
        expect(bad).toEqual([]);
      });
    }
  }
  test('both targets convert rules and refuse with reasons', () => {
    for (const target of TARGETS) expect(tally.get(target)?.converted).toBeGreaterThan(100);
  });
});

describe('the checker reads the Sentinel Event pipeline as a table of its result', () => {
  test('what follows the pipeline is checked against its columns; a pipeline that differs is checked in full', () => {
    const check = kustoChecker();
    const union = (rows: string, where: string) => `union\n  (${rows.split('\n').join('\n   ')}\n   | where ${where}),\n  (SecurityEvent | where EventID == 4688)`;
    expect(check(`${SENTINEL_EVENT_ROWS}\n| where tostring(SigmaEventData["Image"]) endswith "x" and EventID == 1`)).toEqual([]);
    expect(check(union(SENTINEL_EVENT_ROWS, 'tostring(SigmaEventData["Image"]) endswith "x"'))).toEqual([]);
    // A column the pipeline does not make, a string compared with a number, the row the pipeline consumed: errors after it, as before it.
    expect(check(`${SENTINEL_EVENT_ROWS}\n| where NoSuchColumn == 1`).length).toBeGreaterThan(0);
    expect(check(union(SENTINEL_EVENT_ROWS, 'EventLog > 1')).length).toBeGreaterThan(0);
    expect(check(`${SENTINEL_EVENT_ROWS}\n| where tostring(SigmaEventData["Image"]) > 1`).length).toBeGreaterThan(0);
    expect(check(`${SENTINEL_EVENT_ROWS}\n| where SigmaData == 1`).length).toBeGreaterThan(0);
    // The same pipeline with one name wrong is not the declared table: analysed as written, its error found.
    expect(check(`${SENTINEL_EVENT_ROWS.replace('parse_xml(EventData)', 'parse_xml(EventDatum)')}\n| where EventID == 1`).length).toBeGreaterThan(0);
  });
});

/** A refusal's reason with the rule's name, the item and the logsource's JSON taken out, so that equal reasons count together. */
function reasonOf(code: string, message: string): string {
  const m = message.replace(/^rule '.*?' \(.*?\)(: | cannot be converted to [\w-]+: )/, '').replace(/^(item '.*?' of detection '.*?'|the logsource condition) cannot be converted to [\w-]+: /, '');
  return `${code}: ${m.replace(/\{.*\}/, '{…}')}`;
}
