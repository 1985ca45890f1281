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
 * - Alerts without a time, and correlation alerts (no key), are never merged: they pass through in their place.
 */
export interface AlertGroup<T = Alert> {
  /** The group's first alert: the one shown. */
  readonly alert: T;
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

interface OpenGroup<T> {
  readonly alert: T;
  readonly key: string | undefined;
  count: number;
  readonly first?: number;
  last?: number;
}

/** Open groups held at once by default; past it the oldest is closed early (and counted). */
export const MAX_OPEN_GROUPS = 100_000;

/**
 * Groups a time-ordered stream of alerts with bounded memory. Every group has the same window, so groups
 * close in the order they opened: a queue in first-alert order, released from its head once the stream's
 * time passes the head's window, is already the output order. Memory holds the groups opened within one
 * window (at most `maxOpen`: past it the oldest closes early, counted in `closedEarly`).
 */
export class AlertGrouper<T> {
  private queue: OpenGroup<T>[] = [];
  private head = 0;
  private readonly open = new Map<string, OpenGroup<T>>();
  /** Alerts in, groups out, groups of more than one, groups closed before their window ended. */
  alerts = 0;
  groups = 0;
  repeated = 0;
  closedEarly = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxOpen = MAX_OPEN_GROUPS,
  ) {
    if (!(windowMs > 0)) throw new Error(`group window must be positive, not ${windowMs}`);
  }

  /**
   * Adds the next alert (`time` in ms, never less than the previous one's; undefined for an alert without a
   * time) under its group key (undefined: never merged) and returns the groups that can no longer grow, in
   * output order.
   */
  push(alert: T, time: number | undefined, identity: string | undefined): AlertGroup<T>[] {
    this.alerts++;
    const out: AlertGroup<T>[] = [];
    if (time !== undefined) this.release(out, time);
    const key = time !== undefined ? identity : undefined;
    const g = key === undefined ? undefined : this.open.get(key);
    if (g !== undefined && g.first !== undefined && time !== undefined && time < g.first + this.windowMs) {
      g.count++;
      g.last = Math.max(g.last ?? time, time);
      return out;
    }
    const fresh: OpenGroup<T> = time === undefined ? { alert, key, count: 1 } : { alert, key, count: 1, first: time, last: time };
    this.queue.push(fresh);
    if (key !== undefined) {
      this.open.set(key, fresh);
      if (this.open.size > this.maxOpen) this.closeOldest(out);
    }
    return out;
  }

  /** Every group still open, in output order; the grouper is empty afterwards. */
  end(): AlertGroup<T>[] {
    const out: AlertGroup<T>[] = [];
    while (this.head < this.queue.length) this.pop(out);
    this.queue = [];
    this.head = 0;
    return out;
  }

  /** Groups held now (for tests and the bound). */
  get held(): number {
    return this.queue.length - this.head;
  }

  private release(out: AlertGroup<T>[], time: number): void {
    for (;;) {
      const h = this.queue[this.head];
      if (h === undefined) break;
      // Ungroupable entries wait only for the groups opened before them.
      if (h.key !== undefined && h.first !== undefined && time < h.first + this.windowMs && this.open.get(h.key) === h) break;
      this.pop(out);
    }
  }

  private closeOldest(out: AlertGroup<T>[]): void {
    // The oldest open group and everything queued before it leave together, so the order still holds.
    for (;;) {
      const h = this.queue[this.head];
      if (h === undefined) return;
      const wasOpen = h.key !== undefined && this.open.get(h.key) === h;
      this.pop(out);
      if (wasOpen) {
        this.closedEarly++;
        return;
      }
    }
  }

  private pop(out: AlertGroup<T>[]): void {
    const h = this.queue[this.head] as OpenGroup<T>;
    this.queue[this.head] = undefined as unknown as OpenGroup<T>;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (h.key !== undefined && this.open.get(h.key) === h) this.open.delete(h.key);
    this.groups++;
    if (h.count > 1) this.repeated++;
    out.push(h.first === undefined ? { alert: h.alert, count: h.count } : { alert: h.alert, count: h.count, first: h.first, last: h.last ?? h.first });
  }
}

/** Groups time-ordered alerts within `windowMs` (> 0). Linear in the alerts. */
export function groupAlerts(alerts: Iterable<Alert>, windowMs: number): AlertGroup[] {
  const grouper = new AlertGrouper<Alert>(windowMs, Number.POSITIVE_INFINITY);
  const out: AlertGroup[] = [];
  for (const a of alerts) out.push(...grouper.push(a, a.event.timestamp, groupKey(a)));
  out.push(...grouper.end());
  return out;
}

/** How many alerts went into groups of more than one, and how many such groups. */
export function groupingSummary(groups: readonly AlertGroup<unknown>[]): { alerts: number; groups: number } {
  let alerts = 0;
  let n = 0;
  for (const g of groups) if (g.count > 1) { alerts += g.count; n++; }
  return { alerts, groups: n };
}
