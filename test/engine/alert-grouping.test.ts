import { describe, expect, test } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { groupAlerts, groupingSummary } from '../../src/engine/alert-grouping.js';

const rule = (id: string) => ({ id, title: `rule ${id}` }) as unknown as Alert['rule'];
const alert = (t: number | undefined, fields: Record<string, string>, ruleId = 'a', suppressed?: string): Alert => ({
  rule: rule(ruleId),
  event: { fields: { Computer: 'h1', ProcessGuid: '{p1}', ...fields }, ...(t !== undefined ? { timestamp: t } : {}) },
  ...(suppressed !== undefined ? { suppressedBy: [{ title: suppressed }] as unknown as NonNullable<Alert['suppressedBy']> } : {}),
});

describe('alert grouping', () => {
  test('repeats inside the window become one alert with count, first and last', () => {
    const groups = groupAlerts([alert(0, {}), alert(10_000, {}), alert(25_000, {})], 30_000);
    expect(groups.map((g) => [g.count, g.first, g.last])).toEqual([[3, 0, 25_000]]);
    expect(groupingSummary(groups)).toEqual({ alerts: 3, groups: 1 });
  });

  test('an alert exactly one window after the first starts a new group', () => {
    const groups = groupAlerts([alert(0, {}), alert(29_999, {}), alert(30_000, {})], 30_000);
    expect(groups.map((g) => [g.count, g.first, g.last])).toEqual([[2, 0, 29_999], [1, 30_000, 30_000]]);
  });

  test('different processes, hosts, destinations, rules and suppression are not merged', () => {
    const groups = groupAlerts([
      alert(0, {}),
      alert(1, { ProcessGuid: '{p2}' }),
      alert(2, { Computer: 'h2' }),
      alert(3, { DestinationIp: '10.0.0.1' }),
      alert(4, {}, 'b'),
      alert(5, {}, 'a', 'known noise'),
      alert(6, {}),
    ], 60_000);
    expect(groups.map((g) => g.count)).toEqual([2, 1, 1, 1, 1, 1]);
    expect(groupingSummary(groups)).toEqual({ alerts: 2, groups: 1 });
  });

  test('without a process GUID, process id and image identify the process', () => {
    const groups = groupAlerts([
      alert(0, { ProcessGuid: '', ProcessId: '4', Image: 'a.exe' }),
      alert(1, { ProcessGuid: '', ProcessId: '4', Image: 'b.exe' }),
      alert(2, { ProcessGuid: '', ProcessId: '4', Image: 'a.exe' }),
    ], 60_000);
    expect(groups.map((g) => g.count)).toEqual([2, 1]);
  });

  test('alerts without a time are kept one by one', () => {
    expect(groupAlerts([alert(undefined, {}), alert(undefined, {})], 60_000).map((g) => g.count)).toEqual([1, 1]);
  });
});
