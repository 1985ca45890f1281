import type { YAMLMap } from 'yaml';
import { error, type Diagnostic, type Span } from '../diagnostics.js';
import type { SigmaFilter } from './model.js';
import { parseConditions } from './parse-conditions.js';
import { parseDetections, type DetectionOptions } from './parse-detection.js';
import { isUuid, parseLogsource } from './parse-metadata.js';
import type { NodeReader } from './yaml-nodes.js';

/** A filter (meta filter) document: logsource, filter.rules, selections and a condition string. */
export function parseFilter(r: NodeReader, map: YAMLMap, docSpan: Span, options: DetectionOptions, diagnostics: Diagnostic[]): SigmaFilter | null {
  const before = diagnostics.filter((d) => d.severity === 'error').length;
  const titleNode = r.asScalar(r.get(map, 'title'));
  if (titleNode === null || typeof titleNode.value !== 'string') diagnostics.push(error('title-missing', "the filter has no 'title'", docSpan));
  const idNode = r.asScalar(r.get(map, 'id'));
  if (idNode !== null && !isUuid(String(idNode.value))) diagnostics.push(error('id-invalid', `id '${String(idNode.value)}' is not a UUID`, r.span(idNode)));
  const logsource = parseLogsource(r, map, docSpan, diagnostics);
  const filterNode = r.get(map, 'filter');
  const filter = r.asMap(filterNode);
  if (filter === null) {
    diagnostics.push(error('filter-invalid', "'filter' must be a map with rules, selections and a condition", r.span(filterNode, docSpan)));
    return null;
  }
  const filterSpan = r.span(r.keyNode(map, 'filter'));
  const rulesNode = r.get(filter, 'rules');
  let rules: string[] | 'any' = [];
  const rulesScalar = r.asScalar(rulesNode);
  const rulesSeq = r.asSeq(rulesNode);
  if (rulesNode === null) diagnostics.push(error('filter-rules', "the filter needs 'rules' (rule ids or names, or any)", filterSpan));
  else if (rulesScalar !== null && rulesScalar.value === 'any') rules = 'any';
  else if (rulesScalar !== null && typeof rulesScalar.value === 'string') rules = [rulesScalar.value];
  else if (rulesSeq !== null) rules = rulesSeq.items.map((i) => String(r.asScalar(i)?.value ?? ''));
  else diagnostics.push(error('filter-rules', "'rules' must be a list of rule ids or names, or any", r.span(rulesNode)));
  if (Array.isArray(rules) && rules.length === 0 && rulesNode !== null) rules = 'any';

  const selectionMap = filter;
  const detections = parseDetections(r, selectionMap, options, diagnostics, ['condition', 'rules']);
  if (detections.size === 0) diagnostics.push(error('filter-selection', 'the filter has no selection', filterSpan));
  const conditions = parseConditions(r, r.get(filter, 'condition'), detections, filterSpan, diagnostics, false);
  if (diagnostics.filter((d) => d.severity === 'error').length > before || logsource === null || conditions.length !== 1) return null;
  return {
    kind: 'filter',
    file: r.file,
    span: docSpan,
    title: String(titleNode?.value ?? ''),
    ...(idNode !== null ? { id: String(idNode.value).toLowerCase() } : {}),
    logsource,
    rules,
    detections,
    condition: conditions[0] as SigmaFilter['condition'],
  };
}
