import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Hit } from '../../src/engine/alert.js';
import { Correlator } from '../../src/engine/correlate/correlator.js';
import { aggregateOf, conditionHolds, hasUpperSide, type WindowItem, type WindowSpec } from '../../src/engine/correlate/group-window.js';
import { planCorrelations } from '../../src/engine/correlate/plan-correlations.js';
import { SpillDir } from '../../src/engine/spill.js';
import type { Event } from '../../src/event/event.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import type { CompareKey, CorrelationType } from '../../src/rule/model.js';

const rule = (name: string, id: string) => `title: Rule ${name}
id: ${id}
name: ${name}
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\${name}.exe'
    condition: selection
level: low
`;
const RULES = rule('a', '11111111-1111-4111-8111-111111111111') + '---\n' + rule('b', '22222222-2222-4222-8222-222222222222');

function correlationYaml(type: CorrelationType, members: number, timespan: number, ops: Array<[CompareKey, number]>, groupBy: boolean, percentile: number): string {
  const field = type === 'event_count' || type.startsWith('temporal') ? '' : `\n        field: V${type === 'value_percentile' ? `\n        percentile: ${percentile}` : ''}`;
  const condition = ops.length === 0 ? '' : `\n    condition:${ops.map(([op, v]) => `\n        ${op}: ${v}`).join('')}${field}`;
  return `title: Random correlation
name: corr
correlation:
    type: ${type}
    rules:${['a', 'b'].slice(0, members).map((r) => `\n        - ${r}`).join('')}${groupBy ? '\n    group-by:\n        - Computer' : ''}
    timespan: ${timespan}s${condition}
level: high
`;
}

interface RawEvent {
  time: number;
  host: string | undefined;
  rule: number;
  v: number | undefined;
}

/** The naive reference: per group, every event sorted by (time, member, content), every window recomputed. */
function reference(s: WindowSpec, type: CorrelationType, events: RawEvent[], members: number, groupBy: boolean): string[] {
  const numeric = type !== 'value_count';
  const groups = new Map<string, Array<WindowItem & { key: string }>>();
  for (const e of events) {
    if (e.rule >= members) continue;
    if (groupBy && e.host === undefined) continue;
    const g = JSON.stringify(groupBy ? [e.host] : []);
    const item = { time: e.time, member: e.rule, key: JSON.stringify(fieldsOf(e)), ...(e.v === undefined ? {} : { value: numeric ? e.v : String(e.v) }) };
    groups.set(g, [...(groups.get(g) ?? []), item]);
  }
  const out: string[] = [];
  for (const g of [...groups.keys()].sort()) {
    const xs = (groups.get(g) as Array<WindowItem & { key: string }>).sort((a, b) => a.time - b.time || a.member - b.member || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const consumed = new Set<number>();
    const fire = (win: WindowItem[], agg: number | undefined) => out.push(`${g} ${win.map((w) => w.time).join(',')} = ${agg}`);
    if (!hasUpperSide(s.comparisons)) {
      xs.forEach((x, i) => {
        const win = xs.filter((y, j) => j <= i && !consumed.has(j) && y.time >= x.time - s.timespanMs);
        const agg = aggregateOf(s, win);
        if (conditionHolds(s.comparisons, agg)) {
          fire(win, agg);
          xs.forEach((y, j) => win.includes(y) && consumed.add(j));
        }
      });
    } else {
      for (let i = 0; i < xs.length; ) {
        let j = i;
        while (j < xs.length && (xs[j] as WindowItem).time <= (xs[i] as WindowItem).time + s.timespanMs) j++;
        const win = xs.slice(i, j);
        const agg = aggregateOf(s, win);
        if (conditionHolds(s.comparisons, agg)) fire(win, agg);
        i = j;
      }
    }
  }
  return out;
}

function fieldsOf(e: RawEvent): Record<string, string | number> {
  return { ...(e.host !== undefined ? { Computer: e.host } : {}), ...(e.v !== undefined ? { V: e.v } : {}) };
}

const TYPES: CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile'];

describe('property: the correlator (item store, spilling, grouping, any arrival order) equals the naive reference', () => {
  test('random correlations over random events delivered shuffled, in random batches, spilling after a few items', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constantFrom(...TYPES),
          members: fc.integer({ min: 1, max: 2 }),
          timespan: fc.integer({ min: 1, max: 8 }),
          ops: fc.subarray(['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as CompareKey[], { minLength: 1, maxLength: 1 }),
          threshold: fc.integer({ min: 0, max: 4 }),
          groupBy: fc.boolean(),
          percentile: fc.integer({ min: 0, max: 100 }),
          limit: fc.integer({ min: 1, max: 12 }),
        }),
        fc.array(fc.record({ time: fc.integer({ min: 0, max: 30 }), host: fc.option(fc.constantFrom('h1', 'h2', 'h3'), { nil: undefined }), rule: fc.nat(1), v: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (c, events, shuffle) => {
          const temporal = c.type.startsWith('temporal');
          const ops: Array<[CompareKey, number]> = temporal && c.threshold === 0 ? [] : c.ops.map((op) => [op, c.threshold]);
          const collection = loadRuleTexts([{ file: 'r.yml', text: RULES }, { file: 'c.yml', text: correlationYaml(c.type, c.members, c.timespan, ops, c.groupBy, c.percentile) }]);
          expect(collection.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          const plan = planCorrelations(collection.rules, collection.correlations, { selected: new Set(collection.correlations), selectedRules: new Set() });
          const spill = new SpillDir();
          try {
            const correlator = new Correlator(plan, spill, c.limit);
            // Arrival order: a permutation of the events, cut into batches.
            const order = events.map((e, i) => ({ e, k: shuffle[i] ?? i })).sort((x, y) => x.k - y.k).map((x) => x.e);
            for (let i = 0; i < order.length; ) {
              const n = 1 + ((shuffle[i] ?? 0) % 5);
              const hits: Hit[] = order.slice(i, i + n).map((e) => {
                const event: Event = { fields: fieldsOf(e), timestamp: e.time * 1000 };
                return { rule: e.rule, event };
              });
              correlator.addHits(hits);
              i += n;
            }
            const got = [...correlator.evaluate()].map((f) => `${JSON.stringify(f.group.map(([, v]) => v))} ${f.contributors.map((s) => (s.kind === 'event' ? (s.event.timestamp as number) / 1000 : -1)).join(',')} = ${f.aggregate}`);
            const p = plan.correlations[0];
            if (p === undefined) throw new Error('not planned');
            const spec = { ...p.spec, timespanMs: c.timespan };
            expect(got).toEqual(reference(spec, c.type, events, c.members, c.groupBy));
          } finally {
            spill.dispose();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
