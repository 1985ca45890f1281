import { error } from '../diagnostics.js';
import { planCorrelations, type PlannedCorrelation } from '../engine/correlate/plan-correlations.js';
import type { SigmaCorrelation, SigmaRule } from '../rule/model.js';
import type { ConvertedCorrelation } from './sql/sql-correlation.js';

/** Why one correlation cannot be converted: its message ends the diagnostic. */
export class CorrelationRefused extends Error {}

/**
 * The part every correlation target shares: plan the collection's correlations as a hunt would (references resolved,
 * inner ones first), convert each once (`convertOne` may ask for an inner correlation's result through `inner`), and
 * turn a refusal, the correlation's own or an inner one's, into a diagnostic naming the correlation and the reason.
 */
export function convertPlannedCorrelations<R>(
  target: string,
  rules: readonly SigmaRule[],
  correlations: readonly SigmaCorrelation[],
  convertOne: (p: PlannedCorrelation, inner: (index: number) => { result: R; planned: PlannedCorrelation }) => R,
  queryOf: (result: R) => string,
): ConvertedCorrelation[] {
  const plan = planCorrelations(rules, correlations, { selected: new Set(correlations), selectedRules: new Set(rules) });
  const named = (c: SigmaCorrelation) => `correlation '${c.title}' (${c.id ?? 'no id'})`;
  const out = new Map<SigmaCorrelation, ConvertedCorrelation>();
  for (const d of plan.dropped) out.set(d.correlation, { correlation: d.correlation, diagnostics: [error('convert-correlation', `${named(d.correlation)}: ${d.reason}`, d.correlation.span)] });
  const done = new Map<number, { result: R } | { reason: string }>();
  const build = (p: PlannedCorrelation): R => {
    const have = done.get(p.index);
    if (have !== undefined) {
      if ('result' in have) return have.result;
      throw new CorrelationRefused(`it references '${p.correlation.title}', which cannot be converted: ${have.reason}`);
    }
    try {
      const result = convertOne(p, (index) => {
        const planned = plan.correlations[index] as PlannedCorrelation;
        return { result: build(planned), planned };
      });
      done.set(p.index, { result });
      return result;
    } catch (e) {
      if (e instanceof CorrelationRefused && !done.has(p.index)) done.set(p.index, { reason: e.message });
      throw e;
    }
  };
  for (const p of plan.correlations) {
    try {
      out.set(p.correlation, { correlation: p.correlation, query: queryOf(build(p)), diagnostics: [] });
    } catch (e) {
      if (!(e instanceof CorrelationRefused)) throw e;
      out.set(p.correlation, { correlation: p.correlation, diagnostics: [error('convert-correlation', `${named(p.correlation)} cannot be converted to ${target}: ${e.message}`, p.correlation.span)] });
    }
  }
  return correlations.map((c) => out.get(c) ?? { correlation: c, diagnostics: [error('convert-correlation', `${named(c)}: not planned`, c.span)] });
}
