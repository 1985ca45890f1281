import { createHash } from 'node:crypto';
import { makeAlert, type Alert } from '../../engine/alert.js';
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
}

/**
 * The hunt's matching on a stream: each event is normalized (Windows pipeline), contributes its process start
 * or DNS answer to a bounded ProcessIndex, and is matched; each match becomes an ECS alert with the context
 * known at that point (the creation event must come earlier in the journal; a later one is not waited for).
 *
 * Seams for the parts being built elsewhere:
 * - filters: RuleSet.compile's `filters` (the caller passes the rule collection's Sigma filters); a match a
 *   filter suppresses is not stored (the hunt's default; its --show-suppressed would store it marked).
 * - correlations: feed each match to a Correlator (`add(hit, eventTimeMs)`) in `detect` and call
 *   `advance(watermarkMs)` from `endBatch`; its alerts go out through the same StoredAlert list, and its
 *   state snapshot would be saved in the same transaction as the cursor.
 */
export class LiveDetector {
  private readonly index: ProcessIndex;
  private ruleIndex: Map<object, number>;
  /** Alerts a Sigma filter suppressed since start (not stored). */
  suppressed = 0;

  constructor(
    private ruleSet: RuleSet,
    options: LiveDetectorOptions = {},
  ) {
    this.index = new ProcessIndex({ capacity: options.contextCapacity ?? 200_000 });
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
  }

  /** Matches with other rules and filters from the next event on; the process context stays. */
  replaceRules(ruleSet: RuleSet): void {
    this.ruleSet = ruleSet;
    this.ruleIndex = new Map(ruleSet.rules.map((r, i) => [r, i]));
  }

  /** Adds an already processed event's context only (rebuilding the index after a restart): no alerts. */
  learn(raw: Event): void {
    const entry = contextEntryOf(normalizeWindowsEvent(raw));
    if (entry !== undefined) this.index.addEntry(packEntry(entry));
  }

  /** The alerts of one event, in rule order. */
  detect(e: LiveEvent, now: number): StoredAlert[] {
    const ev = normalizeWindowsEvent(e.event);
    const entry = contextEntryOf(ev);
    if (entry !== undefined) this.index.addEntry(packEntry(entry));
    // Filters gate after the match (RuleSet.suppressedBy, asked right after match for the same event).
    const matched = this.ruleSet.match(ev).filter((r) => {
      const gone = this.ruleSet.suppressedBy(this.ruleIndex.get(r) as number) !== undefined;
      if (gone) this.suppressed++;
      return !gone;
    });
    if (matched.length === 0) return [];
    const q = contextQueryOf(ev);
    const resolved = resolveContext(q, this.index.lookup);
    const keyHex = e.key.toString('hex');
    return matched.map((r) => {
      const alert = makeAlert(r.rule, ev, q.namesProcess, resolved);
      return storedAlert(alert, e, keyHex, now);
    });
  }

  /** End of a batch of events (the correlator's watermark would move here). */
  endBatch(): void {}
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
