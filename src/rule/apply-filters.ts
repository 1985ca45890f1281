import type { ConditionNode } from '../condition/ast.js';
import type { Detection, Logsource, SigmaCondition, SigmaFilter, SigmaRule } from './model.js';

/** The filter applies when every logsource field it sets equals the rule's (unset fields match anything). */
export function filterCoversLogsource(filter: Logsource, rule: Logsource): boolean {
  return (['category', 'product', 'service'] as const).every((k) => filter[k] === undefined || filter[k] === rule[k]);
}

export function filterTargetsRule(filter: SigmaFilter, rule: SigmaRule): boolean {
  if (!filterCoversLogsource(filter.logsource, rule.logsource)) return false;
  if (filter.rules === 'any') return true;
  return filter.rules.some((ref) => ref.toLowerCase() === rule.id || ref === rule.name || ref === rule.title);
}

/**
 * A filter's selections and condition as a rule of their own, compiled without a logsource (a filter's
 * logsource scopes the rules it reaches, not events): the hunt's filter gate and explain evaluate it so.
 */
export function filterAsRule(filter: SigmaFilter): SigmaRule {
  return {
    kind: 'rule',
    file: filter.file,
    span: filter.span,
    title: filter.title,
    ...(filter.id !== undefined ? { id: filter.id } : {}),
    logsource: filter.logsource,
    detections: filter.detections,
    conditions: [filter.condition],
    raw: {},
    references: [],
    falsepositives: [],
    tags: [],
    fields: [],
  };
}

/**
 * Applies Sigma filters at load time, as pySigma does (converters use this; hunts gate alerts instead, see
 * engine/filter-gates): the rule's condition becomes
 * `(condition) and (filter condition)` with the filter's identifiers renamed under a private
 * `_filt<N>_` prefix, so `1 of x*` and `them` in the rule never pick them up. An exclusion
 * is therefore written `not selection` in the filter.
 */
export function applyFilters(rule: SigmaRule, filters: readonly SigmaFilter[]): { rule: SigmaRule; applied: readonly SigmaFilter[] } {
  const applied = filters.filter((f) => filterTargetsRule(f, rule));
  if (applied.length === 0) return { rule, applied };
  const detections = new Map<string, Detection>(rule.detections);
  let conditions: SigmaCondition[] = [...rule.conditions];
  applied.forEach((filter, n) => {
    const prefix = `_filt${n}_`;
    for (const [name, d] of filter.detections) detections.set(prefix + name, { ...d, name: prefix + name });
    const filterAst = renameIdentifiers(filter.condition.ast, prefix);
    conditions = conditions.map((c) => ({
      ...c,
      text: `(${c.text}) and (${filter.condition.text})`,
      ast: { kind: 'and', operands: [c.ast, filterAst], span: c.ast.span },
    }));
  });
  return { rule: { ...rule, detections, conditions }, applied };
}

function renameIdentifiers(node: ConditionNode, prefix: string): ConditionNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { ...node, operands: node.operands.map((o) => renameIdentifiers(o, prefix)) };
    case 'not':
      return { ...node, operand: renameIdentifiers(node.operand, prefix) };
    case 'identifier':
      return { ...node, name: prefix + node.name };
    case 'selector':
      // `them` inside a filter means the filter's own identifiers.
      return { ...node, pattern: prefix + (node.pattern ?? '*') };
    default: {
      const never: never = node;
      return never;
    }
  }
}
