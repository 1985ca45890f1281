import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defaultThreads, planInputs } from '../engine/plan-inputs.js';
import { runPlan } from '../engine/run-plan.js';
import type { Alert } from '../engine/alert.js';
import { HuntSession } from '../engine/hunt-session.js';
import { MatchPool } from '../engine/match-pool.js';
import { BatchBuilder } from '../engine/match-task.js';
import { RuleSet } from '../engine/rule-set.js';
import { SpillDir } from '../engine/spill.js';
import { listInputs } from '../formats/read-input.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { RuleCollection } from '../rule/load-rules.js';

export interface HuntAlertsResult {
  readonly files: number;
  readonly missing: readonly string[];
  readonly events: number;
  readonly alerts: number;
  /** Formatted input problems. */
  readonly problems: readonly string[];
  /** Rules that could not be loaded, with why. */
  readonly skipped: ReadonlyArray<{ readonly title: string; readonly reason: string }>;
  readonly rules: number;
}

/**
 * A hunt as the hunt command runs it (planned inputs, worker threads when they pay, process context and
 * DNS resolved), handing every alert to `onAlert` instead of rendering it. The rules' own filters apply.
 */
export async function huntAlerts(inputs: readonly string[], collection: RuleCollection, onAlert: (alert: Alert) => void, options: { readonly threads?: number; readonly recover?: boolean } = {}): Promise<HuntAlertsResult> {
  // As the hunt selects by default: every level, no deprecated or unsupported rule.
  const chosen = collection.rules.filter((r) => r.status !== 'deprecated' && r.status !== 'unsupported');
  const ruleSet = RuleSet.compile(chosen, { filters: collection.filters, logsource: resolveWindowsLogsource });
  const skipped = ruleSet.skipped.map((s) => ({ title: s.rule.title, reason: s.reason }));
  const { files, missing } = await listInputs(inputs);
  const problems: string[] = [];
  const base = { files: files.length, missing, skipped, rules: ruleSet.rules.length };
  if (files.length === 0) return { ...base, events: 0, alerts: 0, problems };
  const recover = options.recover === true;
  const sizes = files.map((f) => statSync(f).size);
  const { units, estimatedEvents } = await planInputs(files, sizes, recover);
  const threads = options.threads ?? defaultThreads(estimatedEvents, ruleSet.rules.length, availableParallelism());
  const spill = new SpillDir();
  try {
    const session = new HuntSession(
      ruleSet.rules.map((r) => r.rule),
      // Typed loosely on purpose: the session also hands over correlation alerts, and (when a hunt shows them)
      // alerts a filter suppressed; neither is activity to learn or count.
      (alert: unknown) => {
        const a = alert as { kind?: string; suppressedBy?: readonly unknown[] };
        if (a.kind !== 'correlation' && (a.suppressedBy === undefined || a.suppressedBy.length === 0)) onAlert(alert as Alert);
        return '';
      },
      spill,
    );
    const builder = new BatchBuilder(ruleSet);
    const pool = threads > 0 && units.some((u) => u.kind === 'task') ? await MatchPool.start(threads, ruleSet, {}) : undefined;
    try {
      await runPlan(units, { session, builder, pool, recover, problems, progress: () => undefined });
    } finally {
      await pool?.close();
    }
    // Alerts still waiting for their process or DNS context are resolved (and handed over) here.
    for (const _ of session.finish());
    return { ...base, events: session.events, alerts: session.counts.total, problems };
  } finally {
    spill.dispose();
  }
}
