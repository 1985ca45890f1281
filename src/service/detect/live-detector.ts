import { createHash } from 'node:crypto';
import { eventHits, hostOf, makeAlert, type Alert, type CorrelationAlert } from '../../engine/alert.js';
import { correlationAlertOf } from '../../engine/correlate/correlation-alert.js';
import { LiveCorrelator, type LiveCorrelatorOptions } from '../../engine/correlate/live-correlator.js';
import { planCorrelations, type CorrelationPlan } from '../../engine/correlate/plan-correlations.js';
import type { SigmaCorrelation, SigmaRule } from '../../rule/model.js';
import { correlationToEcs } from '../../output/write-jsonl.js';
import { contextEntryOf, contextQueryOf, packEntry, ProcessIndex, resolveContext } from '../../engine/process-context.js';
import type { RuleSet } from '../../engine/rule-set.js';
import type { Event } from '../../event/event.js';
import { alertToEcs } from '../../output/write-jsonl.js';
import { normalizeWindowsEvent } from '../../pipeline/normalize-event.js';
import type { StoredAlert } from '../store/alert-store.js';
import { partitionOf } from '../bus/partition.js';

/** One journaled event as detection sees it. */
export interface LiveEvent {
  readonly seq: number;
  /** Its dedup key: with the rule, it makes the alert's id. */
  readonly key: Buffer;
  readonly received: number;
  readonly event: Event;
}

export interface LiveDetectorOptions {
  /** Process starts and DNS answers held for context (default 200,000); the oldest are dropped beyond it. */
  readonly contextCapacity?: number;
  /** The rule collection's correlations, evaluated on event time as the hunt does (none: no correlation). */
  readonly correlations?: readonly SigmaCorrelation[];
  /** How far behind the newest event time an event may come and still be correlated (default 5 minutes). */
  readonly latenessMs?: number;
  /** Correlation items held at most (default 200,000); past it the oldest groups are dropped, counted. */
  readonly correlationItems?: number;
  /**
   * With --bus: the partition count. The correlations then keep one state per partition (the host's, as the bus
   * partitions), each with its own watermark: a partition taken over is replayed from the bus with event times older
   * than the others' watermark, and in a shared state those events would all be late (README: Past one machine).
   */
  readonly correlationPartitions?: number;
}

/** One partition's correlations (one scope, '' without --bus): the state and its own event time. */
interface Scope {
  correlator: LiveCorrelator;
  /** The newest event time seen in the scope (ms): its watermark. */
  watermark: number;
  /** The watermark when the scope's last event arrived, and the clock then: a quiet scope's event time goes on from there. */
  arrival: { readonly eventTime: number; readonly wall: number } | undefined;
}

/** The correlations of one rule set: their plan, and the live state on it. */
interface LiveCorrelations {
  readonly plan: CorrelationPlan;
  readonly rules: readonly SigmaRule[];
  readonly scopes: Map<string, Scope>;
}

/** A snapshot of several scopes (a single scope's is the correlator's own, as before scopes). */
interface ScopedSnapshot {
  readonly scoped: 1;
  readonly scopes: Record<string, string>;
}

/** Detection's counts since start, for health: see LiveDetector.counts. */
export interface DetectionCounts {
  readonly suppressed: number;
  /** Matches that came later than the allowed lateness, groups dropped past the bound, items held, states dropped at a reload. */
  readonly correlations: { readonly late: number; readonly evicted: number; readonly held: number; readonly resets: number };
}

/**
 * The hunt's matching on a stream: each event is normalized (Windows pipeline), contributes its process start
 * or DNS answer to a bounded ProcessIndex, and is matched; each match becomes an ECS alert with the context
 * known at that point (the creation event must come earlier in the journal; a later one is not waited for).
 *
 * Filters: RuleSet.compile's `filters` (the caller passes the rule collection's Sigma filters); a match a filter
 * suppresses is not stored (the hunt's default). Correlations: each match feeds a LiveCorrelator; `endBatch`
 * evaluates what the watermark passed and returns the correlation alerts, to be stored with the batch, and
 * `correlationState()` is the state to store in the same transaction as the position (restoreCorrelationState
 * after a restart), so a crash neither loses nor repeats a correlation alert.
 */
export class LiveDetector {
  private readonly index: ProcessIndex;
  private ruleIndex: Map<object, number>;
  private correlations: LiveCorrelations | undefined;
  /** Alerts a Sigma filter suppressed since start (not stored). */
  suppressed = 0;
  /** Per filter (id, else title), the alerts it suppressed since the last takeSuppressed. */
  private pendingSuppressed = new Map<string, number>();
  /** Correlation state dropped at a rule reload that changed the correlations (its windows were not carried over). */
  correlationResets = 0;

  constructor(
    private ruleSet: RuleSet,
    private readonly options: LiveDetectorOptions = {},
  ) {
    this.index = new ProcessIndex({ capacity: options.contextCapacity ?? 200_000 });
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
    this.correlations = this.plan(ruleSet, options.correlations ?? []);
  }

  private get correlatorOptions(): LiveCorrelatorOptions {
    return { latenessMs: this.options.latenessMs ?? 300_000, maxItems: this.options.correlationItems ?? 200_000 };
  }

  private plan(ruleSet: RuleSet, correlations: readonly SigmaCorrelation[], previous?: ReadonlyMap<string, Scope>): LiveCorrelations | undefined {
    if (correlations.length === 0) return undefined;
    const rules = ruleSet.rules.map((r) => r.rule);
    const plan = planCorrelations(rules, correlations, { selected: new Set(correlations), selectedRules: new Set(rules) });
    const scopes = new Map<string, Scope>();
    // The windows carry over a reload when the correlations are the same; otherwise they start empty (counted).
    for (const [key, old] of previous ?? []) {
      const correlator = LiveCorrelator.restore(plan, this.correlatorOptions, old.correlator.snapshot());
      if (correlator === undefined) this.correlationResets++;
      else scopes.set(key, { ...old, correlator });
    }
    return { plan, rules, scopes };
  }

  /** The scope of an event: its host's partition with --bus, else the one scope ''. */
  private scopeKey(e: Event): string {
    const n = this.options.correlationPartitions;
    if (n === undefined) return '';
    const c = e.fields['Computer'];
    return String(partitionOf(typeof c === 'string' ? c : Array.isArray(c) && typeof c[0] === 'string' ? c[0] : '', n));
  }

  private scopeOf(c: LiveCorrelations, key: string): Scope {
    let scope = c.scopes.get(key);
    if (scope === undefined) {
      scope = { correlator: new LiveCorrelator(c.plan, this.correlatorOptions), watermark: -Infinity, arrival: undefined };
      c.scopes.set(key, scope);
    }
    return scope;
  }

  /** Matches with other rules, filters and correlations from the next event on; the process context stays. */
  replaceRules(ruleSet: RuleSet, correlations: readonly SigmaCorrelation[] = this.options.correlations ?? []): void {
    this.ruleSet = ruleSet;
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
    this.correlations = this.plan(ruleSet, correlations, this.correlations?.scopes);
  }

  /** Adds an already processed event's context only (rebuilding the index after a restart): no alerts. */
  learn(raw: Event): void {
    const entry = contextEntryOf(normalizeWindowsEvent(raw));
    if (entry !== undefined) this.index.addEntry(packEntry(entry));
  }

  /** The alerts of one event, in rule order; its matches feed the correlations (rules referenced with generate false only feed them). */
  detect(e: LiveEvent, now: number): StoredAlert[] {
    const ev = normalizeWindowsEvent(e.event);
    const entry = contextEntryOf(ev);
    if (entry !== undefined) this.index.addEntry(packEntry(entry));
    const c = this.correlations;
    const scope = c === undefined ? undefined : this.scopeOf(c, this.scopeKey(e.event));
    if (scope !== undefined) {
      if (ev.timestamp !== undefined && ev.timestamp > scope.watermark) scope.watermark = ev.timestamp;
      if (scope.watermark !== -Infinity) scope.arrival = { eventTime: scope.watermark, wall: now };
    }
    // Filters gate after the match (RuleSet.suppressedBy, asked right after match for the same event).
    const matched = this.ruleSet.match(ev).filter((r) => {
      const by = this.ruleSet.suppressedBy(this.ruleIndex.get(r) as number);
      if (by === undefined) return true;
      this.suppressed++;
      // Each filter that suppresses the alert counts it (two filters on one alert: one each).
      for (const i of by) {
        const f = this.ruleSet.gates.filters[i];
        if (f === undefined) continue;
        const id = f.id ?? f.title;
        this.pendingSuppressed.set(id, (this.pendingSuppressed.get(id) ?? 0) + 1);
      }
      return false;
    });
    if (matched.length === 0) return [];
    if (c !== undefined && scope !== undefined) {
      const feeding = matched.map((r) => this.ruleIndex.get(r) as number).filter((i) => c.plan.feeds.has(i));
      if (feeding.length > 0) scope.correlator.addHits(eventHits(feeding, ev, false, c.plan.fields));
    }
    const shown = c === undefined ? matched : matched.filter((r) => !c.plan.silentRules.has(this.ruleIndex.get(r) as number));
    if (shown.length === 0) return [];
    const q = contextQueryOf(ev);
    const resolved = resolveContext(q, this.index.lookup);
    const keyHex = e.key.toString('hex');
    return shown.map((r) => {
      const alert = makeAlert(r.rule, ev, q.namesProcess, resolved);
      return storedAlert(alert, e, keyHex, now);
    });
  }

  /**
   * End of a batch: the correlations evaluate what the watermark (newest event time − lateness) has passed, and their
   * alerts come back to be stored with the batch (`seq` is the batch's last journal position).
   */
  endBatch(seq = 0, now = Date.now()): StoredAlert[] {
    const c = this.correlations;
    if (c === undefined) return [];
    const out: StoredAlert[] = [];
    for (const scope of c.scopes.values()) {
      if (scope.watermark === -Infinity) continue;
      for (const f of scope.correlator.advance(scope.watermark)) out.push(storedCorrelationAlert(correlationAlertOf(c.plan, c.rules, f, this.index.lookup), seq, now));
    }
    return out;
  }

  /**
   * The suppressions counted since the last call, per filter, to be committed with the batch; a batch that fails to
   * commit is matched again, so what was taken for it is dropped with it.
   */
  takeSuppressed(): Map<string, number> {
    const taken = this.pendingSuppressed;
    this.pendingSuppressed = new Map();
    return taken;
  }

  /** How long the stream must be quiet before its event time goes on with the clock: the allowed lateness. */
  get idleMs(): number {
    return this.options.latenessMs ?? 300_000;
  }

  /** Whether correlation windows are open (a quiet stream then needs idleAdvance to close them). */
  get holdsWindows(): boolean {
    return [...(this.correlations?.scopes.values() ?? [])].some((s) => s.correlator.held > 0);
  }

  /**
   * No event has arrived for `idleMs` (the allowed lateness): event time is taken to go on with the clock from the
   * last arrival, so windows a quiet stream left open close and their alerts come out (endBatch) about the allowed
   * lateness after the last event, as they would had events kept coming. An event that arrives later with an older
   * time is then late. True when the watermark moved.
   */
  idleAdvance(now: number): boolean {
    let moved = false;
    // Each scope on its own: a partition gone quiet closes its windows while the others go on.
    for (const scope of this.correlations?.scopes.values() ?? []) {
      if (scope.watermark === -Infinity) continue;
      // After a restart: the restored watermark counts from now.
      scope.arrival ??= { eventTime: scope.watermark, wall: now };
      const quiet = now - scope.arrival.wall;
      if (quiet < this.idleMs) continue;
      const w = scope.arrival.eventTime + quiet;
      if (w <= scope.watermark) continue;
      scope.watermark = w;
      moved = true;
    }
    return moved;
  }

  /** The correlation state as text (stored with the journal position it belongs to), or undefined without correlations. */
  correlationState(): string | undefined {
    const c = this.correlations;
    if (c === undefined) return undefined;
    // Without --bus, the one scope's snapshot as it always was (a state stored before scopes restores as it is).
    if (this.options.correlationPartitions === undefined) return this.scopeOf(c, '').correlator.snapshot();
    const scopes: Record<string, string> = {};
    for (const [key, scope] of c.scopes) scopes[key] = scope.correlator.snapshot();
    return JSON.stringify({ scoped: 1, scopes } satisfies ScopedSnapshot);
  }

  /** Puts back a state `correlationState` gave; false when it belongs to other correlations (they start empty). */
  restoreCorrelationState(text: string): boolean {
    const c = this.correlations;
    if (c === undefined) return false;
    const parsed = JSON.parse(text) as Partial<ScopedSnapshot>;
    const texts: Array<[string, string]> = parsed.scoped === 1 ? Object.entries(parsed.scopes ?? {}) : [['', text]];
    const scopes = new Map<string, Scope>();
    for (const [key, one] of texts) {
      const correlator = LiveCorrelator.restore(c.plan, this.correlatorOptions, one);
      if (correlator === undefined) {
        this.correlationResets++;
        return false;
      }
      // The state was taken right after a batch advanced the correlations to the newest event time then seen.
      scopes.set(key, { correlator, watermark: correlator.watermark, arrival: undefined });
    }
    c.scopes.clear();
    for (const [key, scope] of scopes) c.scopes.set(key, scope);
    return true;
  }

  /** What health reports of detection since start: alerts filters suppressed, and the correlations' counts. */
  counts(): DetectionCounts {
    return { suppressed: this.suppressed, correlations: this.correlationCounts() };
  }

  /** Late items and evictions of the correlations (for health and metrics). */
  correlationCounts(): { late: number; evicted: number; held: number; resets: number } {
    let late = 0;
    let evicted = 0;
    let held = 0;
    for (const { correlator: x } of this.correlations?.scopes.values() ?? []) {
      late += x.late;
      evicted += x.evicted;
      held += x.held;
    }
    return { late, evicted, held, resets: this.correlationResets };
  }
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** What a stored alert is made of: its id, rule, host and times, and the ECS document it extends. */
interface StoredParts {
  readonly id: string;
  readonly seq: number;
  readonly rule: { readonly id?: string | undefined; readonly title: string; readonly level?: string | undefined };
  readonly host: string;
  readonly eventTime: number | undefined;
  readonly now: number;
  readonly ecs: object;
  /** Fields of `sigmatch.alert` beside id, seq and created. */
  readonly extra?: object;
}

/** The stored alert: the ECS document with Kibana's alert fields and sigmatch.alert, and its filter columns. */
function stored(p: StoredParts): StoredAlert {
  const ruleId = p.rule.id ?? p.rule.title;
  const level = p.rule.level ?? 'informational';
  const ecs = p.ecs as { [k: string]: unknown; sigmatch: { [k: string]: unknown } };
  const doc = {
    ...ecs,
    kibana: {
      alert: {
        uuid: p.id,
        original_time: p.eventTime !== undefined ? new Date(p.eventTime).toISOString() : undefined,
        workflow_status: 'open',
        rule: { uuid: ruleId, rule_id: ruleId, name: p.rule.title },
        severity: level,
      },
    },
    sigmatch: { ...ecs.sigmatch, alert: { id: p.id, seq: p.seq, ...p.extra, created: new Date(p.now).toISOString() } },
  };
  return { id: p.id, seq: p.seq, ruleId, ruleTitle: p.rule.title, level, host: p.host, eventTime: p.eventTime, created: p.now, doc: JSON.stringify(doc) };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

function storedAlert(alert: Alert, e: LiveEvent, keyHex: string, now: number): StoredAlert {
  const rule = alert.rule;
  return stored({
    id: sha(`${rule.id ?? rule.title}|${keyHex}`),
    seq: e.seq,
    rule,
    host: str(alert.event.fields['Computer']),
    eventTime: e.event.timestamp,
    now,
    ecs: alertToEcs(alert),
    extra: { event_key: keyHex, received: new Date(e.received).toISOString() },
  });
}

/** A correlation alert as stored: its id from the correlation, group and window (a replay gives the same id). */
function storedCorrelationAlert(alert: CorrelationAlert, seq: number, now: number): StoredAlert {
  const c = alert.correlation;
  return stored({
    id: sha(`correlation|${c.id ?? c.title}|${JSON.stringify(alert.group)}|${alert.windowStart}|${alert.windowEnd}|${alert.last}`),
    seq,
    rule: c,
    host: hostOf(alert),
    eventTime: alert.last,
    now,
    ecs: correlationToEcs(alert),
  });
}
