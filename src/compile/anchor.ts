import { isWildcard } from '../modifiers/value-pattern.js';
import type { MatchNode, ValueTest } from './ir.js';

/** A literal test on one field's lower-cased values. */
export interface AnchorLiteral {
  readonly field: string;
  readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains';
  /** Lower-case, non-empty for prefix/suffix/contains. */
  readonly value: string;
}

/**
 * A necessary condition of an IR node: when the node matches an event, at least one literal holds on that
 * event's lower-cased field values. An empty list means the node can never match.
 * undefined means no such condition could be found (the node must always be evaluated).
 */
export type Anchor = readonly AnchorLiteral[];

/** The cheapest necessary condition of a rule's detection, for the multi-pattern prefilter. */
export function anchorOf(node: MatchNode): Anchor | undefined {
  return walk(node)?.literals;
}

interface Scored {
  readonly literals: Anchor;
  /** Rough chance that the condition holds on an ordinary event: lower is more selective. */
  readonly cost: number;
}

function walk(node: MatchNode): Scored | undefined {
  switch (node.kind) {
    case 'detection':
    case 'item':
      return walk(node.child);
    case 'const':
      return node.value ? undefined : { literals: [], cost: 0 };
    case 'and': {
      let best: Scored | undefined;
      for (const ch of node.children) {
        const a = walk(ch);
        if (a !== undefined && (best === undefined || a.cost < best.cost)) best = a;
      }
      return best;
    }
    case 'or': {
      const literals: AnchorLiteral[] = [];
      let cost = 0;
      for (const ch of node.children) {
        const a = walk(ch);
        if (a === undefined) return undefined;
        literals.push(...a.literals);
        cost += a.cost;
      }
      return { literals, cost: Math.min(cost, 1) };
    }
    case 'field':
      return fieldLiteral(node.field, node.test);
    // A negation, a keyword search, an existence or null test, a field reference: no literal is required.
    case 'not':
    case 'keyword':
    case 'exists':
    case 'null':
    case 'fieldref':
      return undefined;
    default: {
      const never: never = node;
      return never;
    }
  }
}

function fieldLiteral(field: string, test: ValueTest): Scored | undefined {
  switch (test.kind) {
    case 'eq':
      // Case-sensitive tests read the raw values; lower-casing is not exact enough to anchor on them.
      return test.cased ? undefined : { literals: [{ field, kind: 'eq', value: test.value }], cost: 0.001 };
    case 'prefix':
    case 'suffix':
    case 'contains':
      if (test.cased || test.value === '') return undefined;
      return { literals: [{ field, kind: test.kind, value: test.value }], cost: literalCost(test.value, test.kind) };
    case 'glob': {
      if (test.cased) return undefined;
      let longest = '';
      for (const p of test.parts) if (!isWildcard(p) && p.length > longest.length) longest = p;
      if (longest === '') return undefined;
      return { literals: [{ field, kind: 'contains', value: longest }], cost: literalCost(longest, 'contains') };
    }
    default:
      return undefined;
  }
}

function literalCost(value: string, kind: 'prefix' | 'suffix' | 'contains'): number {
  const n = value.length;
  const base = n >= 6 ? 0.005 : n >= 4 ? 0.02 : n === 3 ? 0.1 : 0.4;
  return kind === 'contains' ? base * 2 : base;
}
