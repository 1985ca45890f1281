import type { Node, YAMLMap } from 'yaml';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import { LEVELS, STATUSES, type Level, type Logsource, type RuleMetadata, type Status } from './model.js';
import { validateTags } from './validate-tags.js';
import type { NodeReader } from './yaml-nodes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
const RELATED_TYPES = ['derived', 'obsolete', 'merged', 'renamed', 'similar'];

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** Title, id, status, level, dates, lists and tags: the metadata every rule and correlation shares. */
export function parseMetadata(r: NodeReader, map: YAMLMap, docSpan: Span, diagnostics: Diagnostic[]): RuleMetadata {
  const str = (key: string, max = Infinity): string | undefined => {
    const node = r.get(map, key);
    if (node === null) return undefined;
    const s = r.asScalar(node);
    if (s === null || typeof s.value !== 'string') {
      diagnostics.push(error('metadata-type', `'${key}' must be a string`, r.span(node)));
      return undefined;
    }
    if (s.value.length > max) diagnostics.push(error('metadata-type', `'${key}' is longer than ${max} characters`, r.span(node)));
    return s.value;
  };
  const list = (key: string, minLength = 0): { values: string[]; spans: Span[] } => {
    const node = r.get(map, key);
    if (node === null) return { values: [], spans: [] };
    const seq = r.asSeq(node);
    if (seq === null) {
      diagnostics.push(error('metadata-type', `'${key}' must be a list`, r.span(node)));
      return { values: [], spans: [] };
    }
    const values: string[] = [];
    const spans: Span[] = [];
    for (const item of seq.items) {
      const s = r.asScalar(item);
      if (s === null || s.value === null) {
        diagnostics.push(error('metadata-type', `'${key}' must be a list of strings`, r.span(r.resolve(item))));
        continue;
      }
      const v = String(s.value);
      if (v.length < minLength) diagnostics.push(warning('metadata-type', `'${key}' entries should be at least ${minLength} characters`, r.span(s)));
      values.push(v);
      spans.push(r.span(s));
    }
    return { values, spans };
  };

  const titleNode = r.get(map, 'title');
  let title = '';
  if (titleNode === null) diagnostics.push(error('title-missing', "the rule has no 'title'", docSpan));
  else title = str('title', 256) ?? '';

  const id = str('id');
  if (id !== undefined && !isUuid(id)) diagnostics.push(error('id-invalid', `id '${id}' is not a UUID`, r.span(r.get(map, 'id'))));
  const name = str('name', 256);
  if (name !== undefined && name === '') diagnostics.push(error('metadata-type', "'name' must not be empty", r.span(r.get(map, 'name'))));

  const status = str('status');
  if (status !== undefined && !STATUSES.includes(status as Status)) {
    diagnostics.push(error('status-invalid', `status '${status}' is not one of ${STATUSES.join(', ')}`, r.span(r.get(map, 'status'))));
  }
  const level = str('level');
  if (level !== undefined && !LEVELS.includes(level as Level)) {
    diagnostics.push(error('level-invalid', `level '${level}' is not one of ${LEVELS.join(', ')}`, r.span(r.get(map, 'level'))));
  }
  for (const key of ['date', 'modified']) {
    const node = r.get(map, key);
    if (node === null) continue;
    const s = r.asScalar(node);
    const v = s === null ? '' : String(s.value);
    if (!DATE.test(v)) {
      if (/^\d{4}\/\d{2}\/\d{2}$/.test(v)) diagnostics.push(warning('date-format', `'${key}' uses the v1 form YYYY/MM/DD; write YYYY-MM-DD`, r.span(node)));
      else diagnostics.push(error('date-invalid', `'${key}' must be a date YYYY-MM-DD`, r.span(node)));
    }
  }
  parseRelated(r, r.get(map, 'related'), diagnostics);
  const description = str('description', 65535);
  const author = str('author');
  str('license');
  const tags = list('tags');
  validateTags(tags.values, tags.spans, diagnostics);
  const dateNode = r.asScalar(r.get(map, 'date'));
  const modifiedNode = r.asScalar(r.get(map, 'modified'));
  return {
    title,
    ...(id !== undefined ? { id: id.toLowerCase() } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(status !== undefined && STATUSES.includes(status as Status) ? { status: status as Status } : {}),
    ...(level !== undefined && LEVELS.includes(level as Level) ? { level: level as Level } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(author !== undefined ? { author } : {}),
    ...(dateNode !== null ? { date: String(dateNode.value) } : {}),
    ...(modifiedNode !== null ? { modified: String(modifiedNode.value) } : {}),
    references: list('references').values,
    falsepositives: list('falsepositives', 2).values,
    tags: tags.values,
    fields: list('fields').values,
  };
}

function parseRelated(r: NodeReader, node: Node | null, diagnostics: Diagnostic[]): void {
  if (node === null) return;
  const seq = r.asSeq(node);
  if (seq === null) {
    diagnostics.push(error('related-invalid', "'related' must be a list of {id, type}", r.span(node)));
    return;
  }
  for (const item of seq.items) {
    const m = r.asMap(item);
    if (m === null) {
      diagnostics.push(error('related-invalid', "each 'related' entry is a map with id and type", r.span(r.resolve(item))));
      continue;
    }
    const id = r.asScalar(r.get(m, 'id'));
    const type = r.asScalar(r.get(m, 'type'));
    if (id === null || !isUuid(String(id.value))) {
      diagnostics.push(error('related-invalid', "'related' entry needs an 'id' that is a UUID", r.span(id ?? m)));
    }
    if (type === null || !RELATED_TYPES.includes(String(type.value))) {
      diagnostics.push(error('related-invalid', `'related' type must be one of ${RELATED_TYPES.join(', ')}`, r.span(type ?? m)));
    }
  }
}

/** The logsource map: category/product/service/definition strings, at least one of the first three. */
export function parseLogsource(r: NodeReader, map: YAMLMap, docSpan: Span, diagnostics: Diagnostic[]): Logsource | null {
  const node = r.get(map, 'logsource');
  if (node === null) {
    diagnostics.push(error('logsource-missing', "the rule has no 'logsource'", docSpan));
    return null;
  }
  const ls = r.asMap(node);
  if (ls === null) {
    diagnostics.push(error('logsource-invalid', "'logsource' must be a map", r.span(node)));
    return null;
  }
  const out: { category?: string; product?: string; service?: string; definition?: string } = {};
  for (const { key, value } of r.entries(ls)) {
    const s = r.asScalar(value);
    if (!['category', 'product', 'service', 'definition'].includes(key)) continue;
    if (s === null || typeof s.value !== 'string') {
      diagnostics.push(error('logsource-invalid', `logsource '${key}' must be a string`, r.span(value ?? ls)));
      continue;
    }
    out[key as 'category'] = s.value;
  }
  if (out.category === undefined && out.product === undefined && out.service === undefined) {
    diagnostics.push(error('logsource-invalid', 'logsource needs at least one of category, product, service', r.span(node)));
  }
  return out;
}
