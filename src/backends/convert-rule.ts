import { lowerLogsource } from '../compile/lower-logsource.js';
import { lowerRule } from '../compile/lower-rule.js';
import type { MatchNode } from '../compile/ir.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { LogsourceResolution } from '../pipeline/logsource-condition.js';
import type { SigmaRule } from '../rule/model.js';
import type { BackendSpec, RuleSource } from './backend-spec.js';
import { mapFields } from './map-fields.js';
import { renderCondition } from './render-condition.js';

export interface ConvertedRule {
  readonly rule: SigmaRule;
  /** Absent when the rule cannot be converted exactly (the diagnostics say why). */
  readonly query?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Converts one rule: its logsource as the pipeline resolves it (the same condition the engine adds, or the target's
 * table for it) AND its detection, field names mapped for the target, rendered in the target's dialect; once for
 * each place the target keeps those events.
 */
export function convertRule(rule: SigmaRule, backend: BackendSpec, target: string, logsource: (rule: SigmaRule) => LogsourceResolution): ConvertedRule {
  const named = `rule '${rule.title}' (${rule.id ?? 'no id'})`;
  const resolved = logsource(rule);
  if ('reason' in resolved) return { rule, diagnostics: [error('convert-logsource', `${named}: ${resolved.reason}`, rule.span)] };
  const placement = backend.place(rule, resolved.condition);
  if (placement.kind === 'refused') return { rule, diagnostics: [error(placement.code, `${named} cannot be converted to ${target}: ${placement.reason}`, rule.span)] };
  const lowered = lowerRule(rule);
  if (lowered.diagnostics.some((d) => d.severity === 'error')) return { rule, diagnostics: lowered.diagnostics };
  const render = (form: { readonly sources: readonly RuleSource[]; readonly query: (conditions: readonly string[]) => string }): { query?: string; diagnostics: Diagnostic[] } => {
    const diagnostics: Diagnostic[] = [];
    const conditions: string[] = [];
    for (const source of form.sources) {
      const full: MatchNode = source.logsource === undefined ? lowered.ir : { kind: 'and', children: [lowerLogsource(source.logsource), lowered.ir] };
      const rendered = renderCondition(rule, mapFields(full, source.fields), source.dialect, target);
      diagnostics.push(...rendered.diagnostics);
      if (rendered.condition !== undefined) conditions.push(rendered.condition);
    }
    return conditions.length < form.sources.length ? { diagnostics } : { query: form.query(conditions), diagnostics };
  };
  let out = render(placement);
  if (out.query === undefined && placement.fallback !== undefined) out = render(placement.fallback);
  const diagnostics = [...lowered.diagnostics, ...out.diagnostics];
  return out.query === undefined ? { rule, diagnostics } : { rule, query: out.query, diagnostics };
}
