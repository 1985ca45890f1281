import { createHash } from 'node:crypto';
import { hostOf, makeAlert, makeHit, type Alert, type CorrelationAlert } from '../../engine/alert.js';
import { correlationAlertOf } from '../../engine/correlate/correlation-alert.js';
import { LiveCorrelator } from '../../engine/correlate/live-correlator.js';
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
  /** Alerts a Sigma filter suppressed since start (not stored). */
  suppressed = 0;
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

  private plan(ruleSet: RuleSet, correlations: readonly SigmaCorrelation[], previous?: LiveCorrelator): LiveCorrelations | undefined {
    if (correlations.length === 0) return undefined;
    const rules = ruleSet.rules.map((r) => r.rule);
    const plan = planCorrelations(rules, correlations, { selected: new Set(correlations), selectedRules: new Set(rules) });
    const options = { latenessMs: this.options.latenessMs ?? 300_000, maxItems: this.options.correlationItems ?? 200_000 };
    // The windows carry over a reload when the correlations are the same; otherwise they start empty (counted).
    let correlator = previous === undefined ? undefined : LiveCorrelator.restore(plan, options, previous.snapshot());
    if (previous !== undefined && correlator === undefined) this.correlationResets++;
    correlator ??= new LiveCorrelator(plan, options);
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
    // Filters gate after the match (RuleSet.suppressedBy, asked right after match for the same event).
    const matched = this.ruleSet.match(ev).filter((r) => {
      const gone = this.ruleSet.suppressedBy(this.ruleIndex.get(r) as number) !== undefined;
      if (gone) this.suppressed++;
      return !gone;
    });
    if (matched.length === 0) return [];
    const c = this.correlations;
    if (c !== undefined) {
      const hits = matched.map((r) => this.ruleIndex.get(r) as number).filter((i) => c.plan.feeds.has(i));
      if (hits.length > 0) {
        const first = makeHit(hits[0] as number, ev, false, c.plan.fields);
        c.correlator.addHits([first, ...hits.slice(1).map((rule) => ({ ...first, rule }))]);
      }
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

  /** The correlation state as text (stored with the journal position it belongs to), or undefined without correlations. */
  correlationState(): string | undefined {
    const c = this.correlations;
    return c === undefined ? undefined : JSON.stringify({ watermark: Number.isFinite(this.watermark) ? this.watermark : null, state: c.correlator.snapshot() });
  }

  /** Puts back a state `correlationState` gave; false when it belongs to other correlations (they start empty). */
  restoreCorrelationState(text: string): boolean {
    const c = this.correlations;
    if (c === undefined) return false;
    const saved = JSON.parse(text) as { watermark: number | null; state: string };
    const correlator = LiveCorrelator.restore(c.plan, { latenessMs: this.options.latenessMs ?? 300_000, maxItems: this.options.correlationItems ?? 200_000 }, saved.state);
    if (correlator === undefined) {
      this.correlationResets++;
      return false;
    }
    c.correlator = correlator;
    this.watermark = saved.watermark ?? -Infinity;
    return true;
  }

  /** Late items and evictions of the correlations (for health and metrics). */
  correlationCounts(): { late: number; evicted: number; held: number; resets: number } {
    const x = this.correlations?.correlator;
    return { late: x?.late ?? 0, evicted: x?.evicted ?? 0, held: x?.held ?? 0, resets: this.correlationResets };
  }
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function storedAlert(alert: Alert, e: LiveEvent, keyHex: string, now: number): StoredAlert {
  const rule = alert.rule;
  const ruleId = rule.id ?? rule.title;
  const id = createHash('sha256').update(`${ruleId}|${keyHex}`).digest('hex').slice(0, 32);
  const ecs = alertToEcs(alert) as { [k: string]: unknown; sigmatch: { [k: string]: unknown } };
  const doc = {
    ...ecs,
    kibana: {
      alert: {
        uuid: id,
        original_time: e.event.timestamp !== undefined ? new Date(e.event.timestamp).toISOString() : undefined,
        workflow_status: 'open',
        rule: { uuid: ruleId, rule_id: ruleId, name: rule.title },
        severity: rule.level ?? 'informational',
      },
    },
    sigmatch: { ...ecs.sigmatch, alert: { id, seq: e.seq, event_key: keyHex, received: new Date(e.received).toISOString(), created: new Date(now).toISOString() } },
  };
  return {
    id,
    seq: e.seq,
    ruleId,
    ruleTitle: rule.title,
    level: rule.level ?? 'informational',
    host: str(alert.event.fields['Computer']),
    eventTime: e.event.timestamp,
    created: now,
    doc: JSON.stringify(doc),
  };
}

/** A correlation alert as stored: its id from the correlation, group and window (a replay gives the same id). */
function storedCorrelationAlert(alert: CorrelationAlert, seq: number, now: number): StoredAlert {
  const c = alert.correlation;
  const ruleId = c.id ?? c.title;
  const id = createHash('sha256').update(`correlation|${ruleId}|${JSON.stringify(alert.group)}|${alert.windowStart}|${alert.windowEnd}|${alert.last}`).digest('hex').slice(0, 32);
  const ecs = correlationToEcs(alert) as { [k: string]: unknown; sigmatch: { [k: string]: unknown } };
  const doc = {
    ...ecs,
    kibana: {
      alert: {
        uuid: id,
        original_time: new Date(alert.last).toISOString(),
        workflow_status: 'open',
        rule: { uuid: ruleId, rule_id: ruleId, name: c.title },
        severity: c.level ?? 'informational',
      },
    },
    sigmatch: { ...ecs.sigmatch, alert: { id, seq, created: new Date(now).toISOString() } },
  };
  return { id, seq, ruleId, ruleTitle: c.title, level: c.level ?? 'informational', host: hostOf(alert), eventTime: alert.last, created: now, doc: JSON.stringify(doc) };
}
