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
}

/** The correlations of one rule set: their plan, and the live state on it. */
interface LiveCorrelations {
  readonly plan: CorrelationPlan;
  readonly rules: readonly SigmaRule[];
  correlator: LiveCorrelator;
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
  /** The newest event time seen (ms): the correlations' watermark. */
  private watermark = -Infinity;
  /** The watermark when the last event arrived, and the clock then: a quiet stream's event time goes on from there. */
  private arrival: { readonly eventTime: number; readonly wall: number } | undefined;
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

  private plan(ruleSet: RuleSet, correlations: readonly SigmaCorrelation[], previous?: LiveCorrelator): LiveCorrelations | undefined {
    if (correlations.length === 0) return undefined;
    const rules = ruleSet.rules.map((r) => r.rule);
    const plan = planCorrelations(rules, correlations, { selected: new Set(correlations), selectedRules: new Set(rules) });
    // The windows carry over a reload when the correlations are the same; otherwise they start empty (counted).
    let correlator = previous === undefined ? undefined : LiveCorrelator.restore(plan, this.correlatorOptions, previous.snapshot());
    if (previous !== undefined && correlator === undefined) this.correlationResets++;
    correlator ??= new LiveCorrelator(plan, this.correlatorOptions);
    return { plan, rules, correlator };
  }

  /** Matches with other rules, filters and correlations from the next event on; the process context stays. */
  replaceRules(ruleSet: RuleSet, correlations: readonly SigmaCorrelation[] = this.options.correlations ?? []): void {
    this.ruleSet = ruleSet;
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
    this.correlations = this.plan(ruleSet, correlations, this.correlations?.correlator);
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
    if (ev.timestamp !== undefined && ev.timestamp > this.watermark) this.watermark = ev.timestamp;
    if (this.watermark !== -Infinity) this.arrival = { eventTime: this.watermark, wall: now };
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
    const c = this.correlations;
    if (c !== undefined) {
      const feeding = matched.map((r) => this.ruleIndex.get(r) as number).filter((i) => c.plan.feeds.has(i));
      if (feeding.length > 0) c.correlator.addHits(eventHits(feeding, ev, false, c.plan.fields));
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
    if (c === undefined || this.watermark === -Infinity) return [];
    return c.correlator.advance(this.watermark).map((f) => storedCorrelationAlert(correlationAlertOf(c.plan, c.rules, f, this.index.lookup), seq, now));
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
    return (this.correlations?.correlator.held ?? 0) > 0;
  }

  /**
   * No event has arrived for `idleMs` (the allowed lateness): event time is taken to go on with the clock from the
   * last arrival, so windows a quiet stream left open close and their alerts come out (endBatch) about the allowed
   * lateness after the last event, as they would had events kept coming. An event that arrives later with an older
   * time is then late. True when the watermark moved.
   */
  idleAdvance(now: number): boolean {
    if (this.correlations === undefined || this.watermark === -Infinity) return false;
    // After a restart: the restored watermark counts from now.
    this.arrival ??= { eventTime: this.watermark, wall: now };
    const quiet = now - this.arrival.wall;
    if (quiet < this.idleMs) return false;
    const w = this.arrival.eventTime + quiet;
    if (w <= this.watermark) return false;
    this.watermark = w;
    return true;
  }

  /** The correlation state as text (stored with the journal position it belongs to), or undefined without correlations. */
  correlationState(): string | undefined {
    return this.correlations?.correlator.snapshot();
  }

  /** Puts back a state `correlationState` gave; false when it belongs to other correlations (they start empty). */
  restoreCorrelationState(text: string): boolean {
    const c = this.correlations;
    if (c === undefined) return false;
    const correlator = LiveCorrelator.restore(c.plan, this.correlatorOptions, text);
    if (correlator === undefined) {
      this.correlationResets++;
      return false;
    }
    c.correlator = correlator;
    // The state was taken right after a batch advanced the correlations to the newest event time then seen.
    this.watermark = correlator.watermark;
    return true;
  }

  /** What health reports of detection since start: alerts filters suppressed, and the correlations' counts. */
  counts(): DetectionCounts {
    return { suppressed: this.suppressed, correlations: this.correlationCounts() };
  }

  /** Late items and evictions of the correlations (for health and metrics). */
  correlationCounts(): { late: number; evicted: number; held: number; resets: number } {
    const x = this.correlations?.correlator;
    return { late: x?.late ?? 0, evicted: x?.evicted ?? 0, held: x?.held ?? 0, resets: this.correlationResets };
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
