import type { ConditionNode } from '../condition/ast.js';
import { selectIdentifiers } from '../condition/ast.js';
import { error, type Diagnostic } from '../diagnostics.js';
import { wrapWithWildcards } from '../modifiers/contains.js';
import { isWildcard, type StrPart, type ValuePattern } from '../modifiers/value-pattern.js';
import type { Detection, DetectionItem, DetectionNode, SigmaRule } from '../rule/model.js';
import type { ItemOrigin, MatchNode, ValueTest } from './ir.js';

export interface LoweredRule {
  readonly ir: MatchNode;
  readonly diagnostics: readonly Diagnostic[];
}

/** Lowers a parsed rule into IR: the condition (several conditions OR-ed) with each identifier inlined. */
export function lowerRule(rule: SigmaRule): LoweredRule {
  const diagnostics: Diagnostic[] = [];
  const cache = new Map<string, MatchNode>();
  const detectionNode = (name: string): MatchNode => {
    let node = cache.get(name);
    if (node === undefined) {
      const d = rule.detections.get(name);
      node = d === undefined ? { kind: 'const', value: false } : { kind: 'detection', name, child: lowerDetection(d, diagnostics) };
      cache.set(name, node);
    }
    return node;
  };
  const conditions = rule.conditions.map((c) => lowerCondition(c.ast, rule.detections, detectionNode));
  const ir: MatchNode = conditions.length === 1 ? (conditions[0] as MatchNode) : { kind: 'or', children: conditions };
  return { ir, diagnostics };
}

function lowerCondition(node: ConditionNode, detections: ReadonlyMap<string, Detection>, ref: (name: string) => MatchNode): MatchNode {
  switch (node.kind) {
    case 'and':
      return { kind: 'and', children: node.operands.map((o) => lowerCondition(o, detections, ref)) };
    case 'or':
      return { kind: 'or', children: node.operands.map((o) => lowerCondition(o, detections, ref)) };
    case 'not':
      return { kind: 'not', child: lowerCondition(node.operand, detections, ref) };
    case 'identifier':
      return ref(node.name);
    case 'selector': {
      const children = selectIdentifiers(node.pattern, detections.keys()).map(ref);
      if (children.length === 1) return children[0] as MatchNode;
      return { kind: node.quantifier === 'one' ? 'or' : 'and', children };
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}

function lowerDetection(d: Detection, diagnostics: Diagnostic[]): MatchNode {
  const walk = (n: DetectionNode): MatchNode => {
    switch (n.kind) {
      case 'allOf':
        return n.items.length === 1 ? walk(n.items[0] as DetectionNode) : { kind: 'and', children: n.items.map(walk) };
      case 'anyOf':
        return n.items.length === 1 ? walk(n.items[0] as DetectionNode) : { kind: 'or', children: n.items.map(walk) };
      case 'item':
        return lowerItem(d.name, n.item, diagnostics);
      default: {
        const never: never = n;
        return never;
      }
    }
  };
  return walk(d.node);
}

function lowerItem(detection: string, item: DetectionItem, diagnostics: Diagnostic[]): MatchNode {
  const origin: ItemOrigin = {
    detection,
    field: item.field,
    modifiers: item.modifiers,
    written: item.written,
    linkAll: item.linkAll,
    negate: item.negate,
  };
  const tests = item.values.map((v) => lowerValue(item.field, v, item, diagnostics));
  let child: MatchNode = tests.length === 1 ? (tests[0] as MatchNode) : { kind: item.linkAll ? 'and' : 'or', children: tests };
  if (item.negate) child = { kind: 'not', child };
  return { kind: 'item', origin, child };
}

function lowerValue(field: string | null, v: ValuePattern, item: DetectionItem, diagnostics: Diagnostic[]): MatchNode {
  const on = (test: ValueTest): MatchNode => (field === null ? { kind: 'keyword', test } : { kind: 'field', field, test });
  switch (v.kind) {
    case 'string': {
      // Keywords are a full-text search: a keyword matches inside any value.
      const parts = field === null ? wrapWithWildcards(v.parts, true, true) : v.parts;
      return on(stringTest(parts, v.cased));
    }
    case 'regex':
      return on({ kind: 'regex', source: v.source, flags: v.flags });
    case 'cidr':
      return on({ kind: 'cidr', cidr: v.cidr });
    case 'number':
      return field === null ? on(stringTest(wrapWithWildcards([String(v.value)], true, true), false)) : on({ kind: 'numeq', value: v.value });
    case 'boolean':
      return on({ kind: 'bool', value: v.value });
    case 'null':
      return field === null ? { kind: 'const', value: false } : { kind: 'null', field };
    case 'compare':
      return on({ kind: 'compare', op: v.op, value: v.value });
    case 'timepart':
      return on({ kind: 'timepart', part: v.part, op: v.op, value: v.value });
    case 'exists':
      return field === null ? { kind: 'const', value: false } : { kind: 'exists', field, expected: v.value };
    case 'fieldref':
      return field === null ? { kind: 'const', value: false } : { kind: 'fieldref', field, other: v.field, position: v.position, cased: v.cased };
    case 'placeholder':
      diagnostics.push(error('placeholder-unresolved', `placeholder ${v.names.map((n) => `%${n}%`).join(', ')} has no value`, item.span));
      return { kind: 'const', value: false };
    case 'anyOf':
      return { kind: 'or', children: v.alternatives.map((a) => lowerValue(field, a, item, diagnostics)) };
    default: {
      const never: never = v;
      return never;
    }
  }
}

/** Picks the cheapest exact test for a Sigma string: equality, prefix, suffix, substring, or a glob. */
export function stringTest(parts: readonly StrPart[], cased: boolean): ValueTest {
  const norm = (s: string) => (cased ? s : s.toLowerCase());
  const star = (p: StrPart | undefined) => p !== undefined && isWildcard(p) && p.wildcard === '*';
  const literals = parts.filter((p): p is string => !isWildcard(p));
  const wildcards = parts.length - literals.length;
  if (wildcards === 0) return { kind: 'eq', value: norm(literals.join('')), cased };
  if (literals.length === 1) {
    const lit = norm(literals[0] as string);
    if (parts.length === 2 && star(parts[0])) return { kind: 'suffix', value: lit, cased };
    if (parts.length === 2 && star(parts[1])) return { kind: 'prefix', value: lit, cased };
    if (parts.length === 3 && star(parts[0]) && star(parts[2])) return { kind: 'contains', value: lit, cased };
  }
  return { kind: 'glob', parts: parts.map((p) => (typeof p === 'string' ? norm(p) : p)), cased };
}
