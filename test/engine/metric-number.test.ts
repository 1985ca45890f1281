import { describe, expect, test } from 'vitest';
import { GroupWindow, type WindowItem, type WindowSpec } from '../../src/engine/correlate/group-window.js';
import { METRIC_NUMBER_MAX_LENGTH, metricNumber } from '../../src/engine/correlate/metric-number.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { planCorrelations } from '../../src/engine/correlate/plan-correlations.js';
import { Correlator } from '../../src/engine/correlate/correlator.js';
import type { Hit } from '../../src/engine/alert.js';
import { SpillDir } from '../../src/engine/spill.js';
import type { Event } from '../../src/event/event.js';

describe('the number grammar of the metric correlations (value_sum, value_avg, value_percentile, value_median)', () => {
  test('decimal forms: sign, digits, fraction, fraction alone, trailing point, exponent of 1 to 3 digits', () => {
    const numbers: Array<[string, number]> = [
      ['12', 12], ['+5', 5], ['-5', -5], ['-0.5', -0.5], ['.5', 0.5], ['5.', 5], ['00012', 12], ['0', 0], ['-0', -0],
      ['1e3', 1000], ['1E3', 1000], ['2.5e+2', 250], ['25E-1', 2.5], ['1e-400', 0], ['5e001', 50], ['1e308', 1e308],
      ['1.7976931348623157e308', Number.MAX_VALUE], ['4.9e-324', 5e-324], ['9007199254740993', 9007199254740992],
    ];
    for (const [text, n] of numbers) expect(metricNumber(text), text).toBe(n);
  });

  test('not numbers: hex/octal/binary, white space, empty, lone signs or points, separators, words, other digits, long exponents, beyond the double range', () => {
    const not = [
      '0x10', '0X1F', '0o17', '0b101', ' 12', '12 ', ' 12 ', '\t5', '1 000', '', '+', '-', '.', '+.', '.e1', 'e3', '1e', '1e+', '1.2.3', '1_000', '1,5',
      '١٢', '１２', 'Infinity', '-Infinity', 'inf', 'NaN', 'nan', '1e0003', '1e1000', '1e400', '-1e400', '1.7976931348623159e308', '5%', '$5', '12abc', '--5', '+-5', '1e--3',
      'true', 'null',
    ];
    for (const text of not) expect(metricNumber(text), JSON.stringify(text)).toBeUndefined();
    expect(metricNumber(undefined)).toBeUndefined();
  });

  test(`at most ${METRIC_NUMBER_MAX_LENGTH} characters`, () => {
    expect(metricNumber('1'.repeat(METRIC_NUMBER_MAX_LENGTH))).toBe(Number('1'.repeat(METRIC_NUMBER_MAX_LENGTH)));
    expect(metricNumber('1'.repeat(METRIC_NUMBER_MAX_LENGTH + 1))).toBeUndefined();
    expect(metricNumber(`0.${'0'.repeat(METRIC_NUMBER_MAX_LENGTH)}1`)).toBeUndefined();
  });

  test('the correlator reads field values by the grammar: a JSON number by its text, a one-element array by its element, the rest counts no value', () => {
    const rules = `title: Any
name: r_any
logsource:
    product: test
detection:
    selection:
        Kind: x
    condition: selection
level: low
---
title: Sum
name: c_sum
correlation:
    type: value_sum
    rules: [r_any]
    timespan: 1h
    condition:
        field: V
        gte: 0
level: high
`;
    const loaded = loadRuleTexts([{ file: 'r.yml', text: rules }]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = planCorrelations(loaded.rules, loaded.correlations, { selected: new Set(loaded.correlations), selectedRules: new Set() });
    const values: unknown[] = [10, '+5', ['2.5'], '1e1', ' 7', '0x10', '', 'NaN', '1e400', null, [1, 2], { a: 1 }, true, undefined, '-0.25'];
    const spill = new SpillDir();
    try {
      const c = new Correlator(plan, spill);
      const base = Date.parse('2026-01-01T00:00:00Z');
      c.addHits(values.map((v, k): Hit => ({ rule: 0, event: { timestamp: base + k, fields: { Kind: 'x', ...(v === undefined ? {} : { V: v }) } } as Event })));
      // gte 0 fires at each number (a firing consumes its window); the items between add no value, and the last
      // window (-0.25 with the eleven before it that have none) does not meet the condition.
      expect([...c.evaluate()].map((f) => [f.aggregate, f.contributorCount])).toEqual([[10, 1], [5, 1], [2.5, 1], [10, 1]]);
    } finally {
      spill.dispose();
    }
  });
});

describe('value_sum after items leave the window: the remaining numbers added again, not the left one subtracted', () => {
  test('1e20 then 1 then 1: once 1e20 is out of the window the sum is 2, not 1e20 + 1 + 1 − 1e20 = 0', () => {
    const spec: WindowSpec = { type: 'value_sum', timespanMs: 10, comparisons: [{ op: 'gte', value: 2 }], members: 1 };
    const fired: number[] = [];
    const w = new GroupWindow<WindowItem>(spec, (f) => fired.push(f.aggregate));
    w.add({ time: 0, member: 0, value: -1e20 });
    w.add({ time: 15, member: 0, value: 1 });
    w.add({ time: 16, member: 0, value: 1 });
    w.end();
    expect(fired).toEqual([2]);
  });
});
