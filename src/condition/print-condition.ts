import type { ConditionNode } from './ast.js';

/** Prints a condition with the parentheses its structure needs. */
export function printCondition(node: ConditionNode): string {
  switch (node.kind) {
    case 'or':
      return node.operands.map((o) => wrap(o, 'or')).join(' or ');
    case 'and':
      return node.operands.map((o) => wrap(o, 'and')).join(' and ');
    case 'not':
      return `not ${wrap(node.operand, 'not')}`;
    case 'identifier':
      return node.name;
    case 'selector':
      return `${node.quantifier === 'one' ? '1' : 'all'} of ${node.pattern ?? 'them'}`;
    default: {
      const never: never = node;
      return never;
    }
  }
}

function wrap(node: ConditionNode, parent: 'or' | 'and' | 'not'): string {
  const text = printCondition(node);
  const needs = (parent === 'and' && node.kind === 'or') || (parent === 'not' && (node.kind === 'or' || node.kind === 'and'));
  return needs ? `(${text})` : text;
}
