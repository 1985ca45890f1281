import type { Document, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from './yaml-lib.js';
import type { Span } from '../diagnostics.js';

/** Reading YAML nodes with their positions, so every diagnostic can point at its place. */
export class NodeReader {
  constructor(
    readonly file: string,
    private readonly doc: Document,
  ) {}

  span(node: Node | null | undefined, fallback?: Span): Span {
    const range = node?.range;
    if (range === undefined || range === null) return fallback ?? { file: this.file, start: 0, end: 0 };
    return { file: this.file, start: range[0], end: range[1] };
  }

  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (yaml().isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  asMap(node: unknown): YAMLMap | null {
    const n = this.resolve(node);
    return yaml().isMap(n) ? (n as YAMLMap) : null;
  }

  asSeq(node: unknown): YAMLSeq | null {
    const n = this.resolve(node);
    return yaml().isSeq(n) ? (n as YAMLSeq) : null;
  }

  asScalar(node: unknown): Scalar | null {
    const n = this.resolve(node);
    return yaml().isScalar(n) ? (n as Scalar) : null;
  }

  /** The map's entries with string keys, in order, with each key's node for positions. */
  entries(map: YAMLMap): Array<{ key: string; keyNode: Node | null; value: Node | null }> {
    return map.items.map((pair) => {
      const keyNode = this.resolve(pair.key);
      return { key: this.keyText(pair.key, keyNode), keyNode, value: this.resolve(pair.value) };
    });
  }

  private keyText(key: unknown, keyNode: Node | null): string {
    return yaml().isScalar(keyNode) ? String((keyNode as Scalar).value) : String(key);
  }

  /** The value of the first entry with this key (as entries() reads keys, without building them all). */
  get(map: YAMLMap, key: string): Node | null {
    for (const pair of map.items) if (this.keyText(pair.key, this.resolve(pair.key)) === key) return this.resolve(pair.value);
    return null;
  }

  keyNode(map: YAMLMap, key: string): Node | null {
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      if (this.keyText(pair.key, keyNode) === key) return keyNode;
    }
    return null;
  }

  /** Offset of a scalar's text content in the file (after an opening quote). */
  contentOffset(node: Node | null): number {
    const s = this.asScalar(node);
    const start = node?.range?.[0] ?? 0;
    if (s === null) return start;
    return s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE' ? start + 1 : start;
  }

  /** The node as plain data, as yaml's toJS gives it (built directly when it is plain: faster). */
  toJS(node: Node | null): unknown {
    if (node === null) return null;
    const plain = plainData(node);
    return plain === NOT_PLAIN ? node.toJS(this.doc) : plain;
  }
}

const NOT_PLAIN = Symbol('not plain');

/**
 * What toJS makes of maps with string keys, sequences and scalars holding strings, numbers, booleans or
 * null; NOT_PLAIN for anything else (aliases, other keys, `__proto__`), which toJS then converts.
 */
function plainData(node: unknown): unknown {
  const lib = yaml();
  if (node === null) return null;
  if (lib.isScalar(node)) {
    const v = node.value;
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : NOT_PLAIN;
  }
  if (lib.isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = lib.isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string' || key === '__proto__') return NOT_PLAIN;
      const value = plainData(pair.value);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out[key] = value;
    }
    return out;
  }
  if (lib.isSeq(node)) {
    const out: unknown[] = [];
    for (const item of node.items) {
      const value = plainData(item);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out.push(value);
    }
    return out;
  }
  return NOT_PLAIN;
}
