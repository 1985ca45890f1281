import { CorrelationInput, toFiring, type CorrelationStats } from './correlator.js';
import { GroupWindow, type Firing } from './group-window.js';
import { compareItems, packItem, unpackItem, type CorrelationFiring, type StoredItem } from './item-store.js';
import type { CorrelationPlan, PlannedCorrelation } from './plan-correlations.js';

export interface LiveCorrelatorOptions {
  /** How far behind the newest event time an event may arrive and still be correlated (ms). */
  readonly latenessMs: number;
  /** Items held in all (open windows and events waiting for the watermark); past it the oldest groups are dropped, counted. */
  readonly maxItems?: number;
}

/** What a snapshot holds per correlation: items at or before `upTo` were evaluated; the pending ones and each group's window. */
interface SnapshotCorrelation {
  readonly key: string;
  readonly upTo: number | null;
  readonly pending: readonly string[];
  readonly groups: ReadonlyArray<readonly [string, readonly string[]]>;
}

/** The plan a snapshot belongs to: its correlations (id or title, type) and rule count; another plan discards it. */
const planKey = (plan: CorrelationPlan, p: PlannedCorrelation) => `${p.correlation.id ?? p.correlation.title}|${p.correlation.type}|${p.members.length}|${plan.correlations.length}`;

/**
 * Correlations on a live stream, with the hunt's semantics on event time (group-window.ts): events arrive in any
 * order within the allowed lateness. An item waits until the watermark (the newest event time seen, minus the
 * lateness) passes it, then goes into its group's window in (time, member, content) order, as a hunt would have
 * fed it; an item older than what was already evaluated is late: counted, not correlated. A complete window is
 * judged once the watermark passes its end; monotone windows drop the items no later window can hold and a
 * group with nothing left is forgotten, so state holds the open windows and the lateness' worth of events.
 * An inner correlation's firings feed the outer ones in the same pass; an outer correlation waits while an
 * inner complete window is open (its firing may carry an earlier time).
 *
 * `snapshot()` is the whole state as text, to be stored with the stream position it belongs to; `restore`
 * rebuilds it (each window by re-adding its items, which cannot fire). So a restart neither loses nor repeats a firing.
 */
export class LiveCorrelator extends CorrelationInput {
  private readonly pending: StoredItem[][];
  private readonly windows: Array<Map<string, GroupWindow<StoredItem>>>;
  private readonly upTo: number[];
  private readonly outer: ReadonlyArray<ReadonlyArray<{ readonly o: PlannedCorrelation; readonly k: number }>>;
  private fired: CorrelationFiring[] = [];
  private restoring = false;
  /** Items that came after the watermark had passed their time: not correlated. */
  late = 0;
  /** Items dropped with their groups past maxItems. */
  evicted = 0;
  /** The newest event time `advance` was given (-Infinity before the first); kept in the snapshot. */
  watermark = -Infinity;

  constructor(
    plan: CorrelationPlan,
    private readonly options: LiveCorrelatorOptions,
  ) {
    super(plan);
    const n = plan.correlations.length;
    this.pending = Array.from({ length: n }, () => []);
    this.windows = Array.from({ length: n }, () => new Map());
    this.upTo = new Array<number>(n).fill(-Infinity);
    this.outer = plan.correlations.map((p) => plan.correlations.flatMap((o) => o.members.flatMap((m, k) => (m.kind === 'correlation' && m.correlation === p.index ? [{ o, k }] : []))));
  }

  protected put(index: number, item: StoredItem): void {
    if (item.time <= (this.upTo[index] as number)) {
      this.late++;
      return;
    }
    (this.pending[index] as StoredItem[]).push(item);
  }

  /** Items held: pending ones and open windows'. */
  get held(): number {
    let n = 0;
    for (let i = 0; i < this.pending.length; i++) {
      n += (this.pending[i] as StoredItem[]).length;
      for (const w of (this.windows[i] as Map<string, GroupWindow<StoredItem>>).values()) n += w.held;
    }
    return n;
  }

  /**
   * The newest event time seen is `watermark`: evaluates every item at or before watermark − lateness, inner
   * correlations first, and returns the firings of the correlations whose alerts are output.
   */
  advance(watermark: number): CorrelationFiring[] {
    if (watermark > this.watermark) this.watermark = watermark;
    const cutoff = watermark - this.options.latenessMs;
    const out: CorrelationFiring[] = [];
    for (const p of this.plan.correlations) {
      const i = p.index;
      const c = this.cutoffOf(p, cutoff);
      if (!(c > (this.upTo[i] as number))) continue;
      const all = this.pending[i] as StoredItem[];
      const ready = all.filter((x) => x.time <= c);
      this.pending[i] = ready.length === all.length ? [] : all.filter((x) => x.time > c);
      // Across groups in time order; within a group this is the hunt's (group, time, member, content) order.
      ready.sort((a, b) => a.time - b.time || a.member - b.member || compareItems(a, b));
      const windows = this.windows[i] as Map<string, GroupWindow<StoredItem>>;
      for (const item of ready) this.windowOf(p, item.group).add(item);
      for (const [group, w] of windows) {
        w.passed(c);
        if (w.held === 0) windows.delete(group);
      }
      this.upTo[i] = c;
      for (const f of this.fired) {
        (this.stats[i] as CorrelationStats).firings++;
        for (const { o, k } of this.outer[i] ?? []) this.addInner(o, k, f, p);
        if (p.emit) out.push(f);
      }
      this.fired = [];
    }
    this.bound();
    return out;
  }

  /** The cutoff for a correlation: the watermark's, held back while an inner correlation may still fire earlier. */
  private cutoffOf(p: PlannedCorrelation, cutoff: number): number {
    let c = cutoff;
    for (const m of p.members) {
      if (m.kind !== 'correlation') continue;
      c = Math.min(c, this.upTo[m.correlation] as number);
      for (const w of (this.windows[m.correlation] as Map<string, GroupWindow<StoredItem>>).values()) {
        const since = w.openSince;
        // A firing of that window carries a time at or after its first item: the outer one evaluates what is older.
        if (since !== Infinity) c = Math.min(c, since - 1e-3);
      }
    }
    return c;
  }

  private windowOf(p: PlannedCorrelation, group: string): GroupWindow<StoredItem> {
    const windows = this.windows[p.index] as Map<string, GroupWindow<StoredItem>>;
    let w = windows.get(group);
    if (w === undefined) {
      (this.stats[p.index] as CorrelationStats).groups++;
      w = new GroupWindow<StoredItem>(p.spec, (f: Firing<StoredItem>) => {
        if (this.restoring) throw new Error(`correlation '${p.correlation.title}': a restored window fired (the snapshot does not belong to this state)`);
        this.fired.push(toFiring(p, f, group, p.correlation.groupBy));
      });
      windows.set(group, w);
    }
    return w;
  }

  /** Past maxItems: the groups with the oldest items go first, their items counted as evicted. */
  private bound(): void {
    const max = this.options.maxItems;
    if (max === undefined) return;
    let held = this.held;
    if (held <= max) return;
    const all: Array<{ i: number; group: string; w: GroupWindow<StoredItem> }> = [];
    this.windows.forEach((m, i) => m.forEach((w, group) => all.push({ i, group, w })));
    all.sort((a, b) => a.w.oldest - b.w.oldest);
    for (const g of all) {
      if (held <= max) break;
      held -= g.w.held;
      this.evicted += g.w.held;
      (this.windows[g.i] as Map<string, GroupWindow<StoredItem>>).delete(g.group);
    }
  }

  /** The whole state as text (store it with the stream position it belongs to). */
  snapshot(): string {
    const correlations: SnapshotCorrelation[] = this.plan.correlations.map((p) => ({
      key: planKey(this.plan, p),
      upTo: Number.isFinite(this.upTo[p.index]) ? (this.upTo[p.index] as number) : null,
      pending: (this.pending[p.index] as StoredItem[]).map(packItem),
      groups: [...(this.windows[p.index] as Map<string, GroupWindow<StoredItem>>)].map(([g, w]) => [g, w.heldItems().map(packItem)] as const),
    }));
    return JSON.stringify({ v: 1, late: this.late, evicted: this.evicted, watermark: Number.isFinite(this.watermark) ? this.watermark : null, correlations });
  }

  /** A correlator in the state a snapshot of the same plan recorded; undefined when it is of another plan (rules changed). */
  static restore(plan: CorrelationPlan, options: LiveCorrelatorOptions, text: string): LiveCorrelator | undefined {
    const snap = JSON.parse(text) as { v: number; late: number; evicted: number; watermark?: number | null; correlations: SnapshotCorrelation[] };
    if (snap.v !== 1 || snap.correlations.length !== plan.correlations.length) return undefined;
    if (plan.correlations.some((p, i) => snap.correlations[i]?.key !== planKey(plan, p))) return undefined;
    const live = new LiveCorrelator(plan, options);
    live.late = snap.late;
    live.watermark = snap.watermark ?? -Infinity;
    live.evicted = snap.evicted;
    live.restoring = true;
    try {
      for (const p of plan.correlations) {
        const s = snap.correlations[p.index] as SnapshotCorrelation;
        live.upTo[p.index] = s.upTo ?? -Infinity;
        live.pending[p.index] = s.pending.map(unpackItem);
        for (const [group, items] of s.groups) {
          const w = live.windowOf(p, group);
          for (const line of items) w.add(unpackItem(line));
        }
      }
    } finally {
      live.restoring = false;
    }
    return live;
  }
}
