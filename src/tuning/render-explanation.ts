import type { ConditionNode } from '../condition/ast.js';
import { selectIdentifiers } from '../condition/ast.js';
import type { Explanation, ItemExplanation } from '../engine/explain.js';
import type { FieldValue } from '../event/event.js';
import type { SigmaRule } from '../rule/model.js';
import type { FilterVerdict } from './filter-verdict.js';

const mark = (b: boolean) => (b ? 'true ' : 'false');
const show = (v: FieldValue | undefined): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The condition as a tree, each node with its value on the event (detections' values from the explanation). */
export function conditionTree(node: ConditionNode, rule: Pick<SigmaRule, 'detections'>, verdicts: ReadonlyMap<string, boolean>, depth = 0): { value: boolean; lines: string[] } {
  const pad = '  '.repeat(depth);
  switch (node.kind) {
    case 'identifier': {
      const value = verdicts.get(node.name) ?? false;
      return { value, lines: [`${pad}${mark(value)}  ${node.name}`] };
    }
    case 'selector': {
      const names = selectIdentifiers(node.pattern, rule.detections.keys());
      const values = names.map((n) => verdicts.get(n) ?? false);
      const value = node.quantifier === 'one' ? values.some(Boolean) : values.length > 0 && values.every(Boolean);
      const label = `${node.quantifier === 'one' ? '1' : 'all'} of ${node.pattern ?? 'them'}`;
      return { value, lines: [`${pad}${mark(value)}  ${label} (${names.map((n, i) => `${n}: ${values[i] === true}`).join(', ')})`] };
    }
    case 'not': {
      const inner = conditionTree(node.operand, rule, verdicts, depth + 1);
      return { value: !inner.value, lines: [`${pad}${mark(!inner.value)}  not`, ...inner.lines] };
    }
    case 'and':
    case 'or': {
      const parts = node.operands.map((o) => conditionTree(o, rule, verdicts, depth + 1));
      const value = node.kind === 'and' ? parts.every((p) => p.value) : parts.some((p) => p.value);
      return { value, lines: [`${pad}${mark(value)}  ${node.kind}`, ...parts.flatMap((p) => p.lines)] };
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

function itemLine(i: ItemExplanation): string {
  const name = `${i.field ?? '(keywords)'}${i.modifiers.length > 0 ? `|${i.modifiers.join('|')}` : ''}`;
  const decided = i.matched && i.matchedValues.length > 0 ? `, matched by ${i.matchedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  const values = i.ruleValues.length > 6 ? [...i.ruleValues.slice(0, 6).map((v) => JSON.stringify(v)), `... ${i.ruleValues.length - 6} more`] : i.ruleValues.map((v) => JSON.stringify(v));
  return `      ${mark(i.matched)}  ${name}: [${values.join(', ')}]  event: ${i.field === null ? '(whole event)' : show(i.eventValue)}${decided}`;
}

/** The detections with their items, each with its verdict and the values that decided it. */
export function detectionLines(e: Explanation): string[] {
  const lines: string[] = [];
  for (const d of e.detections) {
    lines.push(`    ${mark(d.matched)}  ${d.name}`);
    for (const i of d.items) lines.push(itemLine(i));
  }
  return lines;
}

/** A rule's explanation on an event, as the explain command prints it. */
export function renderExplanation(rule: SigmaRule, e: Explanation, filters: readonly FilterVerdict[]): string {
  const verdicts = new Map(e.detections.map((d) => [d.name, d.matched]));
  const lines: string[] = [];
  lines.push(`Rule: ${rule.title}${rule.id !== undefined ? ` (${rule.id})` : ''}, ${rule.file}`);
  lines.push(`  logsource ${JSON.stringify(rule.logsource)}: ${e.logsourceMatched ? 'the event is from it' : 'the event is NOT from it'}`);
  rule.conditions.forEach((c) => {
    lines.push(`  condition: ${c.text}`);
    for (const l of conditionTree(c.ast, rule, verdicts, 2).lines) lines.push(l);
  });
  lines.push('  detections:');
  lines.push(...detectionLines(e));
  const applying = filters.filter((f) => f.applies);
  if (filters.length > 0) {
    lines.push(`  filters: ${applying.length} of ${filters.length} apply to this rule`);
    for (const f of applying) {
      lines.push(`    ${f.suppresses ? 'SUPPRESSES' : 'keeps     '}  ${f.filter.title}${f.filter.id !== undefined ? ` (${f.filter.id})` : ''}, ${f.filter.file}: condition '${f.filter.condition.text}' is ${!f.suppresses}`);
      if (f.explanation !== undefined) for (const l of detectionLines(f.explanation)) lines.push(`    ${l}`);
    }
  }
  const suppressedBy = applying.filter((f) => f.suppresses);
  const verdict = !e.matched ? `no match: ${e.reason ?? ''}` : suppressedBy.length > 0 ? `match, SUPPRESSED by ${suppressedBy.map((f) => f.filter.title).join(', ')}` : 'match: the rule alerts';
  lines.push(`  verdict: ${verdict}`);
  return lines.join('\n') + '\n';
}
