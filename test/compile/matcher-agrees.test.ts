import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileMatcher } from '../../src/compile/compile-matcher.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { interpret } from '../../src/compile/interpret.js';
import { lowerRule } from '../../src/compile/lower-rule.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { FieldValue } from '../../src/event/event.js';
import { ev, load, ruleYaml } from '../helpers.js';

const FIELDS = ['A', 'B', 'C'];
const ATOMS = ['a', 'b', 'ab', 'AB', 'x\\y', '1', '10', '-f', '/f', '10.0.0.1', '8.8.8.8', 'fe80::1', '::ffff:', '%1', ' ', 'é', 'İ'];

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const strValue = fc.array(fc.constantFrom(...ATOMS, '*', '?'), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(''));

/** One detection item line: a field, a modifier chain and values that fit it. */
const item = fc.oneof(
  fc.record({ f: fc.constantFrom(...FIELDS), m: fc.constantFrom('', '|contains', '|startswith', '|endswith', '|contains|all', '|cased', '|windash|contains', '|neq'), v: fc.array(strValue, { minLength: 1, maxLength: 3 }) }).map(
    ({ f, m, v }) => `${f}${m}:\n${v.map((x) => `    - ${quote(x)}`).join('\n')}`,
  ),
  // Long lists of substring tests on one field: compiled as one Aho-Corasick scan.
  fc.record({ f: fc.constantFrom(...FIELDS), m: fc.constantFrom('|contains', '|startswith', '|endswith', '|windash|contains'), v: fc.array(strValue, { minLength: 6, maxLength: 9 }) }).map(
    ({ f, m, v }) => `${f}${m}:\n${v.map((x) => `    - ${quote(x)}`).join('\n')}`,
  ),
  fc.record({ f: fc.constantFrom(...FIELDS), re: fc.constantFrom('^a', 'b$', 'a.?b', '\\d+', '(?i)AB', 'x\\\\y', '(?i)bab', 'aba', 'ab.?x\\\\y', '(?i)ab\\.1', '10\\.0\\.0') }).map(({ f, re }) => `${f}|re: ${quote(re)}`),
  fc.record({ f: fc.constantFrom(...FIELDS), c: fc.constantFrom('10.0.0.0/8', '8.8.0.0/16', 'fe80::/10', '::ffff:0:0/96') }).map(({ f, c }) => `${f}|cidr: ${quote(c)}`),
  fc.record({ f: fc.constantFrom(...FIELDS), n: fc.constantFrom(1, 10) }).map(({ f, n }) => `${f}: ${n}`),
  fc.record({ f: fc.constantFrom(...FIELDS), op: fc.constantFrom('gt', 'lte'), n: fc.constantFrom(1, 5) }).map(({ f, op, n }) => `${f}|${op}: ${n}`),
  fc.constantFrom(...FIELDS).map((f) => `${f}: null`),
  fc.record({ f: fc.constantFrom(...FIELDS), b: fc.boolean() }).map(({ f, b }) => `${f}|exists: ${b}`),
  fc.record({ f: fc.constantFrom(...FIELDS), g: fc.constantFrom(...FIELDS) }).map(({ f, g }) => `${f}|fieldref: ${g}`),
);

const detection = fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => {
  // Each item goes to its own key space: repeated field|modifier keys would be duplicate YAML keys.
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = i.split(':')[0] as string;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
});

const condition = fc.constantFrom('sel1', 'sel1 and not sel2', 'sel1 or sel2', '1 of sel*', 'all of sel*', 'not (sel1 and sel2)', 'sel2 or not sel1');

const rule = fc.record({ d1: detection, d2: detection, cond: condition }).map(({ d1, d2, cond }) => {
  const body = (items: string[]) => items.map((i) => i.split('\n').map((l) => `    ${l}`).join('\n')).join('\n');
  return ruleYaml(`sel1:\n${body(d1)}\nsel2:\n${body(d2)}\ncondition: ${cond}`);
});

const value: fc.Arbitrary<FieldValue> = fc.oneof(
  strValue.filter((s) => !/[*?]/.test(s)),
  fc.constantFrom(...ATOMS),
  fc.constantFrom(1, 10, 5, 0),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.constantFrom(...ATOMS), { maxLength: 2 }),
);
const event = fc.dictionary(fc.constantFrom(...FIELDS), value);

describe('compiled matchers agree with the reference interpreter', () => {
  test('random rules and events', () => {
    fc.assert(
      fc.property(rule, fc.array(event, { minLength: 1, maxLength: 8 }), (text, events) => {
        const c = load(text);
        const errors = c.diagnostics.filter((d) => d.severity === 'error');
        expect(errors).toEqual([]);
        const { ir } = lowerRule(c.rules[0]!);
        const matcher = compileMatcher(ir);
        for (const fields of events) {
          const e = ev(fields);
          expect(matcher(new EventCache(e))).toBe(interpret(ir, e));
        }
      }),
      { numRuns: 400 },
    );
  });

  test('regexes with a required literal (tried only on values that hold it) agree with the interpreter', () => {
    const regex = fc.constantFrom('(?i)bab', 'aba', 'ab.?x\\\\y', '(?i)ab\\.1', '10\\.0\\.0', 'b+aba', '(?i)İab', 'x\\\\y$', '^ab\\d');
    const text = fc.array(fc.constantFrom('a', 'b', 'ab', 'AB', 'x\\y', '1', '.', '10.0.0.1', 'İ', 'é'), { maxLength: 6 }).map((xs) => xs.join(''));
    fc.assert(
      fc.property(fc.array(regex, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(text, fc.array(text, { maxLength: 3 })), { minLength: 1, maxLength: 8 }), (res, values) => {
        const { ir } = lowerRule(load(ruleYaml(`sel:\n    A|re:\n${res.map((r) => `        - ${quote(r)}`).join('\n')}\ncondition: sel`)).rules[0]!);
        const matcher = compileMatcher(ir);
        for (const v of values) {
          const e = ev({ A: v });
          expect(matcher(new EventCache(e))).toBe(interpret(ir, e));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a rule gives the same answer inside a large rule set as alone', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 20, maxLength: 60 }), fc.array(event, { minLength: 5, maxLength: 20 }), (texts, events) => {
        const rules = texts.map((t, i) => load(t.replace('title: Test Rule', `title: Rule ${i}`)).rules[0]!);
        const set = RuleSet.compile(rules);
        const alone = rules.map((r) => RuleSet.compile([r]));
        for (const fields of events) {
          const e = ev(fields);
          const inSet = new Set(set.match(e).map((m) => m.rule));
          rules.forEach((r, i) => expect(inSet.has(r)).toBe(alone[i]!.match(e).length === 1));
        }
      }),
      { numRuns: 30 },
    );
  });

  test('the literal prefilter never drops a rule that matches', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 10, maxLength: 40 }), fc.array(event, { minLength: 5, maxLength: 20 }), (texts, events) => {
        const rules = texts.map((t, i) => load(t.replace('title: Test Rule', `title: Rule ${i}`)).rules[0]!);
        const set = RuleSet.compile(rules);
        for (const fields of events) {
          const e = ev(fields);
          const cache = new EventCache(e);
          const brute = set.rules.filter((r) => r.matcher(cache)).map((r) => r.rule);
          expect(set.match(e).map((m) => m.rule)).toEqual(brute);
        }
      }),
      { numRuns: 200 },
    );
  });
});
