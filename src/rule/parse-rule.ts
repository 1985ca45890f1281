import type { YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import type { SigmaRule } from './model.js';
import { parseConditions } from './parse-conditions.js';
import { parseDetections, type DetectionOptions } from './parse-detection.js';
import { parseLogsource, parseMetadata } from './parse-metadata.js';
import type { NodeReader } from './yaml-nodes.js';

/** A detection rule document. Returns null when the rule cannot be evaluated; the reasons are in diagnostics. */
export function parseRule(r: NodeReader, map: YAMLMap, docSpan: Span, options: DetectionOptions, out: Diagnostic[]): SigmaRule | null {
  const diagnostics: Diagnostic[] = [];
  const rule = parseRuleBody(r, map, docSpan, options, diagnostics);
  const status = r.asScalar(r.get(map, 'status'))?.value;
  for (const d of diagnostics) {
    // A deprecated rule written in the removed aggregation syntax is why it was deprecated: say so, don't fail the lint.
    if (status === 'deprecated' && d.code === 'condition-aggregation') {
      out.push(warning(d.code, `${d.message} (deprecated rule, not loaded)`, d.span ?? docSpan));
    } else out.push(d);
  }
  if (status === 'unsupported') {
    out.push(warning('rule-unsupported', "SigmaHQ marks this rule 'unsupported': it relies on something Sigma cannot express; it is not loaded for hunting", r.span(r.get(map, 'status'))));
  }
  return rule;
}

function parseRuleBody(r: NodeReader, map: YAMLMap, docSpan: Span, options: DetectionOptions, diagnostics: Diagnostic[]): SigmaRule | null {
  const before = diagnostics.filter((d) => d.severity === 'error').length;
  const meta = parseMetadata(r, map, docSpan, diagnostics);
  const logsource = parseLogsource(r, map, docSpan, diagnostics);
  const detNode = r.get(map, 'detection');
  const detMap = r.asMap(detNode);
  if (detNode === null) diagnostics.push(error('detection-missing', "the rule has no 'detection'", docSpan));
  else if (detMap === null) diagnostics.push(error('detection-invalid', "'detection' must be a map", r.span(detNode)));
  let detections = new Map();
  let conditions: SigmaRule['conditions'] = [];
  if (detMap !== null) {
    detections = parseDetections(r, detMap, options, diagnostics);
    const hasIdentifiers = r.entries(detMap).some((e) => e.key !== 'condition' && e.key !== 'timeframe');
    if (!hasIdentifiers) diagnostics.push(error('detection-empty', 'the detection has no search identifiers', r.span(detNode)));
    conditions = parseConditions(r, r.get(detMap, 'condition'), detections, r.span(r.keyNode(map, 'detection')), diagnostics);
    const timeframe = r.get(detMap, 'timeframe');
    if (timeframe !== null) {
      diagnostics.push(error('condition-aggregation', "'timeframe' belongs to the removed aggregation syntax; use a correlation rule's timespan", r.span(timeframe)));
    }
  }
  const after = diagnostics.filter((d) => d.severity === 'error').length;
  if (after > before || logsource === null || detMap === null) return null;
  return {
    kind: 'rule',
    ...meta,
    file: r.file,
    span: docSpan,
    logsource,
    detections,
    conditions,
    raw: (r.toJS(map) ?? {}) as { readonly [k: string]: unknown },
  };
}
