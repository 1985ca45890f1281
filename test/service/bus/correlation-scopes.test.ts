import { describe, expect, test } from 'vitest';
import { RuleSet } from '../../../src/engine/rule-set.js';
import { resolveWindowsLogsource } from '../../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../../src/rule/load-rules.js';
import { partitionOf } from '../../../src/service/bus/partition.js';
import { LiveDetector } from '../../../src/service/detect/live-detector.js';
import { documentEvent, type Doc } from '../../../src/service/event/document-event.js';
import { networkConnect, noise, processCreate } from '../winlogbeat-docs.js';

/** The detector's correlation state per partition (serve --bus), on the built-in chain correlations. */
const collection = loadRules(['rules/'], { placeholders: new Map(), cache: false });
const ruleSet = RuleSet.compile(collection.rules, { filters: collection.filters, logsource: resolveWindowsLogsource });
const detector = (partitions?: number) => new LiveDetector(ruleSet, { correlations: collection.correlations, latenessMs: 60_000, ...(partitions !== undefined ? { correlationPartitions: partitions } : {}) });

const PARTITIONS = 4;
const CHAIN = 'Proxy-Execution Utility Started and Connected Out';
const T0 = Date.parse('2026-11-20T09:00:00Z');
const chainHost = 'WS-CHAIN';
const busyHost = Array.from({ length: 40 }, (_, i) => `WS-BUSY-${i}`).find((h) => partitionOf(h, PARTITIONS) !== partitionOf(chainHost, PARTITIONS)) as string;
const ids = { host: chainHost, record: 100, guid: '{8c1a7f52-0001-6739-2a04-000000000100}', pid: 6100, image: 'C:\\Windows\\System32\\cmstp.exe', time: T0 + 1000 };

/**
 * A busy host ten minutes ahead in event time (its partition read first, as a detector that owned it all along),
 * then the chain host's events as a takeover replays them: its process start, its connection 29 s later, then
 * quiet noise up to five minutes on (its own event time passes the window and the lateness).
 */
const stream: object[] = [
  ...Array.from({ length: 5 }, (_, i) => noise(busyHost, 1 + i, T0 + 600_000 + i * 1000)),
  processCreate(ids, 'cmstp.exe /ni /s C:\\Temp\\p.inf'),
  networkConnect({ ...ids, record: 101, time: T0 + 30_000 }, '203.0.113.50'),
  ...Array.from({ length: 5 }, (_, i) => noise(chainHost, 200 + i, T0 + 60_000 * (i + 1))),
];

/** The stream through a detector in batches of 3; `restartAt`: the state goes out as text there and into a new detector. */
function run(partitions: number | undefined, restartAt?: number): { titles: string[]; ids: string[]; late: number } {
  let d = detector(partitions);
  const titles: string[] = [];
  const out: string[] = [];
  stream.forEach((doc, i) => {
    const alerts = d.detect({ seq: i + 1, key: Buffer.from(`k${i}`), received: 0, event: documentEvent(doc as Doc) }, 0);
    if (i % 3 === 2 || i === stream.length - 1) alerts.push(...d.endBatch(i + 1, 0));
    for (const a of alerts) {
      titles.push(a.ruleTitle);
      out.push(a.id);
    }
    if (i === restartAt) {
      const state = d.correlationState() as string;
      d = detector(partitions);
      expect(d.restoreCorrelationState(state)).toBe(true);
    }
  });
  return { titles: titles.sort(), ids: out.sort(), late: d.correlationCounts().late };
}

describe('correlation state per partition', () => {
  test("with --bus, a partition's events are on its own event time: the chain fires once and nothing is late", () => {
    const r = run(PARTITIONS);
    expect(r.titles.filter((t) => t === CHAIN)).toHaveLength(1);
    expect(r.late).toBe(0);
  });

  test('with one state for all (as without --bus), the same events are late against the busy host and the chain never fires', () => {
    const r = run(undefined);
    expect(r.titles).not.toContain(CHAIN);
    expect(r.late).toBeGreaterThan(0);
  });

  test('the per-partition state goes out as text and comes back: a restart between the start and the connection changes nothing', () => {
    const whole = run(PARTITIONS);
    for (const at of [4, 5, 6, 8]) expect(run(PARTITIONS, at)).toEqual(whole);
  });

  test('a state stored before partitions (one correlator) still restores into a detector without --bus', () => {
    const d = detector();
    for (const [i, doc] of stream.slice(0, 6).entries()) d.detect({ seq: i + 1, key: Buffer.from(`k${i}`), received: 0, event: documentEvent(doc as Doc) }, 0);
    d.endBatch(6, 0);
    const state = d.correlationState() as string;
    expect(JSON.parse(state)).toHaveProperty('v', 1);
    expect(detector().restoreCorrelationState(state)).toBe(true);
  });
});
