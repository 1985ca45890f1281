import { error, type Diagnostic } from '../diagnostics.js';
import type { ItemOrigin, MatchNode } from '../compile/ir.js';
import type { SigmaRule } from '../rule/model.js';
import { Refusal, type Dialect } from './dialect.js';

export interface RenderedCondition {
  readonly condition?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Renders a rule's IR in a dialect. Every construct the dialect refuses becomes an error diagnostic naming the rule,
 * the detection item and the reason; a rule with any refusal gets no condition (never a query that means less).
 */
export function renderCondition(rule: SigmaRule, ir: MatchNode, dialect: Dialect, target: string): RenderedCondition {
  const diagnostics: Diagnostic[] = [];
  const refuse = (origin: ItemOrigin | undefined, r: Refusal) =>
    diagnostics.push(error(r.code, `rule '${rule.title}' (${rule.id ?? 'no id'}): ${describeItem(origin)} cannot be converted to ${target}: ${r.reason}`, rule.span));
  const walk = (node: MatchNode, origin: ItemOrigin | undefined): string => {
    switch (node.kind) {
      case 'and':
        return dialect.and(node.children.map((c) => walk(c, origin)));
      case 'or':
        return dialect.or(orGroups(node.children).map((g) => (Array.isArray(g) ? dialect.fieldAnyOf((g[0] as FieldNode).field, g.map((f) => f.test)) : walk(g as MatchNode, origin))));
      case 'not':
        return dialect.not(walk(node.child, origin));
      case 'const':
        return dialect.constant(node.value);
      case 'detection':
        return walk(node.child, origin);
      case 'item':
        try {
          return walk(node.child, node.origin);
        } catch (e) {
          if (!(e instanceof Refusal)) throw e;
          refuse(node.origin, e);
          return dialect.constant(false);
        }
      case 'field':
        return dialect.field(node.field, node.test);
      case 'keyword':
        return dialect.keyword(node.test);
      case 'exists':
        return dialect.exists(node.field, node.expected);
      case 'null':
        return dialect.isNull(node.field);
      case 'fieldref':
        return dialect.fieldref(node);
      default: {
        const never: never = node;
        return never;
      }
    }
  };
  let condition: string | undefined;
  try {
    condition = walk(ir, undefined);
  } catch (e) {
    // A leaf outside any detection item: the logsource condition the pipeline added.
    if (!(e instanceof Refusal)) throw e;
    refuse(undefined, e);
  }
  return diagnostics.length > 0 || condition === undefined ? { diagnostics } : { condition, diagnostics };
}

type FieldNode = Extract<MatchNode, { kind: 'field' }>;

/** The children of an OR with the field tests on one field gathered (first position kept): one value loop for a list. */
function orGroups(children: readonly MatchNode[]): Array<MatchNode | FieldNode[]> {
  const out: Array<MatchNode | FieldNode[]> = [];
  const byField = new Map<string, FieldNode[]>();
  for (const c of children) {
    if (c.kind !== 'field') {
      out.push(c);
      continue;
    }
    const group = byField.get(c.field);
    if (group !== undefined) group.push(c);
    else {
      const fresh = [c];
      byField.set(c.field, fresh);
      out.push(fresh);
    }
  }
  return out.map((g) => (Array.isArray(g) && g.length === 1 ? (g[0] as FieldNode) : g));
}

function describeItem(origin: ItemOrigin | undefined): string {
  if (origin === undefined) return 'the logsource condition';
  const key = [origin.field ?? 'keywords', ...origin.modifiers].join('|');
  return `item '${key}' of detection '${origin.detection}'`;
}
