import { describe, expect, test } from 'vitest';
import type { SigmaCorrelation } from '../../../src/rule/model.js';
import { loadRules } from '../../../src/rule/load-rules.js';
import { defaultReplayMs } from '../../../src/service/bus/replay-window.js';

const correlation = (name: string, timespan: number, rules: string[], id?: string): SigmaCorrelation => ({ kind: 'correlation', name, title: name, ...(id !== undefined ? { id } : {}), timespan, rules, type: 'temporal', groupBy: [], aliases: new Map(), generate: false, file: 'x.yml', span: { file: 'x.yml', offset: 0 }, raw: {} }) as unknown as SigmaCorrelation;

describe('the default replay window of a takeover', () => {
  test.each([
    ['no correlations: the lateness', [], 300_000],
    ['one correlation: the lateness and its timespan', [correlation('a', 60, ['r1'])], 360_000],
    ['a correlation over a correlation (by name): both timespans', [correlation('a', 60, ['r1']), correlation('b', 300, ['a', 'r2']), correlation('c', 10, ['r3'])], 660_000],
    ['referenced by id', [correlation('a', 60, ['r1'], '5b0c7a9e-0000-4000-8000-000000000001'), correlation('b', 300, ['5b0c7a9e-0000-4000-8000-000000000001'])], 660_000],
    ['a reference cycle ends the walk', [correlation('a', 60, ['b']), correlation('b', 300, ['a'])], 660_000],
  ])('%s', (_, correlations, want) => {
    expect(defaultReplayMs(correlations, 300_000)).toBe(want);
  });

  test('the built-in pack: its 30-minute correlation over the 1-minute one, and the lateness', () => {
    const pack = loadRules(['rules/'], { placeholders: new Map(), cache: false });
    expect(defaultReplayMs(pack.correlations, 300_000)).toBe(300_000 + 31 * 60_000);
  });
});
