import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from './yaml-lib.js';

/**
 * A fast reader for the YAML that Sigma rules are written in: block maps and sequences, plain, quoted and
 * `|` literal scalars on their own lines, comments, `---` between documents. It builds the same nodes the
 * yaml package does (same classes, values, scalar types and ranges, so every diagnostic points at the same
 * line:column) about ten times faster, and gives up (undefined) on anything else: the caller then parses
 * the file with the yaml package, which also reports every syntax error. Equal to the yaml package's
 * nodes over the SigmaHQ corpus (test/rule/fast-yaml.test.ts).
 */
export function fastParseDocuments(text: string): Array<Node | null> | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  try {
    return new Reader(text).documents();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

const GIVE_UP = Symbol('give up');
const giveUp = (): never => {
  throw GIVE_UP;
};

interface Line {
  /** Offset of the line's first character. */
  readonly start: number;
  /** Offset of its end (the newline, or the end of the text). */
  readonly end: number;
  /** Spaces before its first character; -1 for a blank or comment-only line. */
  readonly indent: number;
}

const INT = /^[-+]?[0-9]+$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
// Plain scalars the core schema reads as something other than a string or a decimal integer: left to yaml.
const OTHER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** Block collections nested in one another; Sigma rules nest four or five. */
const MAX_BLOCK_DEPTH = 64;

class Reader {
  private readonly lines: Line[] = [];
  private readonly lib = yaml();
  private depth = 0;

  constructor(private readonly text: string) {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      const blank = i === end || text.charCodeAt(i) === 35; // '#'
      this.lines.push({ start, end, indent: blank ? -1 : i - start });
      if (end === text.length) break;
      start = end + 1;
    }
  }

  documents(): Array<Node | null> {
    const docs: Array<Node | null> = [];
    let from = 0;
    for (let i = 0; i <= this.lines.length; i++) {
      const line = this.lines[i];
      const marker = line !== undefined && this.text.startsWith('---', line.start);
      if (line !== undefined && !marker) {
        const c = this.text.charCodeAt(line.start);
        if (line.indent === 0 && (c === 37 || this.text.startsWith('...', line.start))) giveUp(); // '%' directive, '...'
        continue;
      }
      if (marker && line !== undefined && line.end !== line.start + 3) giveUp(); // content after '---'
      const node = this.document(from, i);
      // Nothing before the first '---' is no document; any other empty document (after a '---', or an
      // empty file) is a null document to yaml, with its diagnostic: left to it.
      if (node === null && !(from === 0 && marker)) giveUp();
      if (node !== null) docs.push(node);
      from = i + 1;
    }
    return docs;
  }

  private document(from: number, to: number): Node | null {
    const first = this.next(from, to);
    if (first === to) return null;
    const line = this.lines[first] as Line;
    if (line.indent !== 0) giveUp();
    const [node, after] = this.block(first, to, -1);
    if (this.next(after, to) !== to) giveUp();
    return node;
  }

  /** The first content line at or after i (before `to`). */
  private next(i: number, to: number): number {
    while (i < to && (this.lines[i] as Line).indent < 0) i++;
    return i;
  }

  /** A block map or sequence starting at content line i, more indented than `parent`. */
  private block(i: number, to: number, parent: number): [Node, number] {
    // Deeper than any rule nests: the yaml package reads it (its stack, not ours) and the rule reader reports the depth.
    if (this.depth >= MAX_BLOCK_DEPTH) giveUp();
    this.depth++;
    const r = this.blockAt(i, to, parent);
    this.depth--;
    return r;
  }

  private blockAt(i: number, to: number, parent: number): [Node, number] {
    const line = this.lines[i] as Line;
    const at = line.start + line.indent;
    if (this.isSeqEntry(at, line.end)) return this.seq(i, to, line.indent);
    if (line.indent <= parent) giveUp();
    return this.map(i, to, line.indent, at);
  }

  private isSeqEntry(at: number, end: number): boolean {
    return this.text.charCodeAt(at) === 45 && (at + 1 === end || this.text.charCodeAt(at + 1) === 32); // '- '
  }

  /** A block map whose keys stand at column `indent`; the first key starts at offset `firstAt`. */
  private map(i: number, to: number, indent: number, firstAt: number): [YAMLMap, number] {
    const map = new this.lib.YAMLMap();
    const seen = new Set<unknown>();
    let end = firstAt;
    let keyAt = firstAt;
    for (;;) {
      const line = this.lines[i] as Line;
      const [key, colon] = this.key(keyAt, line.end);
      if (colon - keyAt > 1024) giveUp(); // yaml refuses implicit keys that long
      if (seen.has(key.value)) giveUp(); // a duplicate key: yaml reports it
      seen.add(key.value);
      let value: Node;
      let after: number;
      [value, after, end] = this.value(i, to, indent, colon + 1, line.end);
      map.items.push(new this.lib.Pair(key, value) as Pair<unknown, unknown>);
      const n = this.next(after, to);
      if (n === to) break;
      const nl = this.lines[n] as Line;
      if (nl.indent < indent) break;
      if (nl.indent > indent) giveUp();
      keyAt = nl.start + nl.indent;
      if (this.isSeqEntry(keyAt, nl.end)) break;
      i = n;
    }
    const last = (map.items[map.items.length - 1] as Pair).value as Node;
    const [valueEnd, nodeEnd] = this.trailingComments(this.afterNode(i, to, end), to, indent, end, last);
    map.range = [firstAt, valueEnd, nodeEnd];
    return [map, this.afterNode(i, to, nodeEnd)];
  }

  /**
   * A collection's range after its last entry, as yaml's: comment lines indented deeper than its entries
   * belong to the last entry (both ends move past them); a comment line at the entries' own indentation is
   * the collection's trailing comment (the node's end, not its value's, moves to the next token); a
   * shallower one belongs to a parent.
   */
  private trailingComments(i: number, to: number, indent: number, end: number, last: Node): [number, number] {
    let own = false;
    const scalar = this.lib.isScalar(last);
    for (; i < to; i++) {
      const line = this.lines[i] as Line;
      if (line.indent >= 0) break;
      const spaces = this.spacesAt(line);
      if (spaces === line.end - line.start) continue;
      if (spaces < indent) {
        // A shallower comment with deeper ones after it: yaml's attribution of the run is not modelled.
        if (own) giveUp();
        for (let k = i + 1; k < to && (this.lines[k] as Line).indent < 0; k++) if (this.spacesAt(this.lines[k] as Line) > spaces) giveUp();
        break;
      }
      if (spaces === indent) own = true;
      else if (!own) {
        // Deeper than the entries: the last entry's, when it is a scalar on its key's line; after a nested
        // collection yaml leaves it out in ways not modelled here.
        if (!scalar) giveUp();
        end = this.lineEnd(i);
      }
    }
    if (!own) return [end, end];
    const next = this.lines[i];
    const token = i < to && next !== undefined ? next.start + next.indent : i < this.lines.length && next !== undefined ? next.start : this.text.length;
    return [end, token];
  }

  /** The line index after the node that ended at offset `end`. */
  private afterNode(i: number, to: number, end: number): number {
    while (i < to && (this.lines[i] as Line).end < end) i++;
    // A node whose end is the next token (a trailing comment's) ends inside that token's line.
    for (let line = this.lines[i]; i < to && line !== undefined && line.start < end && !(line.indent >= 0 && line.start + line.indent >= end); line = this.lines[++i]);
    return i;
  }

  /**
   * The value after a key's colon (at `from` on line i): inline on the line, or the block on the lines
   * after it. Returns the node, the line after it, and where the enclosing collection's range ends.
   */
  private value(i: number, to: number, indent: number, from: number, lineEnd: number): [Node, number, number] {
    let at = from;
    while (at < lineEnd && this.text.charCodeAt(at) === 32) at++;
    // `key: # comment` with the value on the lines below.
    const commented = at > from && at < lineEnd && this.text.charCodeAt(at) === 35;
    if (from === lineEnd || commented) {
      const n = this.next(i + 1, to);
      const nl = this.lines[n];
      if (nl !== undefined && n < to && (nl.indent > indent || (nl.indent === indent && this.isSeqEntry(nl.start + nl.indent, nl.end)))) {
        const [node, after] = this.block(n, to, indent);
        const range = node.range as [number, number, number];
        return [node, after, range[2]];
      }
      // `key:` and nothing under it: a null scalar where the value would be. A comment after it would be
      // the scalar's (and move the collection's end): left to yaml.
      if (commented || this.commentFollows(i + 1, to)) giveUp();
      const empty = this.scalar('', 'PLAIN', from, from);
      return [empty, i + 1, from];
    }
    if (at === from || at === lineEnd) giveUp(); // no space after the colon, or trailing spaces
    return this.inline(i, to, indent, at, lineEnd);
  }

  /** The end of line i with its newline (the text's end for the last line). */
  private lineEnd(i: number): number {
    const line = this.lines[i] as Line;
    return line.end === this.text.length ? line.end : line.end + 1;
  }

  /** A scalar written on the line from `at`, or a `|` block scalar starting there. */
  private inline(i: number, to: number, indent: number, at: number, lineEnd: number): [Node, number, number] {
    const c = this.text.charCodeAt(at);
    if (c === 124) return this.literal(i, to, indent, at, lineEnd); // '|'
    let node: Scalar;
    let end: number;
    if (c === 39 || c === 34) {
      [node, end] = c === 39 ? this.singleQuoted(at, lineEnd) : this.doubleQuoted(at, lineEnd);
    } else {
      if ('[]{}>!&*%@`?,:'.includes(this.text[at] as string) || (c === 45 && (at + 1 === lineEnd || this.text.charCodeAt(at + 1) === 32))) giveUp();
      end = this.plainEnd(at, lineEnd);
      node = this.scalar(this.text.slice(at, end), 'PLAIN', at, end);
    }
    this.rest(end, lineEnd);
    // A more indented line after it would continue the scalar (or be an error): left to yaml.
    const n = this.next(i + 1, to);
    const nl = this.lines[n];
    if (nl !== undefined && n < to && nl.indent > indent) giveUp();
    return [node, i + 1, this.lineEnd(i)];
  }

  /** What may follow a scalar on its line: spaces, then a comment. */
  private rest(end: number, lineEnd: number): void {
    let k = end;
    while (k < lineEnd && this.text.charCodeAt(k) === 32) k++;
    if (k < lineEnd && (this.text.charCodeAt(k) !== 35 || k === end)) giveUp();
  }

  /** Where a plain scalar starting at `at` ends (before trailing spaces and a comment). */
  private plainEnd(at: number, lineEnd: number): number {
    let end = at;
    for (let k = at; k < lineEnd; k++) {
      const c = this.text.charCodeAt(k);
      if (c === 35 && this.text.charCodeAt(k - 1) === 32) break; // ' #'
      if (c === 58 && (k + 1 === lineEnd || this.text.charCodeAt(k + 1) === 32)) giveUp(); // ': ' in a value
      if (c !== 32) end = k + 1;
    }
    return end;
  }

  /** The key starting at `at` (plain, or single-quoted as in `'|all':`) and the offset of its colon. */
  private key(at: number, lineEnd: number): [Scalar, number] {
    if (this.text.charCodeAt(at) !== 39) {
      const colon = this.keyEnd(at, lineEnd);
      return [this.scalar(this.text.slice(at, colon), 'PLAIN', at, colon), colon];
    }
    const [key, end] = this.singleQuoted(at, lineEnd);
    if (!this.isColon(end, lineEnd)) giveUp();
    return [key, end];
  }

  /** A ':' at k that ends a key (followed by a space or the line's end). */
  private isColon(k: number, lineEnd: number): boolean {
    return this.text.charCodeAt(k) === 58 && (k + 1 === lineEnd || this.text.charCodeAt(k + 1) === 32);
  }

  /** Where a plain key starting at `at` ends: at its ':' followed by a space or the line's end. */
  private keyEnd(at: number, lineEnd: number): number {
    const c = this.text[at] as string;
    if (`'"[]{}>|!&*%@\`?,#-`.includes(c)) giveUp();
    for (let k = at; k < lineEnd; k++) {
      const ch = this.text.charCodeAt(k);
      if (ch === 58 && (k + 1 === lineEnd || this.text.charCodeAt(k + 1) === 32)) {
        if (this.text.charCodeAt(k - 1) === 32) giveUp(); // spaces before the colon
        return k;
      }
      if (ch === 35 && this.text.charCodeAt(k - 1) === 32) giveUp();
    }
    return giveUp();
  }

  private singleQuoted(at: number, lineEnd: number): [Scalar, number] {
    let value = '';
    for (let k = at + 1; k < lineEnd; k++) {
      const close = this.text.indexOf("'", k);
      if (close < 0 || close >= lineEnd) giveUp();
      value += this.text.slice(k, close);
      if (this.text.charCodeAt(close + 1) === 39) {
        value += "'";
        k = close + 1;
        continue;
      }
      return [this.scalar(value, 'QUOTE_SINGLE', at, close + 1, true), close + 1];
    }
    return giveUp();
  }

  private doubleQuoted(at: number, lineEnd: number): [Scalar, number] {
    let value = '';
    for (let k = at + 1; k < lineEnd; k++) {
      const c = this.text[k] as string;
      if (c === '"') return [this.scalar(value, 'QUOTE_DOUBLE', at, k + 1, true), k + 1];
      if (c !== '\\') {
        value += c;
        continue;
      }
      const e = this.text[++k];
      const simple = e === undefined ? undefined : ESCAPES[e];
      if (simple === undefined || k >= lineEnd) giveUp();
      value += simple;
    }
    return giveUp();
  }

  /** A `|` literal block scalar (clip or strip chomping, indentation found from its first line). */
  private literal(i: number, to: number, indent: number, at: number, lineEnd: number): [Node, number, number] {
    let chomp = '';
    if (at + 1 < lineEnd) {
      chomp = this.text[at + 1] as string;
      if (chomp !== '-' || at + 2 !== lineEnd) giveUp();
    }
    // Content: the lines after the header, until a non-blank line indented no more than the parent.
    let blockIndent = -1;
    const parts: string[] = [];
    let lastContent = -1;
    let j = i + 1;
    for (; j < to; j++) {
      const line = this.lines[j] as Line;
      const spaces = this.spacesAt(line);
      const empty = spaces === line.end - line.start;
      if (empty) {
        if (blockIndent < 0) {
          if (spaces > 0) giveUp(); // a leading blank line of spaces: it could set or break the indentation
          parts.push('');
        } else {
          // A line of spaces beyond the indentation holds text (spaces) by the spec: left to yaml.
          if (spaces > blockIndent) giveUp();
          parts.push('');
        }
        continue;
      }
      if (blockIndent < 0) {
        if (spaces <= indent) break;
        blockIndent = spaces;
      }
      if (spaces < blockIndent) break;
      parts.push(this.text.slice(line.start + blockIndent, line.end));
      lastContent = j;
    }
    // Comments right after a block scalar are attributed differently: left to yaml.
    if (lastContent < 0 || this.commentFollows(lastContent + 1, to)) giveUp();
    const content = parts.slice(0, lastContent - i);
    const last = this.lines[lastContent] as Line;
    const hasNewline = last.end < this.text.length;
    // Clip keeps one final line break, even for a last line without one (as yaml does).
    const value = content.join('\n') + (chomp === '-' ? '' : '\n');
    const end = hasNewline ? last.end + 1 : last.end;
    const node = this.scalar(value, 'BLOCK_LITERAL', at, end, true);
    return [node, lastContent + 1, end];
  }

  /** Whether a comment line comes before the next content line from line i. */
  private commentFollows(i: number, to: number): boolean {
    for (; i < to; i++) {
      const line = this.lines[i] as Line;
      if (line.indent >= 0) return false;
      if (this.spacesAt(line) < line.end - line.start) return true;
    }
    return false;
  }

  private spacesAt(line: Line): number {
    let k = line.start;
    while (k < line.end && this.text.charCodeAt(k) === 32) k++;
    return k - line.start;
  }

  /** A block sequence whose entries' dashes stand at column `indent`. */
  private seq(i: number, to: number, indent: number): [YAMLSeq, number] {
    const seq = new this.lib.YAMLSeq();
    const firstAt = (this.lines[i] as Line).start + indent;
    let end = firstAt;
    for (;;) {
      const line = this.lines[i] as Line;
      const dash = line.start + indent;
      if (dash + 1 === line.end) giveUp(); // '-' alone: the entry is on the next lines
      let at = dash + 2;
      while (at < line.end && this.text.charCodeAt(at) === 32) at++;
      if (at === line.end || this.text.charCodeAt(at) === 35) giveUp();
      let node: Node;
      let after: number;
      if (this.isSeqEntry(at, line.end)) giveUp(); // '- - x'
      if (this.startsMapEntry(at, line.end)) {
        let m: YAMLMap;
        [m, after] = this.map(i, to, at - line.start, at);
        node = m;
        end = (m.range as [number, number, number])[2];
      } else {
        [node, after, end] = this.inline(i, to, indent, at, line.end);
      }
      seq.items.push(node);
      const n = this.next(after, to);
      if (n === to) break;
      const nl = this.lines[n] as Line;
      if (nl.indent < indent) break;
      if (nl.indent > indent || !this.isSeqEntry(nl.start + nl.indent, nl.end)) {
        if (nl.indent === indent) break; // the parent map's next key
        giveUp();
      }
      i = n;
    }
    const [valueEnd, nodeEnd] = this.trailingComments(this.afterNode(i, to, end), to, indent, end, seq.items[seq.items.length - 1] as Node);
    seq.range = [firstAt, valueEnd, nodeEnd];
    return [seq, this.afterNode(i, to, nodeEnd)];
  }

  /** Whether the text at `at` starts with a plain key and its colon. */
  private startsMapEntry(at: number, lineEnd: number): boolean {
    const c = this.text[at] as string;
    if (`'"[]{}>|!&*%@\`?,#-`.includes(c)) {
      // A single-quoted key; a double-quoted one is left to yaml.
      if (c === "'") return this.isColon(this.singleQuoted(at, lineEnd)[1], lineEnd);
      if (c === '"') {
        const close = this.text.indexOf(c, at + 1);
        if (close > 0 && close < lineEnd && this.text.charCodeAt(close + 1) === 58) giveUp();
      }
      return false;
    }
    for (let k = at; k < lineEnd; k++) {
      const ch = this.text.charCodeAt(k);
      if (ch === 35 && this.text.charCodeAt(k - 1) === 32) return false;
      if (ch === 58 && (k + 1 === lineEnd || this.text.charCodeAt(k + 1) === 32)) return true;
    }
    return false;
  }

  /** A scalar node as yaml makes it: plain scalars resolved by the core schema. */
  private scalar(text: string, type: Scalar.Type, start: number, end: number, quoted = false): Scalar {
    let value: unknown = text;
    if (!quoted) {
      if (text === '' || NULL.test(text)) value = null;
      else if (BOOL.test(text)) value = text[0] === 't' || text[0] === 'T';
      else if (INT.test(text)) value = Number(text);
      else if (OTHER.test(text)) giveUp();
    }
    const s = new this.lib.Scalar(value);
    s.type = type;
    s.range = [start, end, end];
    return s;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };
