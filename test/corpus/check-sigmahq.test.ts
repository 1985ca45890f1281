import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkRuleFields } from '../../src/pipeline/check-fields.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { CORPUS, corpusAvailable } from '../helpers.js';

const SIGMAHQ = join(CORPUS, 'sigmahq');
const has = corpusAvailable();

/** Each folder linted once: the zero-errors test and the rules/ count test read the same ~3,100 files. */
const linted = new Map<string, ReturnType<typeof loadRules>>();
function lint(folder: string): ReturnType<typeof loadRules> {
  let c = linted.get(folder);
  if (c === undefined) linted.set(folder, (c = loadRules([join(SIGMAHQ, folder)], { lint: true })));
  return c;
}

describe.skipIf(!has)('sigmatch check over the SigmaHQ corpus', () => {
  test.each(['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir', 'deprecated'])(
    '%s: zero errors',
    (folder) => {
      const c = lint(folder);
      const errors = c.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => `${d.span?.file}: ${d.code} ${d.message}`)).toEqual([]);
      // Only deprecated rules written in the removed aggregation syntax are not loaded, each with a warning saying so.
      const notLoaded = new Set(c.diagnostics.filter((d) => d.code === 'condition-aggregation').map((d) => d.span?.file));
      expect(c.rules.length).toBe(c.documents - notLoaded.size);
    },
  );

  test('rules/: every one of the 3141 files loads', () => {
    const c = lint('rules');
    expect(c.files).toBe(3141);
    expect(c.rules.length).toBe(3141);
  });

  test('unsupported/: every rule gets its real reason', () => {
    const dir = join(SIGMAHQ, 'unsupported');
    const files: string[] = [];
    const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).forEach((e) => walk(join(p, e))) : p.endsWith('.yml') && files.push(p));
    walk(dir);
    const loaded = loadRules([dir], { lint: true });
    const c = { ...loaded, diagnostics: [...loaded.diagnostics, ...loaded.rules.flatMap(checkRuleFields)] };
    const reasons = new Map<string, Set<string>>();
    for (const d of c.diagnostics) {
      if (d.span === undefined) continue;
      if (d.severity === 'error' || ['field-unknown', 'comparison-as-string', 'legacy-action', 'rule-unsupported'].includes(d.code)) {
        const set = reasons.get(d.span.file) ?? new Set();
        set.add(d.code);
        reasons.set(d.span.file, set);
      }
    }
    // Each file is explained: an error, a field its events never carry, a number compared as text,
    // a legacy collection, or at least SigmaHQ's own 'unsupported' status.
    expect(files.filter((f) => !reasons.has(f))).toEqual([]);
    // The aggregation rules are rejected for exactly that reason, not a generic syntax error.
    const aggregation = files.filter((f) => reasons.get(f)?.has('condition-aggregation'));
    expect(aggregation.length).toBeGreaterThan(50);
  });
});
