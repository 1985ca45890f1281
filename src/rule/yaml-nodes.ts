import type { Document, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from './yaml-lib.js';
import { error, type Diagnostic, type Span } from '../diagnostics.js';

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
    // Alias expansion is bounded before any document is read (documentBounds): yaml's own count (100 aliases)
    // would throw out of the rule reader instead of giving a diagnostic.
    return plain === NOT_PLAIN ? node.toJS(this.doc, { maxAliasCount: -1 }) : plain;
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

/** What one YAML document may cost the rule reader. */
export const DOCUMENT_BOUNDS = {
  /** Maps and sequences nested in one another (Sigma rules nest four or five). */
  depth: 64,
  /** Nodes of the document with every alias expanded (a "billion laughs" document expands exponentially). */
  expandedNodes: 100_000,
  /** Characters of a `|re` value: the regex engine is linear in the text, but compiling is linear in the pattern. */
  regexChars: 32 * 1024,
  /**
   * Aliases times nodes: the yaml package finds an alias's anchor by walking the document (toJS and resolve),
   * so its work grows with that product (20,000 aliases in 50 KB took over a minute).
   */
  aliasWork: 5_000_000,
} as const;

/**
 * Problems found walking a document once: duplicate keys (checked here, with a set per map, because the yaml
 * package compares each key with every earlier one: a map of 40,000 `? k:` keys took 17 s), and the first that
 * makes it too costly to read: nesting too deep, aliases expanding past the bound, numbers out of range,
 * regexes too long. Work is linear in the nodes (an alias is counted by its anchor's size, never walked
 * again) and the walk's own depth is bounded.
 */
export function documentBounds(file: string, contents: Node): Diagnostic[] {
  const lib = yaml();
  const sizes = new Map<unknown, number>();
  /** The last node seen with each anchor: in document order, as yaml resolves an alias. */
  const anchors = new Map<string, unknown>();
  const out: Diagnostic[] = [];
  let total = 0;
  let nodes = 0;
  let aliases = 0;
  let firstAlias: Node | undefined;
  let found: Diagnostic | undefined;
  const span = (node: Node, width?: number): Span => {
    const start = node.range?.[0] ?? 0;
    return { file, start, end: width !== undefined ? start + width : Math.max(node.range?.[1] ?? 1, start + 1) };
  };
  const visit = (node: unknown, depth: number, key: string | undefined): number => {
    if (found !== undefined || node === null || node === undefined) return 0;
    let size = 1;
    nodes++;
    const anchor = (node as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string') anchors.set(anchor, node);
    if (lib.isAlias(node)) {
      // An anchor comes before its aliases: its size is known (an alias inside its own anchor counts one).
      size = sizes.get(anchors.get(node.source)) ?? 1;
      aliases++;
      firstAlias ??= node;
    } else if (lib.isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) && !/^[-+]?\.inf$/i.test(node.source ?? '')) {
        found = error('yaml-number-range', `the number ${abbreviate(String(node.source ?? v))} is out of range (larger than 1.8e308); quote it to match it as text`, span(node));
      } else if (typeof v === 'string' && v.length > DOCUMENT_BOUNDS.regexChars && key !== undefined && key.split('|').slice(1).includes('re')) {
        found = error('regex-too-long', `a regular expression of ${v.length} characters (at most ${DOCUMENT_BOUNDS.regexChars})`, span(node));
      }
    } else if (lib.isMap(node) || lib.isSeq(node)) {
      if (depth > DOCUMENT_BOUNDS.depth) {
        found = error('yaml-too-deep', `maps and lists nested deeper than ${DOCUMENT_BOUNDS.depth}`, span(node));
        return 0;
      }
      // Keys equal as yaml compares them: the same scalar value (1 and '1' differ), a collection only to itself.
      const keys = lib.isMap(node) ? new Set<unknown>() : undefined;
      for (const item of node.items) {
        if (lib.isPair(item)) {
          const k = lib.isScalar(item.key) ? item.key.value : item.key;
          if (keys !== undefined && item.key !== null && item.key !== undefined) {
            if (keys.has(k)) out.push(error('yaml-duplicate-key', 'Map keys must be unique', span(item.key as Node, 1)));
            keys.add(k);
          }
          size += visit(item.key, depth + 1, undefined) + visit(item.value, depth + 1, lib.isScalar(item.key) ? String(item.key.value) : undefined);
        } else size += visit(item, depth + 1, undefined);
        if (found !== undefined) return 0;
      }
    }
    total += lib.isAlias(node) ? size : 1;
    // The file's size bounds its nodes; only aliases multiply them.
    if (lib.isAlias(node) && found === undefined && total > DOCUMENT_BOUNDS.expandedNodes) {
      found = error('yaml-alias-expansion', `with its aliases expanded the document holds more than ${DOCUMENT_BOUNDS.expandedNodes} nodes (aliases of aliases, a "billion laughs")`, span(node as Node));
    }
    if (lib.isMap(node) || lib.isSeq(node)) sizes.set(node, size);
    return size;
  };
  visit(contents, 1, undefined);
  if (found === undefined && firstAlias !== undefined && aliases * nodes > DOCUMENT_BOUNDS.aliasWork) {
    found = error('yaml-alias-count', `${aliases} aliases in a document of ${nodes} nodes: too many to resolve (aliases times nodes at most ${DOCUMENT_BOUNDS.aliasWork})`, span(firstAlias));
  }
  return found === undefined ? out : [found];
}

const abbreviate = (s: string) => (s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-6)} (${s.length} characters)` : s);
