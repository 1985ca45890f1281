import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { rng } from '../../bench/generate-corpus.js';
import { makeHit, type Hit } from '../../src/engine/alert.js';
import { Correlator } from '../../src/engine/correlate/correlator.js';
import type { CorrelationFiring } from '../../src/engine/correlate/item-store.js';
import { LiveCorrelator } from '../../src/engine/correlate/live-correlator.js';
import { planCorrelations, type CorrelationPlan } from '../../src/engine/correlate/plan-correlations.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { SpillDir } from '../../src/engine/spill.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { CORRELATION_TYPES, correlationStream } from './correlation-stream.js';

/** A firing as text: correlation, group, window, aggregate and its contributors' times. */
function firingText(f: CorrelationFiring): string {
  const times = f.contributors.map((s) => (s.kind === 'event' ? s.event.timestamp : `c${s.alert.last}`)).join(',');
  return `${f.correlation} ${JSON.stringify(f.group)} [${f.windowStart},${f.windowEnd}] = ${f.aggregate} (${f.contributorCount}: ${times})`;
}

/** Every correlation type of the fixture, planned with all of them output. */
function fixture(): { plan: CorrelationPlan; hitsOf: (events: readonly Event[]) => Hit[][] } {
  const collection = loadRuleTexts([{ file: CORRELATION_TYPES, text: readFileSync(CORRELATION_TYPES, 'utf8') }]);
  expect(collection.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ruleSet = RuleSet.compile(collection.rules, { logsource: resolveWindowsLogsource });
  const rules = ruleSet.rules.map((r) => r.rule);
  const index = new Map(rules.map((r, i) => [r, i]));
  const plan = planCorrelations(rules, collection.correlations, { selected: new Set(collection.correlations), selectedRules: new Set() });
  const hitsOf = (events: readonly Event[]) =>
    events.map((ev) => {
      const n = normalizeWindowsEvent(ev);
      return ruleSet.match(n).map((r) => makeHit(index.get(r.rule) as number, n, false, plan.fields));
    });
  return { plan, hitsOf };
}

function batchFirings(plan: CorrelationPlan, hits: readonly Hit[][], items?: { n: number }): string[] {
  const spill = new SpillDir();
  try {
    const c = new Correlator(plan, spill);
    for (const h of hits) c.addHits(h);
    const out = [...c.evaluate()].map(firingText).sort();
    if (items !== undefined) items.n = c.stats.reduce((n, st) => n + st.items, 0);
    return out;
  } finally {
    spill.dispose();
  }
}

const eventsOf = (seed: number): Event[] => {
  const out: Event[] = [];
  for (const it of readEvtxBuffer(writeEvtxBuffer(correlationStream(seed)), 's.evtx')) if (it.kind === 'record') out.push(it.event);
  return out;
};

describe('live correlations equal the hunt\'s on the same events', () => {
  test('every correlation type, events arriving out of order within the lateness, in batches, with snapshots restored between them', () => {
    const { plan, hitsOf } = fixture();
    for (const seed of [3, 11]) {
      const events = eventsOf(seed);
      const hits = hitsOf(events);
      const fed = { n: 0 };
      const want = batchFirings(plan, hits, fed);
      expect(want.length).toBeGreaterThan(200);
      const L = 90_000;
      const r = rng(seed);
      // Arrival: each event up to L late against time order, so none is later than the lateness allows.
      const arrival = events.map((e, i) => ({ i, at: (e.timestamp as number) + r() * L })).sort((a, b) => a.at - b.at);
      let live = new LiveCorrelator(plan, { latenessMs: L });
      const got: string[] = [];
      let watermark = -Infinity;
      let maxHeld = 0;
      for (let b = 0; b < arrival.length; b += 25) {
        for (const { i } of arrival.slice(b, b + 25)) {
          live.addHits(hits[i] as Hit[]);
          watermark = Math.max(watermark, events[i]?.timestamp as number);
        }
        got.push(...live.advance(watermark).map(firingText));
        maxHeld = Math.max(maxHeld, live.held);
        // A restart now and then: the state goes through its text and comes back.
        if (b % 200 === 0) live = LiveCorrelator.restore(plan, { latenessMs: L }, live.snapshot()) as LiveCorrelator;
      }
      got.push(...live.advance(Infinity).map(firingText));
      expect(live.late).toBe(0);
      expect(got.sort()).toEqual(want);
      // State is the open windows and the lateness' worth of items, not the stream's.
      expect(maxHeld).toBeLessThan(fed.n / 3);
      expect(live.held).toBe(0);
    }
  });

  test('an event later than the lateness is counted and not correlated; a snapshot of other rules is refused', () => {
    const { plan, hitsOf } = fixture();
    const events = eventsOf(3);
    const hits = hitsOf(events);
    const live = new LiveCorrelator(plan, { latenessMs: 0 });
    const last = events.length - 1;
    for (let i = 0; i < last; i++) live.addHits(hits[i] as Hit[]);
    live.advance(events[last - 1]?.timestamp as number);
    // The first event's hits come again after the watermark passed them.
    const again = hits.find((h) => h.length > 0) as Hit[];
    live.addHits(again);
    expect(live.late).toBeGreaterThan(0);
    const other = loadRuleTexts([{ file: 'o.yml', text: 'title: O\nname: o\ncorrelation:\n    type: event_count\n    rules: [t]\n    timespan: 1m\n    condition:\n        gte: 1\n---\ntitle: T\nname: t\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    s:\n        Image: x\n    condition: s\n' }]);
    const otherPlan = planCorrelations(other.rules, other.correlations, { selected: new Set(other.correlations), selectedRules: new Set() });
    expect(LiveCorrelator.restore(otherPlan, { latenessMs: 0 }, live.snapshot())).toBeUndefined();
  });

  test('past maxItems the oldest groups are dropped and counted, and state stays under the bound', () => {
    const { plan, hitsOf } = fixture();
    const events = eventsOf(11);
    const hits = hitsOf(events);
    const live = new LiveCorrelator(plan, { latenessMs: 0, maxItems: 20 });
    for (let i = 0; i < events.length; i++) {
      live.addHits(hits[i] as Hit[]);
      live.advance(events[i]?.timestamp as number);
      expect(live.held).toBeLessThanOrEqual(20);
    }
    expect(live.evicted).toBeGreaterThan(0);
  });
});

describe('property: live correlation of random events in random arrival within the lateness equals the batch correlator', () => {
  test('random counts over two rules and hosts', () => {
    const RULES = ['a', 'b']
      .map((n, k) => `title: R${n}\nid: ${k + 1}1111111-1111-4111-8111-111111111111\nname: ${n}\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    s:\n        Image|endswith: '\\\\${n}.exe'\n    condition: s\n`)
      .join('---\n');
    fc.assert(
      fc.property(
        fc.constantFrom('event_count', 'temporal', 'temporal_ordered', 'value_count'),
        fc.constantFrom<Array<[string, number]>>([['gte', 2]], [['gte', 3]], [['lte', 2]], [['eq', 2]], [['gt', 1], ['lt', 4]]),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 40 }), rule: fc.nat(1), host: fc.constantFrom('h1', 'h2'), v: fc.constantFrom('x', 'y', 'z') }), { maxLength: 50 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { maxLength: 50 }),
        (type, ops, span, raw, lateness, jitter) => {
          const temporal = type.startsWith('temporal');
          const condition = `\n    condition:${ops.map(([op, v]) => `\n        ${op}: ${temporal ? Math.min(v, 2) : v}`).join('')}${type === 'value_count' ? '\n        field: V' : ''}`;
          const corr = `title: C\nname: c\ncorrelation:\n    type: ${type}\n    rules: [a, b]\n    group-by: [Computer]\n    timespan: ${span}s${condition}\nlevel: high\n`;
          const collection = loadRuleTexts([{ file: 'r.yml', text: RULES }, { file: 'c.yml', text: corr }]);
          const plan = planCorrelations(collection.rules, collection.correlations, { selected: new Set(collection.correlations), selectedRules: new Set() });
          // Distinct times (ties are ordered by content, which arrival cannot change).
          const events = raw.map((e, i) => ({ ...e, time: e.t * 1000 + i }));
          const hits = events.map((e): Hit[] => [{ rule: e.rule, event: { fields: { Computer: e.host, V: e.v }, timestamp: e.time } }]);
          const want = batchFirings(plan, hits);
          const L = lateness * 1000;
          const order = events.map((e, i) => ({ i, at: e.time + (jitter[i] ?? 0) * L })).sort((a, b) => a.at - b.at);
          const live = new LiveCorrelator(plan, { latenessMs: L });
          let wm = -Infinity;
          const got: string[] = [];
          for (const { i } of order) {
            live.addHits(hits[i] as Hit[]);
            wm = Math.max(wm, (events[i] as { time: number }).time);
            got.push(...live.advance(wm).map(firingText));
          }
          got.push(...live.advance(Infinity).map(firingText));
          expect(live.late).toBe(0);
          expect(got.sort()).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
