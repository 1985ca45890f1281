import type { RowBytes } from '../event/row-bytes.js';
import type { EventColumns } from '../event/event-columns.js';
import type { Event } from '../event/event.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';
import { hostOf, makeAlert, type Alert, type AnyAlert, type Hit } from './alert.js';
import type { Correlator } from './correlate/correlator.js';
import { correlationAlertOf } from './correlate/correlation-alert.js';
import type { CorrelationFiring, ItemSource } from './correlate/item-store.js';
import { AlertGrouper, groupKey, type AlertGroup } from './alert-grouping.js';
import { AlertSorter } from './alert-sorter.js';
import { contextQueryOf, keysOfLine, ProcessIndex, resolveContext, resolveDomain, unpackLine, withDomain, type ContextEntry, type ContextQuery, type EntryLookup, type ProcessContext, type ResolvedContext } from './process-context.js';
import { parseSpilled, spilledJson, type SpillDir, type SpillFile } from './spill.js';
import type { ContextSource } from './story/story-collector.js';

/** What reading and matching one piece of input produced, in input order: it may come from a worker thread. */
export interface MatchBatch {
  readonly events: number;
  /**
   * The context entries' packed lines (see packEntry), joined by newlines: one string crosses threads in
   * one copy, and on this side it is one large object the entries are slices of, never copied by the
   * young-generation collector.
   */
  readonly context: string;
  readonly hits: readonly Hit[];
  /** Events of the batch that no rule's logsource selected, as [channel|eventid, count] pairs (see RuleSet.takeUnselected). */
  readonly unselected?: ReadonlyArray<readonly [string, number]>;
  /** The events as database columns, in read order: only from a builder in rows mode (`sigmatch load`). */
  readonly rows?: readonly EventColumns[];
  /** Or the events' rows in a database's bulk format, from a builder given one (see BatchBuilder). */
  readonly rowBytes?: RowBytes;
}

export interface HuntLimits {
  /** Process starts and DNS answers held in memory; older ones spill to disk (default 50,000). */
  readonly contextEntries?: number | undefined;
  /** Alerts waiting for their context held in memory; more spill to disk (default 20,000). */
  readonly pendingAlerts?: number | undefined;
  /** Rendered alert text sorted in memory before sorted runs spill to disk (default 64 MiB). */
  readonly sortBytes?: number | undefined;
}

/** The hunt's filters (hits name them by index): suppressed alerts are counted, and shown with `show`. */
export interface HuntFilters {
  readonly filters: readonly SigmaFilter[];
  readonly show: boolean;
}

/** `--group-window`: repeated alerts inside the window are shown as one (see alert-grouping.ts). */
export interface HuntGrouping {
  readonly windowMs: number;
  /** Open groups held at once (default MAX_OPEN_GROUPS); past it the oldest closes early. */
  readonly maxOpen?: number;
}

/** What grouping did, once the hunt is finished: alerts in, alerts shown, groups of more than one, early closes. */
export interface GroupingCounts {
  readonly alerts: number;
  readonly shown: number;
  readonly repeated: number;
  readonly closedEarly: number;
}

/** The hunt's correlations: the correlator fed with every hit, and the rules whose own hits raise no alert. */
export interface HuntCorrelations {
  readonly correlator: Correlator;
  readonly silentRules: ReadonlySet<number>;
}

interface Pending extends Hit {
  readonly seq: number;
  /** The process, when it was already final as the alert was put aside (only its domain was not). */
  readonly process?: ProcessContext;
}

/** A pending alert as a line of a spill file: its JSON, then a tab and the event's JSON text, if it has one. */
function pendingLine(p: Pending): string {
  const json = spilledJson([p.seq, p.rule, p.event, p.process ?? null, p.suppressedBy ?? null]);
  return p.eventJson === undefined ? json : `${json}\t${p.eventJson}`;
}
function parsePending(line: string): Pending {
  const tab = line.indexOf('\t');
  const [seq, rule, event, process, suppressedBy] = parseSpilled<[number, number, Event, ProcessContext | null, number[] | null]>(tab < 0 ? line : line.slice(0, tab));
  return { seq, rule, event, ...(tab < 0 ? {} : { eventJson: line.slice(tab + 1) }), ...(process !== null ? { process } : {}), ...(suppressedBy !== null ? { suppressedBy } : {}) };
}

/** Resolves a pending alert: its domain alone when its process was already final. */
function resolvePending(p: Pending, q: ContextQuery, lookup: EntryLookup): ResolvedContext {
  return p.process !== undefined ? withDomain(p.process, resolveDomain(q, lookup)) : resolveContext(q, lookup);
}

export interface AlertCounts {
  total: number;
  readonly byLevel: Map<string, number>;
  readonly byRule: Map<string, number>;
  readonly byHost: Map<string, number>;
  /** Hits of rules that raise no alert of their own: they only fed correlations. */
  correlationOnly: number;
  /** Alerts filters suppressed: per filter index, per rule title. Not in `total`. */
  readonly suppressed: Map<number, Map<string, number>>;
  suppressedTotal: number;
}

/** The keys a pending alert will look up: only the DNS key when its process is already known. */
const addKeys = (to: Set<string>, q: ContextQuery, processKnown: boolean) => {
  if (q.guidKey !== undefined && !processKnown) to.add(q.guidKey);
  if (q.pidKey !== undefined && !processKnown) to.add(q.pidKey);
  if (q.dnsKey !== undefined) to.add(q.dnsKey);
};

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** With grouping, the first character of a sorter row: an event alert as data, or text already rendered. */
const GROUPABLE_TAG = 'G';
const RENDERED_TAG = 'R';
const RENDERED = RENDERED_TAG.charCodeAt(0);

/** Correlation alerts whose contributors' context is resolved together. */
const CORRELATION_ROUND = 2000;

/** Every raw event behind a firing, inner firings' included. */
function forEachEvent(f: CorrelationFiring, visit: (e: Event) => void): void {
  for (const s of f.contributors as readonly ItemSource[]) {
    if (s.kind === 'event') visit(s.event);
    else forEachEvent(s.alert, visit);
  }
}


/**
 * The main-thread side of a hunt: takes match batches in input order, keeps process context in a bounded
 * index (spilling the oldest entries), resolves each alert's context as soon as it is final or at the end,
 * renders alerts and puts them in time order through a bounded external sort. Memory stays flat in input size.
 */
export class HuntSession {
  readonly counts: AlertCounts = { total: 0, byLevel: new Map(), byRule: new Map(), byHost: new Map(), correlationOnly: 0, suppressed: new Map(), suppressedTotal: 0 };
  events = 0;
  /** What grouping did (after finish). */
  grouped: GroupingCounts | undefined;
  /** Events no rule's logsource selected, by channel|eventid: only rules without a logsource were tried on them. */
  readonly unselected = new Map<string, number>();
  private seq = 0;
  private readonly index: ProcessIndex;
  private contextSpill: SpillFile | undefined;
  private pending: Pending[] = [];
  private readonly pendingSpills: SpillFile[] = [];
  private readonly sorter: AlertSorter;
  private readonly pendingLimit: number;
  /** Most context keys looked up in one pass over the spilled context when the pending alerts are resolved. */
  private readonly roundKeys: number;
  /** The keys the pending alerts look up, while there are at most roundKeys of them. */
  private wanted: Set<string> | undefined = new Set();

  constructor(
    private readonly rules: readonly SigmaRule[],
    private readonly render: (alert: AnyAlert) => string,
    private readonly spill: SpillDir,
    limits: HuntLimits = {},
    private readonly correlations?: HuntCorrelations,
    private readonly filters?: HuntFilters,
    private readonly grouping?: HuntGrouping,
  ) {
    this.pendingLimit = limits.pendingAlerts ?? 20_000;
    this.roundKeys = 5 * this.pendingLimit;
    this.sorter = new AlertSorter(spill, limits.sortBytes ?? 64 << 20);
    this.index = new ProcessIndex({
      capacity: limits.contextEntries ?? 50_000,
      evict: (entry) => (this.contextSpill ??= this.spill.file('context')).appendLine(entry.line),
    });
  }

  add(batch: MatchBatch): void {
    this.events += batch.events;
    if (batch.unselected !== undefined) for (const [key, n] of batch.unselected) this.unselected.set(key, (this.unselected.get(key) ?? 0) + n);
    if (batch.context !== '') for (const line of batch.context.split('\n')) this.index.addEntry({ keys: keysOfLine(line), line });
    // Filters gate a rule's matches before they feed correlations.
    this.correlations?.correlator.addHits(batch.hits.some((h) => h.suppressedBy !== undefined) ? batch.hits.filter((h) => h.suppressedBy === undefined) : batch.hits);
    for (const hit of batch.hits) {
      if (hit.suppressedBy !== undefined) {
        this.countSuppressed(hit);
        if (this.filters?.show !== true) continue;
      } else if (this.correlations?.silentRules.has(hit.rule) === true) {
        this.counts.correlationOnly++;
        continue;
      }
      const seq = this.seq++;
      const q = contextQueryOf(hit.event);
      const process = this.index.processNow(q);
      const now = this.index.resolveNow(q, process);
      if (now !== undefined) {
        this.emit(seq, hit, q, now);
        continue;
      }
      // Pending for its domain only (a DNS answer may still come) when its process is already final: kept.
      this.pending.push(process === undefined ? { ...hit, seq } : { ...hit, seq, process });
      if (this.wanted !== undefined) {
        addKeys(this.wanted, q, process !== undefined);
        if (this.wanted.size > this.roundKeys) this.wanted = undefined;
      }
      if (this.pending.length >= this.pendingLimit) {
        const file = this.spill.file('pending');
        for (const p of this.pending) file.appendLine(pendingLine(p));
        file.flush();
        this.pendingSpills.push(file);
        this.pending = [];
      }
    }
  }

  get alerts(): number {
    return this.seq;
  }

  private countSuppressed(hit: Hit): void {
    const title = (this.rules[hit.rule] as SigmaRule).title;
    this.counts.suppressedTotal++;
    for (const f of hit.suppressedBy ?? []) {
      let byRule = this.counts.suppressed.get(f);
      if (byRule === undefined) this.counts.suppressed.set(f, (byRule = new Map()));
      bump(byRule, title);
    }
  }

  /** Resolves the alerts still waiting for context, then yields every rendered alert (UTF-8) in time order. */
  *finish(): Generator<Uint8Array> {
    // In rounds of pending alerts that look up at most roundKeys keys: one pass over the pending alerts
    // collects the keys, one pass over the spilled context finds their entries, a second pass over the
    // same pending alerts resolves and renders them. Memory holds a round's keys and entries, not its alerts.
    // When all their keys fit one round, the keys were collected as the alerts were put aside (no first pass).
    const total = this.pendingSpills.reduce((n, f) => n + f.count, 0) + this.pending.length;
    for (let first = 0; first < total; ) {
      let end = total;
      let lookup = this.index.lookup;
      if (this.contextSpill !== undefined) {
        let wanted = first === 0 ? this.wanted : undefined;
        if (wanted === undefined) {
          wanted = new Set<string>();
          end = first;
          for (const p of this.pendingFrom(first)) {
            if (wanted.size >= this.roundKeys) break;
            addKeys(wanted, contextQueryOf(p.event), p.process !== undefined);
            end++;
          }
        }
        lookup = this.withSpilled(wanted);
      }
      let n = first;
      for (const p of this.pendingFrom(first)) {
        if (n++ === end) break;
        const q = contextQueryOf(p.event);
        this.emit(p.seq, p, q, resolvePending(p, q, lookup));
      }
      first = end;
    }
    this.pending = [];
    this.wanted = undefined;
    if (this.correlations !== undefined) this.emitCorrelations(this.correlations.correlator);
    if (this.grouping === undefined) yield* this.sorter.drain();
    else yield* this.drainGrouped(this.grouping);
  }

  /**
   * With grouping, the sorter holds event alerts as data (GROUPABLE + alertLine), correlation alerts as their
   * rendered text (RENDERED + text): the time-ordered rows go through the grouper, and each group is rendered
   * once its window has passed, as its first alert with the count and the last time.
   */
  private *drainGrouped(g: HuntGrouping): Generator<Uint8Array> {
    const grouper = new AlertGrouper<Alert | Uint8Array>(g.windowMs, g.maxOpen);
    for (const row of this.sorter.drainRows()) {
      if (row.bytes[0] === RENDERED) {
        // A copy: a row read back from a run is a view of a buffer the next rows reuse, and the grouper may hold it.
        yield* this.renderGroups(grouper.push(Buffer.from(row.bytes.subarray(1)), row.time, undefined));
        continue;
      }
      const alert = this.parseAlertLine(Buffer.from(row.bytes.buffer, row.bytes.byteOffset + 1, row.bytes.length - 1).toString('utf8'));
      yield* this.renderGroups(grouper.push(alert, alert.event.timestamp, groupKey(alert)));
    }
    yield* this.renderGroups(grouper.end());
    this.grouped = { alerts: grouper.alerts, shown: grouper.groups, repeated: grouper.repeated, closedEarly: grouper.closedEarly };
  }

  private *renderGroups(groups: readonly AlertGroup<Alert | Uint8Array>[]): Generator<Uint8Array> {
    for (const { alert, count, first, last } of groups) {
      if (alert instanceof Uint8Array) yield alert;
      else yield Buffer.from(this.render(first === undefined ? alert : { ...alert, repeat: { count, first, last: last ?? first } }), 'utf8');
    }
  }

  /** An event alert as data for the sorter: rule and filter indexes, event, resolved context; then its JSON text. */
  private alertLine(hit: Hit, alert: Alert): string {
    const json = spilledJson([hit.rule, alert.event, alert.process ?? null, alert.processMissing === true, alert.domain ?? null, hit.suppressedBy ?? null]);
    return alert.eventJson === undefined ? json : `${json}\t${alert.eventJson}`;
  }

  private parseAlertLine(line: string): Alert {
    const tab = line.indexOf('\t');
    const [rule, event, process, processMissing, domain, suppressedBy] = parseSpilled<[number, Event, ProcessContext | null, boolean, string | null, number[] | null]>(tab < 0 ? line : line.slice(0, tab));
    const filters = suppressedBy?.map((f) => this.filters?.filters[f] as SigmaFilter);
    return {
      rule: this.rules[rule] as SigmaRule,
      event,
      ...(tab < 0 ? {} : { eventJson: line.slice(tab + 1) }),
      ...(process !== null ? { process } : {}),
      ...(processMissing ? { processMissing: true } : {}),
      ...(domain !== null ? { domain } : {}),
      ...(filters !== undefined && filters.length > 0 ? { suppressedBy: filters } : {}),
    };
  }

  /**
   * Evaluates the correlations now that every match is in, and renders their alerts with each contributing
   * event's process context, in rounds of CORRELATION_ROUND alerts (one pass over spilled context per round).
   */
  private emitCorrelations(correlator: Correlator): void {
    let round: CorrelationFiring[] = [];
    const flush = () => {
      let lookup = this.index.lookup;
      if (this.contextSpill !== undefined) {
        const wanted = new Set<string>();
        for (const f of round) forEachEvent(f, (e) => addKeys(wanted, contextQueryOf(e), false));
        lookup = this.withSpilled(wanted);
      }
      for (const f of round) {
        const alert = correlationAlertOf(correlator.plan, this.rules, f, lookup);
        const c = this.counts;
        c.total++;
        bump(c.byLevel, alert.correlation.level ?? 'informational');
        bump(c.byRule, alert.correlation.title);
        bump(c.byHost, hostOf(alert));
        this.sorter.add(f.last, this.seq++, this.grouping === undefined ? this.render(alert) : RENDERED_TAG + this.render(alert));
      }
      round = [];
    };
    for (const f of correlator.evaluate()) {
      round.push(f);
      if (round.length >= CORRELATION_ROUND) flush();
    }
    flush();
  }

  /** The pending alerts in the order they were found (spilled ones first), from the n-th on. */
  private *pendingFrom(n: number): Generator<Pending> {
    for (const file of this.pendingSpills) {
      if (n >= file.count) {
        n -= file.count;
        continue;
      }
      for (const line of file.lines()) if (n > 0) n--;
      else yield parsePending(line);
    }
    for (let i = n; i < this.pending.length; i++) yield this.pending[i] as Pending;
  }

  /** A lookup over spilled and in-memory context for the wanted keys, from one pass over the spill file. */
  private withSpilled(wanted: ReadonlySet<string>): EntryLookup {
    const spilled = new Map<string, ContextEntry[]>();
    for (const line of (this.contextSpill as SpillFile).lines()) {
      // Lines of packed entries: most entries are wanted by no alert and are never parsed.
      let entry: ContextEntry | undefined;
      for (const k of keysOfLine(line)) {
        if (!wanted.has(k)) continue;
        entry ??= unpackLine(line);
        const list = spilled.get(k);
        if (list === undefined) spilled.set(k, [entry]);
        else list.push(entry);
      }
    }
    // Entries that left memory are older than those in it: for each key, spilled ones come first.
    const memory = this.index.lookup;
    return (key) => {
      const old = spilled.get(key);
      const now = memory(key);
      return old === undefined ? now : now === undefined ? old : [...old, ...now];
    };
  }

  private emit(seq: number, hit: Hit, q: ContextQuery, resolved: ReturnType<typeof resolveContext>): void {
    const rule = this.rules[hit.rule] as SigmaRule;
    const event = hit.event;
    const suppressedBy = hit.suppressedBy?.map((f) => this.filters?.filters[f] as SigmaFilter);
    const alert = makeAlert(rule, event, q.namesProcess, resolved, hit.eventJson, suppressedBy);
    const text = this.grouping === undefined ? this.render(alert) : GROUPABLE_TAG + this.alertLine(hit, alert);
    if (suppressedBy !== undefined) {
      // Shown, marked, but not an alert: not counted, and no exit code 1 for it.
      this.sorter.add(event.timestamp ?? 0, seq, text);
      return;
    }
    const c = this.counts;
    c.total++;
    bump(c.byLevel, rule.level ?? 'informational');
    bump(c.byRule, rule.title);
    bump(c.byHost, String(event.fields['Computer'] ?? '?'));
    this.sorter.add(event.timestamp ?? 0, seq, text);
  }

  /** The context for stories (the HTML report) once every batch is in (finish adds none): memory, plus the spill file for wanted keys. */
  contextSource(): ContextSource {
    return { spilled: this.contextSpill !== undefined, lookupFor: (wanted) => (this.contextSpill === undefined ? this.index.lookup : this.withSpilled(wanted)) };
  }

  /** Context entries currently in memory (for tests and benchmarks). */
  get contextInMemory(): number {
    return this.index.size;
  }

  get spilledToDisk(): boolean {
    return this.spill.used;
  }
}
