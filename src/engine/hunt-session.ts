import type { Event } from '../event/event.js';
import type { SigmaRule } from '../rule/model.js';
import { makeAlert, type Alert } from './alert.js';
import { AlertSorter } from './alert-sorter.js';
import { contextQueryOf, keysOf, ProcessIndex, resolveContext, type ContextEntry, type ContextQuery } from './process-context.js';
import type { SpillDir, SpillFile } from './spill.js';

/** What reading and matching one piece of input produced, in input order: it may come from a worker thread. */
export interface MatchBatch {
  readonly events: number;
  readonly context: readonly ContextEntry[];
  /** Rule index (into the rule list both sides compiled) and the normalized event. */
  readonly hits: ReadonlyArray<{ readonly rule: number; readonly event: Event }>;
}

export interface HuntLimits {
  /** Process starts and DNS answers held in memory; older ones spill to disk (default 50,000). */
  readonly contextEntries?: number | undefined;
  /** Alerts waiting for their context held in memory; more spill to disk (default 20,000). */
  readonly pendingAlerts?: number | undefined;
  /** Rendered alert text sorted in memory before sorted runs spill to disk (default 64 MiB). */
  readonly sortBytes?: number | undefined;
}

interface Pending {
  readonly seq: number;
  readonly rule: number;
  readonly event: Event;
}

export interface AlertCounts {
  total: number;
  readonly byLevel: Map<string, number>;
  readonly byRule: Map<string, number>;
  readonly byHost: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * The main-thread side of a hunt: takes match batches in input order, keeps process context in a bounded
 * index (spilling the oldest entries), resolves each alert's context as soon as it is final or at the end,
 * renders alerts and puts them in time order through a bounded external sort. Memory stays flat in input size.
 */
export class HuntSession {
  readonly counts: AlertCounts = { total: 0, byLevel: new Map(), byRule: new Map(), byHost: new Map() };
  events = 0;
  private seq = 0;
  private readonly index: ProcessIndex;
  private contextSpill: SpillFile | undefined;
  private pending: Pending[] = [];
  private readonly pendingSpills: SpillFile[] = [];
  private readonly sorter: AlertSorter;
  private readonly pendingLimit: number;

  constructor(
    private readonly rules: readonly SigmaRule[],
    private readonly render: (alert: Alert) => string,
    private readonly spill: SpillDir,
    limits: HuntLimits = {},
  ) {
    this.pendingLimit = limits.pendingAlerts ?? 20_000;
    this.sorter = new AlertSorter(spill, limits.sortBytes ?? 64 << 20);
    this.index = new ProcessIndex({
      capacity: limits.contextEntries ?? 50_000,
      evict: (entry) => (this.contextSpill ??= this.spill.file('context')).append(entry),
    });
  }

  add(batch: MatchBatch): void {
    this.events += batch.events;
    for (const entry of batch.context) this.index.addEntry(entry);
    for (const hit of batch.hits) {
      const seq = this.seq++;
      const q = contextQueryOf(hit.event);
      const now = this.index.resolveNow(q);
      if (now !== undefined) {
        this.emit(seq, hit.rule, hit.event, q, now);
        continue;
      }
      this.pending.push({ seq, rule: hit.rule, event: hit.event });
      if (this.pending.length >= this.pendingLimit) {
        const file = this.spill.file('pending');
        for (const p of this.pending) file.append(p);
        file.flush();
        this.pendingSpills.push(file);
        this.pending = [];
      }
    }
  }

  get alerts(): number {
    return this.seq;
  }

  /** Resolves the alerts still waiting for context, then yields every rendered alert in time order. */
  *finish(): Generator<string> {
    const batches: Array<Iterable<Pending>> = [...this.pendingSpills.map((f) => f.read<Pending>()), this.pending];
    let batch: Pending[] = [];
    for (const source of batches) {
      for (const p of source) {
        batch.push(p);
        if (batch.length >= this.pendingLimit) {
          this.resolveBatch(batch);
          batch = [];
        }
      }
    }
    this.resolveBatch(batch);
    this.pending = [];
    yield* this.sorter.drain();
  }

  private resolveBatch(batch: readonly Pending[]): void {
    if (batch.length === 0) return;
    const queries = batch.map((p) => contextQueryOf(p.event));
    let lookup = this.index.lookup;
    if (this.contextSpill !== undefined) {
      // Entries that left memory are older than those in it: for each key, spilled ones come first.
      const wanted = new Set<string>();
      for (const q of queries) for (const k of [q.guidKey, q.pidKey, q.dnsKey]) if (k !== undefined) wanted.add(k);
      const spilled = new Map<string, ContextEntry[]>();
      for (const entry of this.contextSpill.read<ContextEntry>()) {
        for (const k of keysOf(entry)) {
          if (!wanted.has(k)) continue;
          const list = spilled.get(k);
          if (list === undefined) spilled.set(k, [entry]);
          else list.push(entry);
        }
      }
      const memory = this.index.lookup;
      lookup = (key) => {
        const old = spilled.get(key);
        const now = memory(key);
        return old === undefined ? now : now === undefined ? old : [...old, ...now];
      };
    }
    batch.forEach((p, i) => {
      const q = queries[i] as ContextQuery;
      this.emit(p.seq, p.rule, p.event, q, resolveContext(q, lookup));
    });
  }

  private emit(seq: number, ruleIndex: number, event: Event, q: ContextQuery, resolved: ReturnType<typeof resolveContext>): void {
    const rule = this.rules[ruleIndex] as SigmaRule;
    const alert = makeAlert(rule, event, q.namesProcess, resolved);
    const c = this.counts;
    c.total++;
    bump(c.byLevel, rule.level ?? 'informational');
    bump(c.byRule, rule.title);
    bump(c.byHost, String(event.fields['Computer'] ?? '?'));
    this.sorter.add(event.timestamp ?? 0, seq, this.render(alert));
  }

  /** Context entries currently in memory (for tests and benchmarks). */
  get contextInMemory(): number {
    return this.index.size;
  }

  get spilledToDisk(): boolean {
    return this.spill.used;
  }
}
