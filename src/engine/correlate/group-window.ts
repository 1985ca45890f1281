import type { CompareKey, CorrelationType } from '../../rule/model.js';

/** What the window evaluator needs of a correlation: its type, window length and condition. */
export interface WindowSpec {
  readonly type: CorrelationType;
  readonly timespanMs: number;
  /** All must hold (two operators form a range). Temporal types without a condition: gte members. */
  readonly comparisons: ReadonlyArray<{ readonly op: CompareKey; readonly value: number }>;
  /** How many referenced rules (members) the correlation has. */
  readonly members: number;
  /** For value_percentile (value_median: 50). */
  readonly percentile?: number;
}

/** One input of a group: its time (ms), which member produced it, and its value for value_count or a metric. */
export interface WindowItem {
  readonly time: number;
  readonly member: number;
  /** value_count: the field tuple as text; metrics: a finite number; absent when the item has none. */
  readonly value?: string | number;
}

export interface Firing<T extends WindowItem> {
  /** The window's items at firing time (consumed by the firing). */
  readonly items: readonly T[];
  readonly aggregate: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

/** Conditions with an upper side are evaluated once per complete window, monotone ones at every item (see README). */
export function hasUpperSide(comparisons: WindowSpec['comparisons']): boolean {
  return comparisons.some((c) => c.op === 'lt' || c.op === 'lte' || c.op === 'eq' || c.op === 'neq');
}

export function conditionHolds(comparisons: WindowSpec['comparisons'], value: number | undefined): boolean {
  if (value === undefined || Number.isNaN(value)) return false;
  for (const c of comparisons) {
    const ok =
      c.op === 'gt' ? value > c.value : c.op === 'gte' ? value >= c.value : c.op === 'lt' ? value < c.value : c.op === 'lte' ? value <= c.value : c.op === 'eq' ? value === c.value : value !== c.value;
    if (!ok) return false;
  }
  return true;
}

/** How far a value is from meeting the condition (0: it meets it): what "the nearest window" means. */
export function shortfall(comparisons: WindowSpec['comparisons'], value: number | undefined): number {
  if (value === undefined || Number.isNaN(value)) return Infinity;
  let d = 0;
  for (const c of comparisons) {
    if (c.op === 'gt') d += Math.max(0, c.value - value + 1e-9);
    else if (c.op === 'gte') d += Math.max(0, c.value - value);
    else if (c.op === 'lt') d += Math.max(0, value - c.value + 1e-9);
    else if (c.op === 'lte') d += Math.max(0, value - c.value);
    else if (c.op === 'eq') d += Math.abs(value - c.value);
    else if (value === c.value) d += 1;
  }
  return d;
}

/** Linear interpolation between the closest ranks (numpy's default, rsigma's choice). */
export function percentileOf(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (rank - lo);
}

/**
 * Length of the longest prefix of the member list that occurs in order: items e1..ek of members 0..k-1 with
 * non-decreasing times (ties count as ordered). Greedy earliest choice finds the longest prefix.
 */
export function orderedPrefix(items: readonly WindowItem[], members: number): number {
  let prev = -Infinity;
  for (let m = 0; m < members; m++) {
    let best = Infinity;
    for (const it of items) if (it.member === m && it.time >= prev && it.time < best) best = it.time;
    if (best === Infinity) return m;
    prev = best;
  }
  return members;
}

/** The aggregate of a whole list of items, computed from scratch (the reference the incremental window must equal). */
export function aggregateOf(spec: WindowSpec, items: readonly WindowItem[]): number | undefined {
  switch (spec.type) {
    case 'event_count':
      return items.length;
    case 'value_count':
      return new Set(items.filter((i) => typeof i.value === 'string').map((i) => i.value)).size;
    case 'temporal':
      return new Set(items.map((i) => i.member)).size;
    case 'temporal_ordered':
      return orderedPrefix(items, spec.members);
    case 'value_sum':
    case 'value_avg':
    case 'value_percentile':
    case 'value_median': {
      const nums = items.filter((i) => typeof i.value === 'number').map((i) => i.value as number);
      if (nums.length === 0) return undefined;
      if (spec.type === 'value_sum') return nums.reduce((a, b) => a + b, 0);
      if (spec.type === 'value_avg') return nums.reduce((a, b) => a + b, 0) / nums.length;
      return percentileOf(nums, spec.type === 'value_median' ? 50 : (spec.percentile ?? 50));
    }
    default: {
      const never: never = spec.type;
      return never;
    }
  }
}

/**
 * The state of one (correlation, group): fed the group's items in time order, it reports each firing.
 * Sliding windows on event time, both ends inclusive. Monotone conditions fire at the first item whose window
 * [t − T, t] satisfies them; conditions with an upper side are judged once per complete window [t0, t0 + T]
 * opened at the first unconsumed item. A firing consumes its window's items: one alert per episode.
 * Memory: the items of the open window only.
 */
export class GroupWindow<T extends WindowItem> {
  private items: T[] = [];
  private head = 0;
  private readonly complete: boolean;
  // Incremental aggregates over items[head..].
  private readonly valueCounts = new Map<string, number>();
  private readonly memberCounts: number[];
  private membersPresent = 0;
  private sum = 0;
  private numbers = 0;
  /**
   * A number left the window since `sum` was last added up: subtracting it would round differently from adding the
   * remaining ones (1e20 + 1 − 1e20 is 0), so the next sum is added up again over the window, in order.
   */
  private sumStale = false;

  /** `observe` sees every evaluation that did not fire (for explaining why a correlation never fired). */
  constructor(
    private readonly spec: WindowSpec,
    private readonly fire: (f: Firing<T>) => void,
    private readonly observe?: (aggregate: number | undefined, windowStart: number, windowEnd: number) => void,
  ) {
    this.complete = hasUpperSide(spec.comparisons);
    this.memberCounts = new Array<number>(spec.members).fill(0);
  }

  /** Items must come in non-decreasing time. */
  add(item: T): void {
    const T = this.spec.timespanMs;
    if (this.complete) {
      const first = this.items[this.head];
      if (first !== undefined && item.time > first.time + T) this.closeWindow();
      this.push(item);
      return;
    }
    this.push(item);
    while (this.head < this.items.length && (this.items[this.head] as T).time < item.time - T) this.pop();
    const value = this.aggregate();
    if (conditionHolds(this.spec.comparisons, value)) {
      const items = this.live();
      this.fire({ items, aggregate: value as number, windowStart: item.time - T, windowEnd: item.time });
      this.clear();
    } else this.observe?.(value, item.time - T, item.time);
  }

  /**
   * No item at or before `cutoff` can come any more (a live stream's watermark): a complete window that any later
   * item would close is judged now, and items no later window can hold are dropped. The state is then what the
   * same items followed by any later ones would give.
   */
  passed(cutoff: number): void {
    const first = this.items[this.head];
    if (first === undefined) return;
    const T = this.spec.timespanMs;
    if (this.complete) {
      if (cutoff >= first.time + T) this.closeWindow();
      return;
    }
    while (this.head < this.items.length && (this.items[this.head] as T).time <= cutoff - T) this.pop();
  }

  /** Items held (the open window's). */
  get held(): number {
    return this.items.length - this.head;
  }

  /** Time of the oldest item held (Infinity when none). */
  get oldest(): number {
    return this.items[this.head]?.time ?? Infinity;
  }

  /** The complete window's first item, whose time bounds a future firing's items from below (Infinity when none or monotone). */
  get openSince(): number {
    return this.complete ? this.oldest : Infinity;
  }

  /**
   * The items held, in order: added in order to a new window of the same spec they rebuild this state without a
   * firing (they did not fire before, and a monotone window over fewer of them cannot either).
   */
  heldItems(): readonly T[] {
    return this.live();
  }

  /** The input ended: a complete window still open is judged. */
  end(): void {
    if (this.complete) this.closeWindow();
    this.clear();
  }

  private closeWindow(): void {
    const first = this.items[this.head];
    if (first === undefined) return;
    const value = this.aggregate();
    if (conditionHolds(this.spec.comparisons, value)) {
      this.fire({ items: this.live(), aggregate: value as number, windowStart: first.time, windowEnd: first.time + this.spec.timespanMs });
    } else this.observe?.(value, first.time, first.time + this.spec.timespanMs);
    this.clear();
  }

  private live(): T[] {
    return this.items.slice(this.head);
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
    this.valueCounts.clear();
    this.memberCounts.fill(0);
    this.membersPresent = 0;
    this.sum = 0;
    this.numbers = 0;
    this.sumStale = false;
  }

  /** The window's numbers added in order (the sum a database's SUM over the same rows gives when it is exact). */
  private windowSum(): number {
    if (this.sumStale) {
      let s = 0;
      for (let k = this.head; k < this.items.length; k++) {
        const v = (this.items[k] as T).value;
        if (typeof v === 'number') s += v;
      }
      this.sum = s;
      this.sumStale = false;
    }
    return this.sum;
  }

  private push(item: T): void {
    this.items.push(item);
    this.account(item, 1);
  }

  private pop(): void {
    const item = this.items[this.head] as T;
    this.account(item, -1);
    this.head++;
    // Compact now and then so the array does not grow with the group's whole history.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private account(item: T, d: 1 | -1): void {
    const m = item.member;
    const before = this.memberCounts[m] ?? 0;
    this.memberCounts[m] = before + d;
    if (before === 0 && d === 1) this.membersPresent++;
    else if (before === 1 && d === -1) this.membersPresent--;
    const v = item.value;
    if (typeof v === 'string') {
      const n = (this.valueCounts.get(v) ?? 0) + d;
      if (n === 0) this.valueCounts.delete(v);
      else this.valueCounts.set(v, n);
    } else if (typeof v === 'number') {
      if (d === 1) this.sum += v;
      else this.sumStale = true;
      this.numbers += d;
    }
  }

  private aggregate(): number | undefined {
    switch (this.spec.type) {
      case 'event_count':
        return this.items.length - this.head;
      case 'value_count':
        return this.valueCounts.size;
      case 'temporal':
        return this.membersPresent;
      case 'value_sum':
        return this.numbers === 0 ? undefined : this.windowSum();
      case 'value_avg':
        return this.numbers === 0 ? undefined : this.windowSum() / this.numbers;
      case 'temporal_ordered':
      case 'value_percentile':
      case 'value_median':
        // Both need the window's items: an ordered chain search, or the sorted values.
        return aggregateOf(this.spec, this.live());
      default: {
        const never: never = this.spec.type;
        return never;
      }
    }
  }
}
