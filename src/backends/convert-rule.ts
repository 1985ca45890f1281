import { lowerLogsource } from '../compile/lower-logsource.js';
import { lowerRule } from '../compile/lower-rule.js';
import type { MatchNode } from '../compile/ir.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { LogsourceResolution } from '../pipeline/logsource-condition.js';
import type { SigmaRule } from '../rule/model.js';
import type { BackendSpec } from './backend-spec.js';
import { mapFields } from './map-fields.js';
import { renderCondition } from './render-condition.js';

export interface ConvertedRule {
  readonly rule: SigmaRule;
  /** Absent when the rule cannot be converted exactly (the diagnostics say why). */
  readonly query?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Converts one rule: its logsource as the pipeline resolves it (the same condition the engine adds) AND its detection,
 * field names mapped for the target, rendered in the target's dialect.
 */
export function convertRule(rule: SigmaRule, backend: BackendSpec, target: string, logsource: (rule: SigmaRule) => LogsourceResolution): ConvertedRule {
  const resolved = logsource(rule);
  if ('reason' in resolved) return { rule, diagnostics: [error('convert-logsource', `rule '${rule.title}' (${rule.id ?? 'no id'}): ${resolved.reason}`, rule.span)] };
  const lowered = lowerRule(rule);
  if (lowered.diagnostics.some((d) => d.severity === 'error')) return { rule, diagnostics: lowered.diagnostics };
  const full: MatchNode = { kind: 'and', children: [lowerLogsource(resolved.condition), lowered.ir] };
  const rendered = renderCondition(rule, mapFields(full, backend.fields), backend.dialect, target);
  const diagnostics = [...lowered.diagnostics, ...rendered.diagnostics];
  return rendered.condition === undefined ? { rule, diagnostics } : { rule, query: backend.query(rendered.condition), diagnostics };
}
