import type { ConditionNode } from '../condition/ast.js';
import { selectIdentifiers } from '../condition/ast.js';
import type { Explanation, ItemExplanation } from '../engine/explain.js';
import type { FieldValue } from '../event/event.js';
import type { SigmaRule } from '../rule/model.js';
import type { FilterVerdict } from './filter-verdict.js';
import type { CorrelationAlert } from '../engine/alert.js';
import { alertSummary } from '../output/alert-fields.js';
import { correlationSummary } from '../output/correlation-fields.js';
import { correlationToEcs } from '../output/write-jsonl.js';
import type { CorrelationOutcome, CorrelationRun } from './explain-correlation.js';

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

const iso = (ms: number): string => new Date(ms).toISOString();

function conditionText(p: CorrelationOutcome['planned']): string {
  return p.spec.comparisons.map((c) => `${c.op} ${c.value}`).join(' and ');
}

/** A contributor as explain shows it: rule, time, host, file and record, process image (inner alerts nested). */
function contributorLines(a: CorrelationAlert, indent: string): string[] {
  const lines: string[] = [];
  for (const c of a.contributors) {
    if (c.kind === 'correlation') {
      const s = correlationSummary(c.alert);
      lines.push(`${indent}correlation ${s.rule}  [${s.group}] ${s.aggregateName}=${s.aggregate} (${s.condition}), window ${s.windowStart} to ${s.windowEnd}`);
      lines.push(...contributorLines(c.alert, `${indent}  `));
    } else {
      const s = alertSummary(c.alert);
      const src = c.alert.event.source;
      const at = src?.record !== undefined ? ` record ${src.record}` : src?.line !== undefined ? ` line ${src.line}` : '';
      lines.push(`${indent}${s.time}  ${s.rule}  host ${s.host || '(none)'}  ${s.file}${at}  image ${s.image || '(none)'}`);
    }
  }
  if (a.contributorCount > a.contributors.length) lines.push(`${indent}... ${a.contributorCount - a.contributors.length} more`);
  return lines;
}

function outcomeLines(o: CorrelationOutcome, indent: string): string[] {
  const c = o.planned.correlation;
  const lines = [`${indent}${c.title}${c.id !== undefined ? ` (${c.id})` : ''}: ${c.type}, condition ${conditionText(o.planned)}, ${o.stats.items} items in ${o.stats.groups} groups, fired ${o.stats.firings} times`];
  const member = (m: CorrelationOutcome['members'][number]) => `${m.reference}${m.title !== undefined ? ` (${m.kind} ${m.title})` : ` (${m.kind})`}`;
  // Many silent members (a correlation over a dozen rules) are one line; --format json lists each.
  const silent = o.members.filter((m) => m.items === 0);
  const collapse = silent.length > 3;
  for (const m of o.members) if (!collapse || m.items > 0) lines.push(`${indent}  ${member(m)}: ${m.items} ${m.kind === 'correlation' ? 'firings' : 'matches'}`);
  if (collapse) lines.push(`${indent}  ${silent.length} others, 0 matches each: ${silent.slice(0, 3).map((m) => m.title ?? m.reference).join(', ')}, ...`);
  if (o.whyNot !== undefined) lines.push(`${indent}  why not: ${o.whyNot}`);
  return lines;
}

/** A correlation run over logs, as `explain` prints it: each firing with its contributors, or why it never fired. */
export function renderCorrelationExplanation(run: Extract<CorrelationRun, { ok: true }>): string {
  const p = run.target.planned;
  const c = p.correlation;
  const lines: string[] = [];
  lines.push(`Correlation: ${c.title}${c.id !== undefined ? ` (${c.id})` : ''}, ${c.file}`);
  lines.push(`  ${c.type} over [${c.rules.join(', ')}]${c.groupBy.length > 0 ? ` by ${c.groupBy.join(', ')}` : ''} within ${c.timespan}s; condition: ${conditionText(p)}`);
  lines.push(`  logs: ${run.files} files, ${run.events} events${run.suppressed > 0 ? `; ${run.suppressed} matches suppressed by filters did not count` : ''}`);
  for (const s of run.skipped) lines.push(`  not loaded: ${s.title}: ${s.reason}`);
  lines.push('  referenced:');
  lines.push(...outcomeLines(run.target, '  ').slice(1));
  if (run.inner.length > 0) {
    lines.push('  inner correlations:');
    for (const o of run.inner) lines.push(...outcomeLines(o, '    '));
  }
  if (run.alerts.length > 0) {
    lines.push(`  firings: ${run.alerts.length}`);
    for (const a of run.alerts) {
      const s = correlationSummary(a);
      lines.push(`    ${s.group !== '' ? s.group : '(no group-by)'}: window ${s.windowStart} to ${s.windowEnd}, ${s.aggregateName}=${s.aggregate} (needs ${s.condition}), condition true at ${s.time}`);
      lines.push(...contributorLines(a, '      '));
    }
    lines.push(`  verdict: fired ${run.alerts.length} time${run.alerts.length === 1 ? '' : 's'}`);
  } else {
    lines.push(`  verdict: did not fire: ${run.target.whyNot ?? 'no window met the condition'}`);
  }
  return lines.join('\n') + '\n';
}

/** The same facts as JSON. */
export function correlationExplanationJson(run: Extract<CorrelationRun, { ok: true }>): object {
  const outcome = (o: CorrelationOutcome) => ({
    title: o.planned.correlation.title,
    id: o.planned.correlation.id,
    file: o.planned.correlation.file,
    type: o.planned.correlation.type,
    groupBy: o.planned.correlation.groupBy,
    timespan: o.planned.correlation.timespan,
    condition: o.planned.spec.comparisons,
    items: o.stats.items,
    groups: o.stats.groups,
    firings: o.stats.firings,
    missingGroup: o.stats.missingGroup,
    untimed: o.stats.untimed,
    members: o.members,
    ...(o.stats.nearest !== undefined && o.stats.firings === 0 ? { nearest: { ...o.stats.nearest, windowStart: iso(o.stats.nearest.windowStart), windowEnd: iso(o.stats.nearest.windowEnd) } } : {}),
    ...(o.whyNot !== undefined ? { whyNotFired: o.whyNot } : {}),
  });
  return {
    correlation: outcome(run.target),
    inner: run.inner.map(outcome),
    logs: { files: run.files, events: run.events, missing: run.missing, suppressedMatches: run.suppressed },
    skipped: run.skipped,
    fired: run.alerts.length > 0,
    firings: run.alerts.map((a) => ({ ...correlationSummary(a), group: Object.fromEntries(a.group), alert: correlationToEcs(a) })),
  };
}
