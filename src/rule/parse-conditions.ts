import type { Node } from 'yaml';
import { selectIdentifiers, type ConditionNode } from '../condition/ast.js';
import { parseCondition } from '../condition/parse-condition.js';
import { error, warning, type Diagnostic, type Span } from '../diagnostics.js';
import type { Detection, SigmaCondition } from './model.js';
import type { NodeReader } from './yaml-nodes.js';

/**
 * Parses `condition` (a string or a list of strings, OR-ed), checks every identifier and
 * pattern against the detections, and warns about identifiers no condition uses.
 */
export function parseConditions(
  r: NodeReader,
  node: Node | null,
  detections: ReadonlyMap<string, Detection>,
  ownerSpan: Span,
  diagnostics: Diagnostic[],
  allowList = true,
): SigmaCondition[] {
  if (node === null) {
    diagnostics.push(error('condition-missing', "the detection has no 'condition'", ownerSpan));
    return [];
  }
  const seq = r.asSeq(node);
  const nodes = seq !== null && allowList ? seq.items.map((i) => r.resolve(i)) : [node];
  const out: SigmaCondition[] = [];
  const used = new Set<string>();
  for (const n of nodes) {
    const s = r.asScalar(n);
    if (s === null || typeof s.value !== 'string') {
      diagnostics.push(error('condition-invalid', allowList ? 'a condition is a string or a list of strings' : 'the condition must be a string', r.span(n, ownerSpan)));
      continue;
    }
    const text = s.value;
    const offset = r.contentOffset(n);
    const at = (span: { start: number; end: number }): Span => ({ file: r.file, start: offset + span.start, end: offset + span.end });
    const ast = parseCondition(text);
    if ('code' in ast) {
      diagnostics.push(error(ast.code, ast.message, at(ast.span)));
      continue;
    }
    checkReferences(ast, detections, used, at, diagnostics);
    out.push({ text, ast, offset });
  }
  if (out.length > 0) {
    for (const [name, d] of detections) {
      if (!used.has(name)) diagnostics.push(warning('identifier-unused', `search identifier '${name}' is not used by the condition`, d.span));
    }
  }
  return out;
}

function checkReferences(
  node: ConditionNode,
  detections: ReadonlyMap<string, Detection>,
  used: Set<string>,
  at: (s: { start: number; end: number }) => Span,
  diagnostics: Diagnostic[],
): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const o of node.operands) checkReferences(o, detections, used, at, diagnostics);
      return;
    case 'not':
      checkReferences(node.operand, detections, used, at, diagnostics);
      return;
    case 'identifier':
      if (!detections.has(node.name)) {
        diagnostics.push(error('condition-unknown-identifier', `'${node.name}' is not a search identifier of this detection`, at(node.span)));
      }
      used.add(node.name);
      return;
    case 'selector': {
      const picked = selectIdentifiers(node.pattern, detections.keys());
      if (picked.length === 0) {
        diagnostics.push(error('condition-pattern-no-match', `'${node.pattern ?? 'them'}' matches no search identifier`, at(node.span)));
      }
      if (node.pattern === null && picked.length === 1) {
        diagnostics.push(warning('of-them-single', `'${node.quantifier === 'one' ? '1' : 'all'} of them' over a single search identifier; name it instead`, at(node.span)));
      }
      for (const p of picked) used.add(p);
      return;
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}
