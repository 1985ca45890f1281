import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
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
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  asMap(node: unknown): YAMLMap | null {
    const n = this.resolve(node);
    return isMap(n) ? n : null;
  }

  asSeq(node: unknown): YAMLSeq | null {
    const n = this.resolve(node);
    return isSeq(n) ? n : null;
  }

  asScalar(node: unknown): Scalar | null {
    const n = this.resolve(node);
    return isScalar(n) ? n : null;
  }

  /** The map's entries with string keys, in order, with each key's node for positions. */
  entries(map: YAMLMap): Array<{ key: string; keyNode: Node | null; value: Node | null }> {
    return map.items.map((pair) => {
      const keyNode = this.resolve(pair.key);
      const keyScalar = isScalar(keyNode) ? keyNode : null;
      const key = keyScalar === null ? String(pair.key) : String(keyScalar.value);
      return { key, keyNode, value: this.resolve(pair.value) };
    });
  }

  get(map: YAMLMap, key: string): Node | null {
    for (const e of this.entries(map)) if (e.key === key) return e.value;
    return null;
  }

  keyNode(map: YAMLMap, key: string): Node | null {
    for (const e of this.entries(map)) if (e.key === key) return e.keyNode;
    return null;
  }

  /** Offset of a scalar's text content in the file (after an opening quote). */
  contentOffset(node: Node | null): number {
    const s = this.asScalar(node);
    const start = node?.range?.[0] ?? 0;
    if (s === null) return start;
    return s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE' ? start + 1 : start;
  }

  toJS(node: Node | null): unknown {
    if (node === null) return null;
    return node.toJS(this.doc);
  }
}
