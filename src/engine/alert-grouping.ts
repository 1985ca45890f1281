import type { Event } from '../event/event.js';
import type { Alert } from './alert.js';

/**
 * Alert grouping (`hunt --group-window`): repeated alerts of one rule, on one host, from one process, to one
 * destination, inside the window, become one alert with a count and the first and last time.
 *
 * - The window is anchored at a group's first alert and half-open: an alert at `first + window` or later
 *   starts a new group (it is not merged), so no group spans more than the window.
 * - Suppressed alerts (--show-suppressed) group apart from unsuppressed ones.
 * - The input must be in the hunt's final time order; groups come out in the order of their first alert,
 *   so the result does not depend on how (or in which thread) the alerts were found.
 * - Alerts without a time are never merged.
 */
export interface AlertGroup {
  /** The group's first alert: the one shown. */
  readonly alert: Alert;
  readonly count: number;
  /** Times (ms) of the first and last alert of the group. */
  readonly first?: number;
  readonly last?: number;
}

const text = (e: Event, name: string): string => {
  const v = e.fields[name];
  return v === undefined || v === null ? '' : String(v);
};

/** The identity alerts must share to be grouped: rule, host, process, destination and suppression. */
export function groupKey(a: Alert): string {
  const e = a.event;
  const guid = a.process?.processGuid ?? text(e, 'ProcessGuid');
  const proc = guid !== '' ? `g:${guid}` : `p:${text(e, 'ProcessId')}|${a.process?.image ?? text(e, 'Image')}`;
  const dest = ['DestinationIp', 'DestinationHostname', 'QueryName'].map((f) => text(e, f)).join('|');
  const suppressed = (a.suppressedBy ?? []).map((f) => f.title).join('|');
  return JSON.stringify([a.rule.id ?? '', a.rule.title, text(e, 'Computer'), proc, dest, suppressed]);
}

/** Groups time-ordered alerts within `windowMs` (> 0). Linear in the alerts. */
export function groupAlerts(alerts: Iterable<Alert>, windowMs: number): AlertGroup[] {
  const out: { alert: Alert; count: number; first?: number; last?: number }[] = [];
  const open = new Map<string, (typeof out)[number]>();
  for (const alert of alerts) {
    const t = alert.event.timestamp;
    if (t === undefined) {
      out.push({ alert, count: 1 });
      continue;
    }
    const key = groupKey(alert);
    const g = open.get(key);
    if (g !== undefined && g.first !== undefined && t >= g.first && t < g.first + windowMs) {
      g.count++;
      g.last = Math.max(g.last ?? t, t);
      continue;
    }
    const fresh = { alert, count: 1, first: t, last: t };
    out.push(fresh);
    open.set(key, fresh);
  }
  return out;
}

/** How many alerts went into groups of more than one, and how many such groups. */
export function groupingSummary(groups: readonly AlertGroup[]): { alerts: number; groups: number } {
  let alerts = 0;
  let n = 0;
  for (const g of groups) if (g.count > 1) { alerts += g.count; n++; }
  return { alerts, groups: n };
}
