import { planInputs } from '../engine/plan-inputs.js';
import { runPlan } from '../engine/run-plan.js';
import type { CorrelationAlert } from '../engine/alert.js';
import { Correlator, whyNotFired, type CorrelationStats } from '../engine/correlate/correlator.js';
import { correlationClosure, planCorrelations, type PlannedCorrelation } from '../engine/correlate/plan-correlations.js';
import { HuntSession } from '../engine/hunt-session.js';
import { BatchBuilder } from '../engine/match-task.js';
import { RuleSet } from '../engine/rule-set.js';
import { SpillDir } from '../engine/spill.js';
import { formatInputProblem } from '../formats/input-item.js';
import { listInputs } from '../formats/read-input.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { SigmaCorrelation, SigmaFilter } from '../rule/model.js';
import type { RuleCollection } from '../rule/load-rules.js';

/** One correlation of the run (the explained one or one it references): its counts and, when quiet, why. */
export interface CorrelationOutcome {
  readonly planned: PlannedCorrelation;
  readonly stats: CorrelationStats;
  /** Per member (in the order of `rules:`), what it references and how many items it gave. */
  readonly members: ReadonlyArray<{ readonly reference: string; readonly kind: 'rule' | 'correlation' | 'selector'; readonly title?: string; readonly items: number }>;
  readonly whyNot?: string;
}

export type CorrelationRun =
  | { readonly ok: false; readonly reason: string }
  | {
      readonly ok: true;
      readonly files: number;
      readonly missing: readonly string[];
      readonly events: number;
      readonly problems: readonly string[];
      /** Rules the correlation needs that could not be loaded, with why. */
      readonly skipped: ReadonlyArray<{ readonly title: string; readonly reason: string }>;
      /** The explained correlation's alerts, as the hunt renders them. */
      readonly alerts: readonly CorrelationAlert[];
      readonly target: CorrelationOutcome;
      /** The correlations it references, directly or through others, inner ones first. */
      readonly inner: readonly CorrelationOutcome[];
      /** Base-rule matches the filters suppressed (they did not feed the correlation, as in the hunt). */
      readonly suppressed: number;
    };

/**
 * Runs one correlation over the inputs as the hunt does (the same rule set with the filters' gate, the same
 * planner, correlator and session), with only that correlation's alerts output, and reports each
 * correlation's statistics so a quiet one can say why.
 */
export async function runCorrelation(inputs: readonly string[], collection: RuleCollection, target: SigmaCorrelation, filters: readonly SigmaFilter[]): Promise<CorrelationRun> {
  const closure = correlationClosure([target], collection.rules, collection.correlations);
  const chosen = collection.rules.filter((r) => closure.rules.has(r));
  const ruleSet = RuleSet.compile(chosen, { filters, logsource: resolveWindowsLogsource });
  const skipped = ruleSet.skipped.map((s) => ({ title: s.rule.title, reason: s.reason }));
  const compiledRules = ruleSet.rules.map((r) => r.rule);
  const plan = planCorrelations(compiledRules, closure.correlations, { selected: new Set([target]), selectedRules: new Set(), onlyCorrelations: true });
  const dropped = plan.dropped.find((d) => d.correlation === target);
  const planned = plan.correlations.find((p) => p.correlation === target);
  if (dropped !== undefined || planned === undefined) return { ok: false, reason: dropped?.reason ?? 'it cannot run (see the load errors)' };

  const { files, sizes, missing, problems: listingProblems } = await listInputs(inputs);
  const problems = [...missing.map((m) => `${m}: error input-missing: no such file or folder`), ...listingProblems.map(formatInputProblem)];
  const spill = new SpillDir();
  try {
    const correlator = new Correlator(plan, spill);
    const alerts: CorrelationAlert[] = [];
    const session = new HuntSession(
      compiledRules,
      (alert) => {
        if ((alert as { kind?: string }).kind === 'correlation') alerts.push(alert as CorrelationAlert);
        return '';
      },
      spill,
      {},
      { correlator, silentRules: plan.silentRules },
      { filters, show: false },
    );
    if (files.length > 0) {
      const { units } = await planInputs(files, sizes, false);
      await runPlan(units, { session, builder: new BatchBuilder(ruleSet, { fields: plan.fields }), pool: undefined, recover: false, problems, progress: () => undefined });
    }
    for (const _ of session.finish());
    const outcome = (p: PlannedCorrelation): CorrelationOutcome => {
      const stats = correlator.stats[p.index] as CorrelationStats;
      const members = p.members.map((m, k) => {
        const title = m.kind === 'rule' ? compiledRules[m.rule]?.title : m.kind === 'correlation' ? plan.correlations[m.correlation]?.correlation.title : undefined;
        return { reference: p.correlation.rules[k] ?? String(k), kind: m.kind, ...(title !== undefined ? { title } : {}), items: stats.perMember[k] ?? 0 };
      });
      return { planned: p, stats, members, ...(stats.firings === 0 ? { whyNot: whyNotFired(p, stats, p.correlation.rules) } : {}) };
    };
    return {
      ok: true,
      files: files.length,
      missing,
      events: session.events,
      problems,
      skipped,
      alerts,
      target: outcome(planned),
      inner: plan.correlations.filter((p) => p !== planned).map(outcome),
      suppressed: session.counts.suppressedTotal,
    };
  } finally {
    spill.dispose();
  }
}

