import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { aggregateOf, conditionHolds, GroupWindow, hasUpperSide, orderedPrefix, percentileOf, type Firing, type WindowItem, type WindowSpec } from '../../src/engine/correlate/group-window.js';
import type { CompareKey, CorrelationType } from '../../src/rule/model.js';

const S = 1000;
const M = 60 * S;
const at = (hh: number, mm: number, ss: number) => ((hh * 60 + mm) * 60 + ss) * S;

function spec(type: CorrelationType, timespanMs: number, cond: Partial<Record<CompareKey, number>>, members = 1, percentile?: number): WindowSpec {
  return { type, timespanMs, comparisons: Object.entries(cond).map(([op, value]) => ({ op: op as CompareKey, value: value as number })), members, ...(percentile !== undefined ? { percentile } : {}) };
}

/** Runs one group's items (sorted by time) through the streaming window; the firings' item times. */
function run(s: WindowSpec, items: WindowItem[]): Array<{ times: number[]; aggregate: number }> {
  const out: Array<{ times: number[]; aggregate: number }> = [];
  const w = new GroupWindow<WindowItem>(s, (f) => out.push({ times: f.items.map((i) => i.time), aggregate: f.aggregate }));
  for (const i of items) w.add(i);
  w.end();
  return out;
}
const items = (...times: number[]): WindowItem[] => times.map((time) => ({ time, member: 0 }));

describe('the notes’ worked example (event_count, 5m, items at 14:03:10, 14:04:10, 14:05:40, 14:06:20)', () => {
  const xs = items(at(14, 3, 10), at(14, 4, 10), at(14, 5, 40), at(14, 6, 20));
  test('gte 4: one sliding window holds all four (clock buckets would see 2 + 2)', () => {
    expect(run(spec('event_count', 5 * M, { gte: 4 }), xs)).toEqual([{ times: xs.map((x) => x.time), aggregate: 4 }]);
  });
  test('gte 2: fires at 14:04:10, consumes, fires again at 14:06:20', () => {
    expect(run(spec('event_count', 5 * M, { gte: 2 }), xs).map((f) => f.times)).toEqual([
      [at(14, 3, 10), at(14, 4, 10)],
      [at(14, 5, 40), at(14, 6, 20)],
    ]);
  });
  test('lte 3: the complete window [14:03:10, 14:08:10] holds 4, no alert (per-event evaluation would fire at once)', () => {
    expect(run(spec('event_count', 5 * M, { lte: 3 }), xs)).toEqual([]);
  });
});

describe('window edges and conditions, per type', () => {
  const T = 10 * S;
  const cases: Array<[string, WindowSpec, WindowItem[], number[][]]> = [
    ['event_count at the threshold fires', spec('event_count', T, { gte: 3 }), items(0, 5 * S, 10 * S), [[0, 5 * S, 10 * S]]],
    ['event_count one short does not', spec('event_count', T, { gte: 3 }), items(0, 5 * S), []],
    ['event_count spread wider than timespan does not', spec('event_count', T, { gte: 3 }), items(0, 5 * S, 10 * S + 1), []],
    ['both window ends are inclusive (t1 - t0 = timespan)', spec('event_count', T, { gte: 2 }), items(0, T), [[0, T]]],
    ['gt is strict', spec('event_count', T, { gt: 2 }), items(0, 1, 2), [[0, 1, 2]]],
    ['gt 2 with two items does not', spec('event_count', T, { gt: 2 }), items(0, 1), []],
    ['eq judges the complete window: 3 fires', spec('event_count', T, { eq: 3 }), items(0, 1, 2), [[0, 1, 2]]],
    ['eq 3 in a burst of 5 does not fire', spec('event_count', T, { eq: 3 }), items(0, 1, 2, 3, 4), []],
    ['neq 1: a window of two fires', spec('event_count', T, { neq: 1 }), items(0, 1), [[0, 1]]],
    ['a range gt 1 and lte 3: 3 fires, 4 does not', spec('event_count', T, { gt: 1, lte: 3 }), items(0, 1, 2, 20 * S, 21 * S, 22 * S, 23 * S), [[0, 1, 2]]],
    ['two bursts slightly more than timespan apart are two windows', spec('event_count', T, { lte: 2 }), items(0, 1, T + 2, T + 3), [[0, 1], [T + 2, T + 3]]],
  ];
  test.each(cases)('%s', (_, s, xs, want) => {
    expect(run(s, xs).map((f) => f.times)).toEqual(want);
  });

  test('value_count counts distinct values; items without the field add none', () => {
    const s = spec('value_count', T, { gte: 3 });
    const xs: WindowItem[] = [{ time: 0, member: 0, value: 'a' }, { time: 1, member: 0, value: 'a' }, { time: 2, member: 0 }, { time: 3, member: 0, value: 'b' }, { time: 4, member: 0, value: 'c' }];
    expect(run(s, xs)).toEqual([{ times: [0, 1, 2, 3, 4], aggregate: 3 }]);
    expect(run(s, xs.slice(0, 4))).toEqual([]);
  });

  test('temporal counts distinct rules, not events; a rule firing many times is one', () => {
    const s = spec('temporal', T, { gte: 2 }, 2);
    expect(run(s, [0, 1, 2].map((t) => ({ time: t, member: 0 })))).toEqual([]);
    expect(run(s, [{ time: 0, member: 0 }, { time: 1, member: 0 }, { time: 2, member: 1 }])[0]?.aggregate).toBe(2);
  });

  test('temporal_ordered: in order fires, reversed does not, B-A-B fires on the second B, equal times are ordered', () => {
    const s = spec('temporal_ordered', T, { gte: 2 }, 2);
    expect(run(s, [{ time: 0, member: 0 }, { time: 5, member: 1 }])).toHaveLength(1);
    expect(run(s, [{ time: 0, member: 1 }, { time: 5, member: 0 }])).toEqual([]);
    expect(run(s, [{ time: 0, member: 1 }, { time: 3, member: 0 }, { time: 5, member: 1 }]).map((f) => f.times)).toEqual([[0, 3, 5]]);
    expect(run(s, [{ time: 7, member: 0 }, { time: 7, member: 1 }])).toHaveLength(1);
    expect(run(s, [{ time: 0, member: 0 }, { time: T + 1, member: 1 }])).toEqual([]);
  });

  test('value_sum, value_avg (float threshold) and value_percentile (linear interpolation)', () => {
    const xs = [10, 20, 30, 40].map((v, i) => ({ time: i, member: 0, value: v }));
    expect(run(spec('value_sum', T, { gte: 100 }), xs)[0]?.aggregate).toBe(100);
    expect(run(spec('value_sum', T, { gte: 101 }), xs)).toEqual([]);
    expect(run(spec('value_avg', T, { gt: 24.5 }), xs)[0]?.aggregate).toBe(25);
    expect(run(spec('value_percentile', T, { gte: 37 }, 1, 90), xs)[0]?.aggregate).toBeCloseTo(37);
    expect(percentileOf([1, 2, 3, 4], 50)).toBe(2.5);
    expect(run(spec('value_median', T, { lte: 25 }), xs)[0]?.aggregate).toBe(25);
    // No numeric value: no aggregate, never zero.
    expect(run(spec('value_sum', T, { lte: 5 }), items(0, 1))).toEqual([]);
  });

  test('conditions and their kinds', () => {
    expect(hasUpperSide([{ op: 'gte', value: 1 }])).toBe(false);
    expect(hasUpperSide([{ op: 'gt', value: 1 }, { op: 'lt', value: 9 }])).toBe(true);
    expect(conditionHolds([{ op: 'gt', value: 1 }, { op: 'lte', value: 3 }], 3)).toBe(true);
    expect(conditionHolds([{ op: 'gte', value: 0 }], undefined)).toBe(false);
    expect(orderedPrefix([{ time: 5, member: 1 }, { time: 1, member: 0 }, { time: 9, member: 2 }], 3)).toBe(3);
  });
});

/**
 * The naive reference of the README's semantics: every window recomputed from scratch over the sorted items.
 * Monotone conditions: at each item, the unconsumed items in [t - T, t]; upper-bounded ones: complete windows
 * opened at the first unconsumed item.
 */
function reference(s: WindowSpec, xs: readonly WindowItem[]): Array<{ times: number[]; aggregate: number }> {
  const out: Array<{ times: number[]; aggregate: number }> = [];
  const consumed = new Set<number>();
  if (!hasUpperSide(s.comparisons)) {
    xs.forEach((x, i) => {
      const win = xs.map((y, j) => ({ y, j })).filter(({ y, j }) => j <= i && !consumed.has(j) && y.time >= x.time - s.timespanMs);
      const agg = aggregateOf(s, win.map((w) => w.y));
      if (conditionHolds(s.comparisons, agg)) {
        out.push({ times: win.map((w) => w.y.time), aggregate: agg as number });
        for (const w of win) consumed.add(w.j);
      }
    });
    return out;
  }
  for (let i = 0; i < xs.length; ) {
    const t0 = (xs[i] as WindowItem).time;
    let j = i;
    while (j < xs.length && (xs[j] as WindowItem).time <= t0 + s.timespanMs) j++;
    const win = xs.slice(i, j);
    const agg = aggregateOf(s, win);
    if (conditionHolds(s.comparisons, agg)) out.push({ times: win.map((w) => w.time), aggregate: agg as number });
    i = j;
  }
  return out;
}

const TYPES: CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile', 'value_median'];
const OPS: CompareKey[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

const arbSpec = fc.record({
  type: fc.constantFrom(...TYPES),
  timespanMs: fc.integer({ min: 1, max: 20 }),
  members: fc.integer({ min: 1, max: 3 }),
  ops: fc.subarray(OPS, { minLength: 1, maxLength: 2 }),
  values: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 12 })),
  percentile: fc.integer({ min: 0, max: 100 }),
});

describe('property: the streaming window equals the naive reference', () => {
  test('random specs and random time-sorted groups', () => {
    fc.assert(
      fc.property(
        arbSpec,
        fc.array(fc.record({ time: fc.integer({ min: 0, max: 60 }), member: fc.nat(2), value: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }), { maxLength: 30 }),
        (a, raw) => {
          const s: WindowSpec = { type: a.type, timespanMs: a.timespanMs, members: a.members, comparisons: a.ops.map((op, k) => ({ op, value: a.values[k] as number })), percentile: a.percentile };
          const numeric = s.type.startsWith('value_') && s.type !== 'value_count';
          const xs = raw
            .map((r) => ({ time: r.time, member: r.member % a.members, ...(r.value === undefined ? {} : { value: numeric ? r.value : `v${r.value}` }) }))
            .sort((x, y) => x.time - y.time || x.member - y.member);
          const got: Array<Firing<WindowItem>> = [];
          const w = new GroupWindow<WindowItem>(s, (f) => got.push(f));
          for (const x of xs) w.add(x);
          w.end();
          expect(got.map((f) => ({ times: f.items.map((i) => i.time), aggregate: f.aggregate }))).toEqual(reference(s, xs));
        },
      ),
      { numRuns: 400 },
    );
  });
});
