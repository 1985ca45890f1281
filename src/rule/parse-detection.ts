import type { Node, Scalar, YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import { applyChain, checkModifierChain, initialValue } from '../modifiers/apply-modifiers.js';
import { isWildcard, type StrPart, type ValuePattern } from '../modifiers/value-pattern.js';
import type { ItemState } from '../modifiers/working-value.js';
import type { Detection, DetectionItem, DetectionNode } from './model.js';
import type { NodeReader } from './yaml-nodes.js';

export interface DetectionOptions {
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /** Linting: an unresolved placeholder is a warning, and the rule is kept for checking. */
  readonly keepUnresolvedPlaceholders: boolean;
}

type ScalarValue = string | number | boolean | null;

const STRING_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'windash', 'base64', 'base64offset', 'utf16le', 'wide', 'utf16be', 'utf16', 're', 'cidr', 'fieldref', 'cased', 'expand']);

/** Parses every search identifier of a `detection` (or filter) map, skipping `condition`. */
export function parseDetections(
  r: NodeReader,
  map: YAMLMap,
  options: DetectionOptions,
  diagnostics: Diagnostic[],
  reserved: readonly string[] = ['condition', 'timeframe'],
): Map<string, Detection> {
  const detections = new Map<string, Detection>();
  for (const { key, keyNode, value } of r.entries(map)) {
    if (reserved.includes(key)) continue;
    const span = r.span(keyNode);
    const node = parseDefinition(r, value, span, options, diagnostics);
    // A definition that failed still names an identifier, so the condition check does not cascade.
    detections.set(key, { name: key, node: node ?? { kind: 'anyOf', items: [] }, span });
  }
  return detections;
}

function parseDefinition(
  r: NodeReader,
  node: Node | null,
  keySpan: Span,
  options: DetectionOptions,
  diagnostics: Diagnostic[],
): DetectionNode | null {
  const map = r.asMap(node);
  if (map !== null) return parseMap(r, map, keySpan, options, diagnostics);
  const seq = r.asSeq(node);
  if (seq !== null) {
    const items = seq.items.map((i) => r.resolve(i));
    if (items.length === 0) {
      diagnostics.push(error('detection-empty', 'search identifier has an empty definition', keySpan));
      return null;
    }
    const scalars = items.filter((i) => r.asScalar(i) !== null);
    const alternatives: DetectionNode[] = [];
    if (scalars.length > 0) {
      const kw = parseItem(r, null, [], scalars as Node[], r.span(node), options, diagnostics);
      if (kw !== null) alternatives.push(kw);
    }
    for (const item of items) {
      if (r.asScalar(item) !== null) continue;
      const m = r.asMap(item);
      if (m === null) {
        diagnostics.push(error('detection-invalid', 'a list under a search identifier holds strings or maps, not nested lists', r.span(item)));
        continue;
      }
      const parsed = parseMap(r, m, r.span(item), options, diagnostics);
      if (parsed !== null) alternatives.push(parsed);
    }
    if (alternatives.length === 0) return null;
    return alternatives.length === 1 ? (alternatives[0] as DetectionNode) : { kind: 'anyOf', items: alternatives };
  }
  const scalar = r.asScalar(node);
  if (scalar !== null && scalar.value !== null && scalar.value !== '') {
    return parseItem(r, null, [], [scalar], r.span(scalar), options, diagnostics);
  }
  diagnostics.push(error('detection-empty', 'search identifier has an empty definition', keySpan));
  return null;
}

function parseMap(
  r: NodeReader,
  map: YAMLMap,
  span: Span,
  options: DetectionOptions,
  diagnostics: Diagnostic[],
): DetectionNode | null {
  const entries = r.entries(map);
  if (entries.length === 0) {
    diagnostics.push(error('detection-empty', 'search identifier has an empty definition', span));
    return null;
  }
  const items: DetectionNode[] = [];
  for (const { key, keyNode, value } of entries) {
    const [field, ...mods] = key.split('|');
    const keySpan = r.span(keyNode);
    const seq = r.asSeq(value);
    let valueNodes: Node[];
    if (seq !== null) valueNodes = seq.items.map((i) => r.resolve(i)).filter((i): i is Node => i !== null);
    else if (r.asMap(value) !== null) {
      diagnostics.push(error('detection-invalid', `field '${field}' has a map as its value; use a list of values`, r.span(value)));
      continue;
    } else valueNodes = value === null ? [] : [value];
    const item = parseItem(r, field === '' ? null : (field ?? ''), mods, valueNodes, keySpan, options, diagnostics);
    if (item !== null) items.push(item);
  }
  if (items.length === 0) return null;
  return items.length === 1 ? (items[0] as DetectionNode) : { kind: 'allOf', items };
}

function parseItem(
  r: NodeReader,
  field: string | null,
  written: readonly string[],
  valueNodes: readonly Node[],
  span: Span,
  options: DetectionOptions,
  diagnostics: Diagnostic[],
): DetectionNode | null {
  const chain = checkModifierChain(written, field === null);
  for (const p of chain.errors) diagnostics.push(error(p.code, p.message, span));
  for (const p of chain.warnings) diagnostics.push(warning(p.code, p.message, span));
  if (chain.errors.length > 0) return null;

  const scalars: Array<{ value: ScalarValue; node: Node | null }> = [];
  if (valueNodes.length === 0) {
    // `Field:` (YAML null) or `Field: []`: pySigma reads both as a null check.
    scalars.push({ value: null, node: null });
  }
  for (const n of valueNodes) {
    const s = r.asScalar(n);
    if (s === null) {
      diagnostics.push(error('detection-invalid', 'a value list holds only scalars (strings, numbers, booleans, null)', r.span(n)));
      return null;
    }
    scalars.push({ value: scalarOf(s), node: n });
  }
  if (scalars.length > 1 && scalars.some((s) => s.value === null)) {
    const bad = scalars.find((s) => s.value === null);
    diagnostics.push(
      error('null-in-list', 'null cannot appear in a list of values; put it in its own selection and combine with 1 of', r.span(bad?.node, span)),
    );
    return null;
  }
  if (field === null && scalars.some((s) => s.value === null)) {
    diagnostics.push(error('keyword-null', 'a null value must be bound to a field', span));
    return null;
  }
  const state: ItemState = { cased: false, linkAll: false, negate: false };
  const values: ValuePattern[] = [];
  const stringChain = chain.modifiers.some((m) => STRING_MODIFIERS.has(m));
  for (const { value, node } of scalars) {
    const vspan = node === null ? span : r.span(node);
    let start = initialValue(value);
    if (typeof value === 'number' && stringChain) {
      // pySigma rejects this; the spec notes allow coercion, which keeps such SigmaHQ rules usable.
      diagnostics.push(warning('number-coerced', `the number ${value} is used as the string '${value}' by a string modifier; quote it`, vspan));
      start = { kind: 'raw', text: String(value) };
    }
    const pattern = applyChain(start, chain.modifiers, { values: options.placeholders, keepUnresolved: options.keepUnresolvedPlaceholders }, state);
    if ('code' in pattern && !('kind' in pattern)) {
      diagnostics.push(error(pattern.code, pattern.message, vspan));
      return null;
    }
    const pat = pattern as ValuePattern;
    if (pat.kind === 'placeholder') {
      diagnostics.push(
        warning('placeholder-unresolved', `placeholder ${pat.names.map((n) => `%${n}%`).join(', ')} needs a value before the rule can be evaluated (--placeholder NAME=VALUE)`, vspan),
      );
    }
    values.push(pat);
    valueWarnings(value, pat, chain.modifiers.length === 0, field, vspan, diagnostics);
  }
  if (state.linkAll && scalars.length === 1) {
    diagnostics.push(warning('all-single-value', "'all' with a single value: the spec does not allow it, and it changes nothing", span));
  }
  const item: DetectionItem = {
    field,
    modifiers: chain.modifiers,
    linkAll: state.linkAll,
    negate: state.negate,
    values,
    written: scalars.map((s) => (s.value === null ? 'null' : String(s.value))),
    span,
  };
  return { kind: 'item', item };
}

function scalarOf(s: Scalar): ScalarValue {
  const v = s.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  return String(v);
}

function valueWarnings(
  value: ScalarValue,
  pattern: ValuePattern,
  unmodified: boolean,
  field: string | null,
  span: Span,
  diagnostics: Diagnostic[],
): void {
  if (typeof value !== 'string') return;
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) {
    diagnostics.push(warning('control-character', 'value contains a control character', span));
  }
  if (pattern.kind === 'regex' && /^\(\?[ims]+\)/.test(value)) {
    diagnostics.push(warning('regex-inline-flag', "inline regex flags like (?i) are deprecated in Sigma 2.2; use the |i, |m, |s modifiers", span));
  }
  if (pattern.kind !== 'string') return;
  if (/^\s*[<>]=?\s*\d+(\.\d+)?\s*$/.test(value)) {
    diagnostics.push(warning('comparison-as-string', `'${value}' is compared as text, not as a number; use |gt, |gte, |lt or |lte`, span));
  }
  if (unmodified && field !== null && /^-?\d+$/.test(value) && field === 'EventID') {
    diagnostics.push(warning('number-as-string', `number written as a string ('${value}'); write it unquoted`, span));
  }
  const parts = pattern.parts;
  for (let k = 1; k < parts.length; k++) {
    const a = parts[k - 1];
    const b = parts[k];
    if (a !== undefined && b !== undefined && isWildcard(a) && isWildcard(b) && a.wildcard === '*' && b.wildcard === '*') {
      diagnostics.push(warning('double-wildcard', "'**' is the same as '*'", span));
      break;
    }
  }
  if (unmodified && field !== null && parts.length >= 2 && wildcardsOnlyAtEnds(parts)) {
    diagnostics.push(warning('wildcard-instead-of-modifier', "a leading or trailing '*' is clearer as contains/startswith/endswith", span));
  }
  if (/\\[*?]/.test(value) && !/\\\\[*?]/.test(value)) {
    diagnostics.push(warning('escaped-wildcard', 'value contains an escaped wildcard (\\* or \\?): it is matched literally', span));
  }
}

/** `*abc`, `abc*`, `*abc*` with no other wildcard: a job for endswith/startswith/contains. */
function wildcardsOnlyAtEnds(parts: readonly StrPart[]): boolean {
  const star = (p: StrPart | undefined) => p !== undefined && isWildcard(p) && p.wildcard === '*';
  const literals = parts.filter((p) => !isWildcard(p));
  const starsAtEnds = (star(parts[0]) ? 1 : 0) + (star(parts[parts.length - 1]) ? 1 : 0);
  return literals.length === 1 && starsAtEnds > 0 && starsAtEnds + literals.length === parts.length;
}
