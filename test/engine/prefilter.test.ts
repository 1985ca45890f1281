import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { anchorOf } from '../../src/compile/anchor.js';
import { compileRule } from '../../src/compile/compile-rule.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { Prefilter } from '../../src/engine/prefilter.js';
import { ev, load, ruleYaml } from '../helpers.js';

const ATOMS = ['a', 'b', 'ab', 'AB', 'x\\y', '1', '.', 'é', 'İ'];
const literal = fc.array(fc.constantFrom(...ATOMS), { minLength: 1, maxLength: 5 }).map((xs) => xs.join(''));
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const item = fc
  .record({ f: fc.constantFrom('A', 'B'), m: fc.constantFrom('|contains', '|startswith', '|endswith', '|contains|all'), v: fc.array(literal, { minLength: 1, maxLength: 7 }) })
  .map(({ f, m, v }) => `${f}${m}:\n${v.map((x) => `        - ${quote(x)}`).join('\n')}`);
// One item per field|modifier key (a repeated key is a duplicate YAML key).
const rule = fc
  .uniqueArray(item, { minLength: 1, maxLength: 2, selector: (i) => i.split(':')[0] })
  .map((items) => ruleYaml(`sel:\n${items.map((i) => `    ${i}`).join('\n')}\ncondition: sel`));
const value = fc.oneof(literal, fc.array(literal, { maxLength: 3 }).map((xs) => xs.join('')), fc.array(literal, { maxLength: 2 }));

describe('the literal prefilter', () => {
  // Short pieces (1-3 characters) make the tests' short literals "long": their tails are what is scanned.
  test('keeps every rule that matches, whatever the length of the scanned tails', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.record({ A: value, B: value }, { requiredKeys: [] }), { minLength: 1, maxLength: 10 }), (texts, piece, events) => {
        const rules = texts.map((t) => compileRule(load(t).rules[0]!).compiled!);
        const prefilter = new Prefilter(rules, rules.map((r) => anchorOf(r.ir)), new Map(), piece);
        for (const fields of events) {
          const cache = new EventCache(ev(fields));
          const candidates = new Set(prefilter.candidates(cache));
          for (const r of rules) if (r.matcher(cache)) expect(candidates.has(r)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
