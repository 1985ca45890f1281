import { describe, expect, test } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import fc from 'fast-check';
import { AlertGrouper, groupAlerts, groupingSummary, groupKey, type AlertGroup } from '../../src/engine/alert-grouping.js';

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

  test('the streaming grouper equals a naive regrouping, and with a small bound still counts every alert once (300 runs)', () => {
    // Naive reference: each alert joins the latest group of its key if it lies inside that group's window.
    const naive = (alerts: readonly Alert[], w: number) => {
      const groups: Array<{ key: string; first: number; count: number; last: number; alert: Alert }> = [];
      for (const a of alerts) {
        const t = a.event.timestamp as number;
        const key = groupKey(a);
        const g = [...groups].reverse().find((x) => x.key === key);
        if (g !== undefined && t < g.first + w) {
          g.count++;
          g.last = t;
        } else groups.push({ key, first: t, count: 1, last: t, alert: a });
      }
      return groups.map((g) => [g.alert, g.count, g.first, g.last]);
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom('{p1}', '{p2}', '{p3}'), fc.constantFrom('a', 'b'), fc.constantFrom('', '10.0.0.1')), { maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 4 }),
        (raw, w, bound) => {
          const alerts = raw.map(([t, p, r, ip]) => alert(t, { ProcessGuid: p, ...(ip !== '' ? { DestinationIp: ip } : {}) }, r)).sort((x, y) => (x.event.timestamp as number) - (y.event.timestamp as number));
          expect(groupAlerts(alerts, w).map((g) => [g.alert, g.count, g.first, g.last])).toEqual(naive(alerts, w));
          const small = new AlertGrouper<Alert>(w, bound);
          const out: AlertGroup[] = [];
          for (const a of alerts) {
            out.push(...small.push(a, a.event.timestamp, groupKey(a)));
            expect(small.held).toBeLessThanOrEqual(bound);
          }
          out.push(...small.end());
          expect(out.reduce((n, g) => n + g.count, 0)).toBe(alerts.length);
          expect(out.map((g) => g.first)).toEqual([...out.map((g) => g.first)].sort((x, y) => (x as number) - (y as number)));
          for (const g of out) expect((g.last as number) - (g.first as number)).toBeLessThan(w);
          if (small.closedEarly === 0) expect(out.map((g) => [g.alert, g.count])).toEqual(naive(alerts, w).map(([a, n]) => [a, n]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
