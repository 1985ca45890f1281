import type { YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import type { CompareKey, CorrelationCondition, CorrelationType, SigmaCorrelation } from './model.js';
import { parseMetadata } from './parse-metadata.js';
import type { NodeReader } from './yaml-nodes.js';

const SPEC_TYPES: readonly CorrelationType[] = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
];
const COMPARE_KEYS: readonly CompareKey[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2629746, y: 31556952 };

/** Parses a timespan such as `90m`; spec units s/m/h/d, pySigma's w/M/y accepted with a warning. */
export function parseTimespan(text: string): { seconds: number; nonStandard: boolean } | null {
  const m = /^([1-9]\d*)([smhdwMy])$/.exec(text.trim());
  if (m === null) return null;
  const unit = m[2] as string;
  return { seconds: Number(m[1]) * (UNIT_SECONDS[unit] ?? 0), nonStandard: !'smhd'.includes(unit) };
}

/** A correlation document: type, rules, group-by, timespan, condition, aliases, generate. */
export function parseCorrelation(r: NodeReader, map: YAMLMap, docSpan: Span, diagnostics: Diagnostic[]): SigmaCorrelation | null {
  const before = diagnostics.filter((d) => d.severity === 'error').length;
  const meta = parseMetadata(r, map, docSpan, diagnostics);
  const corrNode = r.get(map, 'correlation');
  const corr = r.asMap(corrNode);
  if (corr === null) {
    diagnostics.push(error('correlation-invalid', "'correlation' must be a map", r.span(corrNode, docSpan)));
    return null;
  }
  const corrSpan = r.span(r.keyNode(map, 'correlation'));
  const typeNode = r.asScalar(r.get(corr, 'type'));
  const type = typeNode === null ? undefined : String(typeNode.value);
  let ctype: CorrelationType = 'event_count';
  if (type === undefined) diagnostics.push(error('correlation-type', "the correlation has no 'type'", corrSpan));
  else if (type === 'value_median') {
    diagnostics.push(warning('correlation-nonstandard', "'value_median' is a pySigma extension, not in the Sigma spec", r.span(typeNode)));
    ctype = type;
  } else if (!SPEC_TYPES.includes(type as CorrelationType)) {
    diagnostics.push(error('correlation-type', `correlation type '${type}' is not one of ${SPEC_TYPES.join(', ')}`, r.span(typeNode)));
  } else ctype = type as CorrelationType;

  const temporal = ctype === 'temporal' || ctype === 'temporal_ordered';
  const rules = stringList(r, corr, 'rules', diagnostics, corrSpan, true);
  const conditionNode = r.get(corr, 'condition');
  const extendedCondition = temporal && r.asScalar(conditionNode) !== null && typeof r.asScalar(conditionNode)?.value === 'string';
  if (rules.length === 0 && !extendedCondition) diagnostics.push(error('correlation-rules', "the correlation needs 'rules'", corrSpan));
  const groupBy = stringList(r, corr, 'group-by', diagnostics, corrSpan, false);

  const tsNode = r.asScalar(r.get(corr, 'timespan'));
  let timespan = 0;
  if (tsNode === null) diagnostics.push(error('correlation-timespan', "the correlation needs a 'timespan' such as 5m", corrSpan));
  else {
    const ts = parseTimespan(String(tsNode.value));
    if (ts === null) diagnostics.push(error('correlation-timespan', `timespan '${String(tsNode.value)}' must be a number followed by s, m, h or d`, r.span(tsNode)));
    else {
      timespan = ts.seconds;
      if (ts.nonStandard) diagnostics.push(warning('correlation-nonstandard', 'timespan units w, M and y are pySigma extensions', r.span(tsNode)));
    }
  }

  let condition: CorrelationCondition | undefined;
  if (extendedCondition) {
    diagnostics.push(warning('correlation-nonstandard', 'a string condition on a temporal correlation is a pySigma extension', r.span(conditionNode)));
  } else if (conditionNode !== null) {
    condition = parseCorrelationCondition(r, conditionNode, ctype, diagnostics);
  } else if (!temporal) {
    diagnostics.push(error('correlation-condition', `a ${ctype} correlation needs a 'condition'`, corrSpan));
  }

  const aliases = parseAliases(r, corr, diagnostics);
  // The spec puts generate at the top level; pySigma and Hayabusa read it inside `correlation`.
  const topNode = r.get(map, 'generate');
  const nestedNode = r.get(corr, 'generate');
  for (const node of [topNode, nestedNode]) {
    const g = r.asScalar(node);
    if (node !== null && (g === null || typeof g.value !== 'boolean')) diagnostics.push(error('correlation-generate', "'generate' must be true or false", r.span(node)));
  }
  if (nestedNode !== null) {
    const top = r.asScalar(topNode)?.value;
    const nested = r.asScalar(nestedNode)?.value;
    if (topNode !== null && top !== nested) diagnostics.push(error('correlation-generate', "'generate' is given at the top level and inside 'correlation' with different values", r.span(nestedNode)));
    else diagnostics.push(warning('correlation-generate-nested', "'generate' belongs at the top level of the document (Sigma 2.1); read here as pySigma does", r.span(r.keyNode(corr, 'generate'))));
  }
  const gen = r.asScalar(topNode ?? nestedNode);
  for (const { key, keyNode } of r.entries(corr)) {
    if (!['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate'].includes(key)) {
      diagnostics.push(warning('correlation-unknown-key', `unknown correlation key '${key}'`, r.span(keyNode)));
    }
  }
  if (diagnostics.filter((d) => d.severity === 'error').length > before) return null;
  return {
    kind: 'correlation',
    ...meta,
    file: r.file,
    span: docSpan,
    type: ctype,
    rules,
    groupBy,
    timespan,
    ...(condition !== undefined ? { condition } : {}),
    aliases,
    generate: gen !== null && gen.value === true,
    raw: (r.toJS(map) ?? {}) as { readonly [k: string]: unknown },
  };
}

function stringList(r: NodeReader, map: YAMLMap, key: string, diagnostics: Diagnostic[], span: Span, unique: boolean): string[] {
  const node = r.get(map, key);
  if (node === null) return [];
  const scalar = r.asScalar(node);
  if (scalar !== null && typeof scalar.value === 'string') return [scalar.value];
  const seq = r.asSeq(node);
  if (seq === null) {
    diagnostics.push(error(`correlation-${key === 'rules' ? 'rules' : 'group-by'}`, `'${key}' must be a list of strings`, r.span(node, span)));
    return [];
  }
  const out: string[] = [];
  for (const item of seq.items) {
    const s = r.asScalar(item);
    if (s === null || s.value === null) continue;
    const v = String(s.value);
    if (unique && out.includes(v)) diagnostics.push(warning('correlation-duplicate-rule', `'${v}' is listed twice`, r.span(s)));
    out.push(v);
  }
  return out;
}

function parseCorrelationCondition(r: NodeReader, node: NonNullable<ReturnType<NodeReader['get']>>, type: CorrelationType, diagnostics: Diagnostic[]): CorrelationCondition | undefined {
  const m = r.asMap(node);
  if (m === null) {
    diagnostics.push(error('correlation-condition', 'the correlation condition is a map such as {gte: 10}', r.span(node)));
    return undefined;
  }
  const comparisons: Array<{ op: CompareKey; value: number }> = [];
  let field: string[] | undefined;
  let percentile: number | undefined;
  for (const { key, keyNode, value } of r.entries(m)) {
    if (key === 'field') {
      const s = r.asScalar(value);
      const seq = r.asSeq(value);
      if (s !== null && typeof s.value === 'string') field = [s.value];
      else if (seq !== null) field = seq.items.map((i) => String(r.asScalar(i)?.value ?? ''));
      else diagnostics.push(error('correlation-condition', "'field' must be a field name or a list of them", r.span(value ?? keyNode)));
    } else if (key === 'percentile') {
      const s = r.asScalar(value);
      percentile = typeof s?.value === 'number' ? s.value : undefined;
      diagnostics.push(warning('correlation-nonstandard', "'percentile' is a pySigma extension", r.span(keyNode)));
    } else if (COMPARE_KEYS.includes(key as CompareKey)) {
      const s = r.asScalar(value);
      if (s === null || typeof s.value !== 'number') {
        diagnostics.push(error('correlation-condition', `'${key}' needs a number`, r.span(value ?? keyNode)));
      } else comparisons.push({ op: key as CompareKey, value: s.value });
    } else {
      diagnostics.push(error('correlation-condition', `condition key '${key}' is not one of gt, gte, lt, lte, eq, neq, field`, r.span(keyNode)));
    }
  }
  const needsField = type === 'value_count' || type === 'value_sum' || type === 'value_avg' || type === 'value_percentile' || type === 'value_median';
  if (needsField && field === undefined) diagnostics.push(error('correlation-field', `a ${type} correlation needs 'field' in its condition`, r.span(node)));
  if (!needsField && field !== undefined) diagnostics.push(warning('correlation-field-ignored', `'field' has no meaning for a ${type} correlation and is ignored`, r.span(r.keyNode(m, 'field'))));
  if (type !== 'value_count' && field !== undefined && field.length > 1 && needsField) diagnostics.push(error('correlation-field', `a ${type} correlation takes one numeric field, not a list`, r.span(node)));
  if (type === 'value_percentile' && percentile === undefined) diagnostics.push(error('correlation-percentile', "a value_percentile correlation needs 'percentile' (0-100) in its condition", r.span(node)));
  if (percentile !== undefined && (percentile < 0 || percentile > 100)) diagnostics.push(error('correlation-percentile', "'percentile' must be between 0 and 100", r.span(node)));
  if (comparisons.length === 0) diagnostics.push(error('correlation-condition', 'the condition needs one of gt, gte, lt, lte, eq, neq', r.span(node)));
  if (comparisons.length > 2) diagnostics.push(error('correlation-condition', 'at most two operators (a range such as gt and lte) may be combined', r.span(node)));
  else if (comparisons.length === 2 && !satisfiable(comparisons)) diagnostics.push(error('correlation-condition', `the range ${comparisons.map((c) => `${c.op} ${c.value}`).join(' and ')} holds for no value`, r.span(node)));
  if (type !== 'value_avg' && type !== 'value_sum' && type !== 'value_percentile' && type !== 'value_median' && comparisons.some((c) => !Number.isInteger(c.value))) {
    diagnostics.push(error('correlation-condition', `a ${type} correlation counts: its thresholds must be whole numbers`, r.span(node)));
  }
  return { comparisons, ...(field !== undefined ? { field } : {}), ...(percentile !== undefined ? { percentile } : {}) };
}

/** Whether two ANDed comparisons can both hold (a contradictory range is a mistake, not a rule that never fires). */
function satisfiable(comparisons: ReadonlyArray<{ op: CompareKey; value: number }>): boolean {
  let lo = -Infinity;
  let hi = Infinity;
  let loOpen = false;
  let hiOpen = false;
  for (const c of comparisons) {
    if (c.op === 'gt' || c.op === 'gte') {
      if (c.value > lo || (c.value === lo && c.op === 'gt')) [lo, loOpen] = [c.value, c.op === 'gt'];
    } else if (c.op === 'lt' || c.op === 'lte') {
      if (c.value < hi || (c.value === hi && c.op === 'lt')) [hi, hiOpen] = [c.value, c.op === 'lt'];
    } else if (c.op === 'eq') {
      if (c.value < lo || c.value > hi) return false;
      [lo, hi, loOpen, hiOpen] = [c.value, c.value, false, false];
    }
  }
  return lo < hi || (lo === hi && !loOpen && !hiOpen);
}

function parseAliases(r: NodeReader, corr: YAMLMap, diagnostics: Diagnostic[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const node = r.get(corr, 'aliases');
  if (node === null) return out;
  const m = r.asMap(node);
  if (m === null) {
    diagnostics.push(error('correlation-alias', "'aliases' must be a map of alias → {rule name: field}", r.span(node)));
    return out;
  }
  for (const { key, value } of r.entries(m)) {
    const inner = r.asMap(value);
    if (inner === null) {
      diagnostics.push(error('correlation-alias', `alias '${key}' must map rule names to fields`, r.span(value)));
      continue;
    }
    const fields = new Map<string, string>();
    for (const e of r.entries(inner)) fields.set(e.key, String(r.asScalar(e.value)?.value ?? ''));
    out.set(key, fields);
  }
  return out;
}
