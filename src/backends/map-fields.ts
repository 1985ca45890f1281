import type { MatchNode } from '../compile/ir.js';

/** The IR with field names renamed by a target's mapping (names not in it kept). */
export function mapFields(node: MatchNode, fields: Readonly<Record<string, string>>): MatchNode {
  const name = (f: string) => fields[f] ?? f;
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, children: node.children.map((c) => mapFields(c, fields)) };
    case 'not':
      return { kind: 'not', child: mapFields(node.child, fields) };
    case 'detection':
      return { ...node, child: mapFields(node.child, fields) };
    case 'item':
      return { ...node, child: mapFields(node.child, fields) };
    case 'field':
    case 'exists':
    case 'null':
      return { ...node, field: name(node.field) };
    case 'fieldref':
      return { ...node, field: name(node.field), other: name(node.other) };
    case 'const':
    case 'keyword':
      return node;
    default: {
      const never: never = node;
      return never;
    }
  }
}
