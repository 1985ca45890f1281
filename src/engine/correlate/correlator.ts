import type { Event, FieldValue } from '../../event/event.js';
import type { Hit } from '../alert.js';
import { spilledJson, type SpillDir } from '../spill.js';
import { GroupWindow, shortfall, type Firing } from './group-window.js';
import { metricNumber } from './metric-number.js';
import { ItemStore, type CorrelationFiring, type ItemSource, type StoredItem } from './item-store.js';
import type { CorrelationPlan, PlannedCorrelation } from './plan-correlations.js';

/** Contributors (and value_count values) kept per alert; the alert gives the full count. */
export const CONTRIBUTORS = 50;

export interface CorrelationStats {
  /** Items that entered the correlation. */
  items: number;
  /** Matches left out because a group-by field was absent or null. */
  missingGroup: number;
  /** Matches left out because their event has no time. */
  untimed: number;
  /** Times the condition held (output or fed to an outer correlation). */
  firings: number;
  /** Distinct group-by values among the items. */
  groups: number;
  /** Items per member (referenced rule or correlation), to say which never matched. */
  readonly perMember: number[];
  /** The window closest to meeting the condition, when it never held. */
  nearest?: { readonly group: readonly string[]; readonly aggregate: number | undefined; readonly windowStart: number; readonly windowEnd: number; readonly shortfall: number };
}

const text = (v: FieldValue | undefined): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.length === 1 ? text(v[0] as FieldValue) : JSON.stringify(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};
/** A metric's value: the field's text read by the correlation number grammar (metric-number.ts). */
const numeric = (v: FieldValue | undefined): number | undefined => metricNumber(text(v));

/**
 * The input side of correlations: a hit becomes an item (time, member, group-by values, the value counted or summed,
 * the slim event) of every correlation it feeds, and an inner correlation's firing becomes an item of the ones that
 * reference it. Subclasses keep the items: until the input ends (Correlator, a hunt) or until the watermark passes
 * them (LiveCorrelator, the service).
 */
export abstract class CorrelationInput {
  readonly stats: CorrelationStats[];

  constructor(readonly plan: CorrelationPlan) {
    this.stats = plan.correlations.map((p) => ({ items: 0, missingGroup: 0, untimed: 0, firings: 0, groups: 0, perMember: p.members.map(() => 0) }));
  }

  /** Keeps an item of correlation `index`. */
  protected abstract put(index: number, item: StoredItem): void;

  /** A batch's hits; the hits of one event are consecutive and share its event object. */
  addHits(hits: readonly Hit[]): void {
    for (let i = 0; i < hits.length; ) {
      let j = i + 1;
      while (j < hits.length && (hits[j] as Hit).event === (hits[i] as Hit).event) j++;
      this.addEventHits(hits, i, j);
      i = j;
    }
  }

  private addEventHits(hits: readonly Hit[], from: number, to: number): void {
    for (let h = from; h < to; h++) {
      const hit = hits[h] as Hit;
      const feeds = this.plan.feeds.get(hit.rule);
      if (feeds === undefined) continue;
      for (const { correlation, member } of feeds) {
        const p = this.plan.correlations[correlation] as PlannedCorrelation;
        // A selector stands for *other* alerts: not one on the event a named member matched.
        if (p.members[member]?.kind === 'selector' && this.namedMemberMatched(p, hits, from, to)) continue;
        this.addEvent(p, member, hit.rule, hit.event);
      }
    }
  }

  private namedMemberMatched(p: PlannedCorrelation, hits: readonly Hit[], from: number, to: number): boolean {
    for (let h = from; h < to; h++) {
      if (p.named.has((hits[h] as Hit).rule)) return true;
    }
    return false;
  }

  private addEvent(p: PlannedCorrelation, member: number, rule: number, event: Event): void {
    const stats = this.stats[p.index] as CorrelationStats;
    if (event.timestamp === undefined || Number.isNaN(event.timestamp)) {
      stats.untimed++;
      return;
    }
    const fields = p.groupFields[member] as readonly string[];
    const values: string[] = [];
    for (const f of fields) {
      const v = text(event.fields[f]);
      if (v === undefined) {
        stats.missingGroup++;
        return;
      }
      values.push(v);
    }
    const value = this.valueOf(p, (name) => event.fields[name]);
    stats.items++;
    stats.perMember[member] = (stats.perMember[member] ?? 0) + 1;
    this.put(p.index, {
      time: event.timestamp,
      member,
      group: JSON.stringify(values),
      order: spilledJson(event.fields),
      source: { kind: 'event', rule, event },
      ...(value !== undefined ? { value } : {}),
    });
  }

  private valueOf(p: PlannedCorrelation, get: (name: string) => FieldValue | undefined): string | number | undefined {
    const field = p.correlation.condition?.field;
    if (field === undefined) return undefined;
    switch (p.correlation.type) {
      case 'value_count': {
        const parts = field.map((f) => text(get(f)));
        return parts.some((x) => x === undefined) ? undefined : parts.length === 1 ? (parts[0] as string) : JSON.stringify(parts);
      }
      case 'value_sum':
      case 'value_avg':
      case 'value_percentile':
      case 'value_median':
        return field.length === 1 ? numeric(get(field[0] as string)) : undefined;
      default:
        return undefined;
    }
  }

  protected addInner(o: PlannedCorrelation, member: number, inner: CorrelationFiring, p: PlannedCorrelation): void {
    const stats = this.stats[o.index] as CorrelationStats;
    const byName = new Map(inner.group);
    const values: string[] = [];
    for (const f of o.groupFields[member] as readonly string[]) {
      const v = byName.get(f);
      if (v === undefined) {
        stats.missingGroup++;
        return;
      }
      values.push(v);
    }
    const value = this.valueOf(o, (name) => byName.get(name));
    stats.items++;
    stats.perMember[member] = (stats.perMember[member] ?? 0) + 1;
    this.put(o.index, {
      // The moment the inner condition became true.
      time: inner.last,
      member,
      group: JSON.stringify(values),
      order: JSON.stringify([p.index, inner.group, inner.first]),
      source: { kind: 'correlation', alert: inner },
      ...(value !== undefined ? { value } : {}),
    });
  }
}

/**
 * Sigma correlations over a hunt's matches. Matches enter as compact items (time, member, group, value, the
 * slim event); after the input ends each correlation is evaluated on event time, inner ones first, group by
 * group in time order, so the result depends on the events alone: not on the order of files, nor on which
 * thread read which chunk.
 */
export class Correlator extends CorrelationInput {
  private readonly store: ItemStore;

  constructor(plan: CorrelationPlan, spill: SpillDir, limit = 10_000) {
    super(plan);
    this.store = new ItemStore(plan.correlations.length, spill, limit);
  }

  protected put(index: number, item: StoredItem): void {
    this.store.add(index, item);
  }

  get spilledItems(): number {
    return this.store.spilledItems;
  }

  /**
   * Evaluates every correlation, inner ones first (their firings become the outer ones' items); yields the
   * firings of those whose alerts are output, correlation by correlation, group by group, in time order.
   */
  *evaluate(): Generator<CorrelationFiring> {
    for (const p of this.plan.correlations) {
      const outer = this.plan.correlations.flatMap((o) => o.members.flatMap((m, k) => (m.kind === 'correlation' && m.correlation === p.index ? [{ o, k }] : [])));
      const fired: CorrelationFiring[] = [];
      let window: GroupWindow<StoredItem> | undefined;
      let group: string | undefined;
      const names = p.correlation.groupBy;
      const onFire = (f: Firing<StoredItem>) => {
        const firing = toFiring(p, f, group as string, names);
        (this.stats[p.index] as CorrelationStats).firings++;
        fired.push(firing);
      };
      const stats = this.stats[p.index] as CorrelationStats;
      const observe = (aggregate: number | undefined, windowStart: number, windowEnd: number) => {
        const d = shortfall(p.spec.comparisons, aggregate);
        if (stats.nearest === undefined || d < stats.nearest.shortfall) stats.nearest = { group: JSON.parse(group as string) as string[], aggregate, windowStart, windowEnd, shortfall: d };
      };
      for (const item of this.store.take(p.index)) {
        if (item.group !== group) {
          window?.end();
          yield* this.route(fired, outer, p);
          group = item.group;
          stats.groups++;
          window = new GroupWindow(p.spec, onFire, observe);
        }
        (window as GroupWindow<StoredItem>).add(item);
        if (fired.length > 0) yield* this.route(fired, outer, p);
      }
      window?.end();
      yield* this.route(fired, outer, p);
    }
  }

  /** Hands each firing to the correlations that reference this one, and yields it when it is output. */
  private *route(fired: CorrelationFiring[], outer: ReadonlyArray<{ o: PlannedCorrelation; k: number }>, p: PlannedCorrelation): Generator<CorrelationFiring> {
    for (const f of fired) {
      for (const { o, k } of outer) this.addInner(o, k, f, p);
      if (p.emit) yield f;
    }
    fired.length = 0;
  }

}

/**
 * Why a correlation never fired, in words: a referenced rule that never matched, or the window that came
 * closest, its aggregate against the condition (the explanation a hunt's summary and explain give).
 */
export function whyNotFired(p: PlannedCorrelation, st: CorrelationStats, memberNames: readonly string[]): string {
  const silent = p.members.flatMap((_, k) => ((st.perMember[k] ?? 0) === 0 ? [memberNames[k] ?? String(k)] : []));
  const cond = p.spec.comparisons.map((c) => `${c.op} ${c.value}`).join(' and ');
  const parts: string[] = [];
  if (st.items === 0) parts.push('no referenced rule matched');
  else if (silent.length > 0) parts.push(`${silent.join(', ')} never matched`);
  const n = st.nearest;
  if (n !== undefined) {
    const group = p.correlation.groupBy.map((g, k) => `${g}=${n.group[k] ?? ''}`).join(' ');
    parts.push(`nearest window ${new Date(n.windowStart).toISOString()} to ${new Date(n.windowEnd).toISOString()}${group !== '' ? ` (${group})` : ''}: ${n.aggregate === undefined ? 'no value' : `${Number.isInteger(n.aggregate) ? n.aggregate : n.aggregate.toFixed(3)}`}, needs ${cond}`);
  }
  if (st.missingGroup > 0) parts.push(`${st.missingGroup} matches had no ${p.correlation.groupBy.join('/')} value`);
  if (st.untimed > 0) parts.push(`${st.untimed} matches had no time`);
  return parts.join('; ');
}

function firstOf(s: ItemSource): number {
  return s.kind === 'event' ? (s.event.timestamp as number) : s.alert.first;
}

export function toFiring(p: PlannedCorrelation, f: Firing<StoredItem>, group: string, names: readonly string[]): CorrelationFiring {
  const values = JSON.parse(group) as string[];
  const items = f.items;
  let first = Infinity;
  for (const i of items) first = Math.min(first, firstOf(i.source));
  const distinct = p.correlation.type === 'value_count' ? [...new Set(items.flatMap((i) => (typeof i.value === 'string' ? [i.value] : [])))].slice(0, CONTRIBUTORS) : undefined;
  return {
    correlation: p.index,
    group: names.map((n, k) => [n, values[k] as string] as const),
    first,
    last: (items[items.length - 1] as StoredItem).time,
    windowStart: f.windowStart,
    windowEnd: f.windowEnd,
    aggregate: f.aggregate,
    contributors: items.slice(0, CONTRIBUTORS).map((i) => i.source),
    contributorCount: items.length,
    ...(distinct !== undefined ? { values: distinct } : {}),
  };
}
