import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { LiveDetector } from '../../src/service/detect/live-detector.js';
import type { StoredAlert } from '../../src/service/store/alert-store.js';
import { sigmatchAsync } from '../cli/run-cli.js';

/** The service's detector runs the built-in chain correlations on the example log as the hunt does. */
const events: Event[] = [];
for (const it of readEvtxBuffer(readFileSync('examples/ws01-sysmon.evtx'), 'examples/ws01-sysmon.evtx')) if (it.kind === 'record') events.push(it.event);

function detector(latenessMs = 60_000): LiveDetector {
  const collection = loadRules(['rules/'], { placeholders: new Map(), cache: false });
  const ruleSet = RuleSet.compile(collection.rules, { filters: collection.filters, logsource: resolveWindowsLogsource });
  return new LiveDetector(ruleSet, { correlations: collection.correlations, latenessMs });
}

/** An unrelated event an hour after the log: the watermark passes every window. */
const later = (e: Event): Event => ({ ...e, fields: { ...e.fields, EventID: 4624, Channel: 'Security' }, timestamp: (e.timestamp as number) + 3_600_000 });

const view = (a: StoredAlert) => {
  const d = JSON.parse(a.doc) as { rule: { name: string }; sigmatch: { correlation?: { group: object; window: { end: string }; contributor_count: number } } };
  const c = d.sigmatch.correlation;
  return c === undefined ? `rule ${d.rule.name}` : `${d.rule.name} ${JSON.stringify(c.group)} ${c.window.end} ${c.contributor_count}`;
};

function run(restartEvery?: number): { alerts: string[]; ids: string[] } {
  let d = detector();
  const out: StoredAlert[] = [];
  const stream = [...events, later(events[events.length - 1] as Event)];
  stream.forEach((event, i) => {
    out.push(...d.detect({ seq: i + 1, key: Buffer.from(String(i)), received: 0, event }, 0));
    if (i % 10 === 9 || i === stream.length - 1) {
      out.push(...d.endBatch(i + 1, 0));
      if (restartEvery !== undefined && i % restartEvery === restartEvery - 1) {
        // A restart: the state goes out as text with the position and comes back into a new detector.
        const state = d.correlationState() as string;
        d = detector();
        expect(d.restoreCorrelationState(state)).toBe(true);
      }
    }
  });
  return { alerts: out.map(view).sort(), ids: out.map((a) => a.id).sort() };
}

describe('live correlations in the service detector', () => {
  test('the chain correlations fire as in the hunt; their referenced rules raise no alert of their own; a restart in between changes nothing', async () => {
    const hunt = await sigmatchAsync(['hunt', '--format', 'jsonl', '--quiet', 'examples/']);
    const want = hunt.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const d = JSON.parse(l) as { rule: { name: string }; sigmatch: { correlation?: { group: object; window: { end: string }; contributor_count: number } } };
        const c = d.sigmatch.correlation;
        return c === undefined ? `rule ${d.rule.name}` : `${d.rule.name} ${JSON.stringify(c.group)} ${c.window.end} ${c.contributor_count}`;
      })
      .sort();
    const once = run();
    expect(once.alerts).toEqual(want);
    expect(once.alerts.filter((a) => a.startsWith('Proxy-Execution Utility Started and Connected Out'))).toHaveLength(1);
    expect(once.alerts.some((a) => a === 'rule Proxy-Execution Utility Started')).toBe(false);
    const restarted = run(20);
    expect(restarted.alerts).toEqual(want);
    // Deterministic ids: a replay of the same stream writes the same ids (the store keeps one of each).
    expect(restarted.ids).toEqual(once.ids);
    expect(new Set(once.ids).size).toBe(once.ids.length);
  });

  test('a quiet stream: after the allowed lateness with no event, event time goes on with the clock and the windows close as in the hunt', async () => {
    const hunt = await sigmatchAsync(['hunt', '--only-correlations', '--format', 'jsonl', '--quiet', 'examples/']);
    const want = hunt.stdout.trim().split('\n').map((l) => view({ doc: l } as StoredAlert)).sort();
    const hour = 3_600_000;
    // An allowed lateness of an hour: longer than the log, so no event in it closes a window.
    const d = detector(hour);
    const out: StoredAlert[] = [];
    // The events arrive at clock time 1,000 (ms); nothing comes after them.
    events.forEach((event, i) => out.push(...d.detect({ seq: i + 1, key: Buffer.from(String(i)), received: 0, event }, 1000)));
    out.push(...d.endBatch(events.length, 1000));
    expect(d.holdsWindows).toBe(true);
    expect(out.map(view).filter((a) => !a.startsWith('rule '))).toEqual([]);
    // Not yet quiet for the lateness: nothing moves.
    expect(d.idleAdvance(1000 + hour - 1)).toBe(false);
    // Quiet for the lateness, then long enough for every window: the chain alerts come out, once each.
    expect(d.idleAdvance(1000 + hour)).toBe(true);
    out.push(...d.endBatch(events.length, 1000 + hour));
    expect(d.idleAdvance(1000 + 3 * hour)).toBe(true);
    out.push(...d.endBatch(events.length, 1000 + 3 * hour));
    expect(out.map(view).filter((a) => !a.startsWith('rule ')).sort()).toEqual(want);
    expect(d.holdsWindows).toBe(false);
  });

  test('a state of other correlations is refused (they start empty); late events are counted', () => {
    const d = detector();
    expect(d.restoreCorrelationState(JSON.stringify({ watermark: 0, state: JSON.stringify({ v: 1, late: 0, evicted: 0, correlations: [] }) }))).toBe(false);
    expect(d.correlationCounts().resets).toBe(1);
    const last = events[events.length - 1] as Event;
    d.detect({ seq: 1, key: Buffer.from('a'), received: 0, event: later(last) }, 0);
    d.endBatch(1, 0);
    // The whole log comes after the watermark passed it: its matches are late for the correlations.
    events.forEach((event, i) => d.detect({ seq: i + 2, key: Buffer.from(`b${i}`), received: 0, event }, 0));
    expect(d.correlationCounts().late).toBeGreaterThan(0);
  });
});
