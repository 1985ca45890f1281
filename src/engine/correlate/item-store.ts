import type { Event } from '../../event/event.js';
import { parseSpilled, spilledJson, type SpillDir, type SpillFile } from '../spill.js';
import type { WindowItem } from './group-window.js';

/** What produced an item: a base rule's hit (its slim event), or an inner correlation's alert. */
export type ItemSource = { readonly kind: 'event'; readonly rule: number; readonly event: Event } | { readonly kind: 'correlation'; readonly alert: CorrelationFiring };

/** A correlation alert before its contributors' process context is resolved. */
export interface CorrelationFiring {
  /** Index into the plan's correlations. */
  readonly correlation: number;
  readonly group: ReadonlyArray<readonly [string, string]>;
  /** Time of the earliest raw event behind it, and of the item that made the condition true. */
  readonly first: number;
  readonly last: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly aggregate: number;
  /** The window's items, at most CONTRIBUTORS of them, in time order. */
  readonly contributors: readonly ItemSource[];
  readonly contributorCount: number;
  /** value_count: the distinct values seen (at most CONTRIBUTORS). */
  readonly values?: readonly string[];
}

export interface StoredItem extends WindowItem {
  /** The group-by values as JSON text: items are sorted and grouped by it. */
  readonly group: string;
  /** Breaks ties of time and member by content, never by arrival: the same order whatever the file order. */
  readonly order: string;
  readonly source: ItemSource;
}

export const compareItems = (a: StoredItem, b: StoredItem): number =>
  a.group < b.group ? -1 : a.group > b.group ? 1 : a.time - b.time || a.member - b.member || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);

type Packed = [string, number, number, string | number | null, string, ItemSource];
/** An item as one line of text (spill files, the live correlator's snapshot). */
export const packItem = (i: StoredItem): string => spilledJson([i.group, i.time, i.member, i.value ?? null, i.order, i.source] satisfies Packed);
export function unpackItem(line: string): StoredItem {
  const [group, time, member, value, order, source] = parseSpilled<Packed>(line);
  return { group, time, member, order, source, ...(value !== null ? { value } : {}) };
}

/** Sorted runs merged into one of the next tier once this many share a tier (so a correlation has few runs). */
const FAN_IN = 8;
/** Read buffer per run while merging. */
const RUN_BUFFER = 256 << 10;

interface Run {
  readonly file: SpillFile;
  /** 0 for a run written from memory; a merge of FAN_IN runs of tier t is of tier t + 1. */
  readonly tier: number;
}

/**
 * Every correlation's items, held in memory up to `limit` in all; beyond it each correlation's items go to
 * disk as a sorted run. Runs are merged in tiers (FAN_IN runs of one tier become one of the next), so a
 * correlation has at most FAN_IN - 1 runs per tier, logarithmically many in the input, each read through a
 * small buffer. At the end, a correlation's items come back merged in (group, time) order, one group after the
 * other: memory holds the limit, the runs' buffers and one open window, whatever the number of groups or events.
 */
export class ItemStore {
  private readonly memory: StoredItem[][];
  private readonly runs: Run[][];
  private held = 0;
  spilledItems = 0;

  constructor(
    correlations: number,
    private readonly spill: SpillDir,
    private readonly limit: number,
  ) {
    this.memory = Array.from({ length: correlations }, () => []);
    this.runs = Array.from({ length: correlations }, () => []);
  }

  add(correlation: number, item: StoredItem): void {
    (this.memory[correlation] as StoredItem[]).push(item);
    if (++this.held >= this.limit) this.spillAll();
  }

  private spillAll(): void {
    this.memory.forEach((items, c) => {
      if (items.length === 0) return;
      items.sort(compareItems);
      const file = this.spill.file('correlation');
      for (const i of items) file.appendLine(packItem(i));
      file.flush();
      const runs = this.runs[c] as Run[];
      runs.push({ file, tier: 0 });
      this.spilledItems += items.length;
      this.memory[c] = [];
      this.compact(runs);
    });
    this.held = 0;
  }

  /** Merges FAN_IN runs of one tier into one of the next, as long as a tier has that many. */
  private compact(runs: Run[]): void {
    for (;;) {
      const tier = runs[runs.length - 1]?.tier;
      if (tier === undefined) return;
      const same = runs.filter((r) => r.tier === tier);
      if (same.length < FAN_IN) return;
      const file = this.spill.file('correlation');
      for (const i of mergeSorted(same.map((r) => mapLines(r.file.lines(RUN_BUFFER))))) file.appendLine(packItem(i));
      file.flush();
      for (const r of same) r.file.remove();
      runs.splice(0, runs.length, ...runs.filter((r) => r.tier !== tier), { file, tier: tier + 1 });
    }
  }

  /** The correlation's items in (group, time, member, content) order; they leave the store. */
  *take(correlation: number): Generator<StoredItem> {
    const memory = (this.memory[correlation] as StoredItem[]).sort(compareItems);
    this.held -= memory.length;
    this.memory[correlation] = [];
    const runs = this.runs[correlation] as Run[];
    this.runs[correlation] = [];
    if (runs.length === 0) {
      yield* memory;
      return;
    }
    try {
      yield* mergeSorted([...runs.map((r) => mapLines(r.file.lines(RUN_BUFFER))), memory[Symbol.iterator]()]);
    } finally {
      for (const r of runs) r.file.remove();
    }
  }
}

/** Sorted sources merged in `compare` order (few sources: a linear scan of their heads). */
function* mergeSorted(sources: ReadonlyArray<Iterator<StoredItem>>): Generator<StoredItem> {
  const heads = sources.map((s) => s.next().value as StoredItem | undefined);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || compareItems(h, heads[best] as StoredItem) < 0)) best = i;
    }
    if (best < 0) return;
    yield heads[best] as StoredItem;
    heads[best] = (sources[best] as Iterator<StoredItem>).next().value as StoredItem | undefined;
  }
}

function* mapLines(lines: Iterable<string>): Generator<StoredItem> {
  for (const l of lines) yield unpackItem(l);
}
