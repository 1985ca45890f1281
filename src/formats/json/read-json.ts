import { createReadStream } from 'node:fs';
import type { FieldValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';
import type { InputItem } from '../input-item.js';
import { normalizeJsonRecord } from './normalize-json.js';

const MAX_RECORD = 64 * 1024 * 1024;

/** Where a splitter stands between two records (its state at depth 0), so that another can go on from there. */
export interface SplitterState {
  /** Inside a top-level JSON array. */
  readonly inArray: boolean;
  /** Something other than whitespace came before (a second '[' is then an error). */
  readonly sawContent: boolean;
}

/** Where the record still open at the end of a text started. */
export interface OpenRecord {
  /** Index of its '{' in the text pushed so far. */
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly inArray: boolean;
}

/** `/[\s,]/`, the characters allowed between records, without a regular expression for the common ones. */
const between = (ch: string) => ch === ' ' || ch === ',' || ch === '\t' || ch === '\r' || ch === '\n' || /[\s,]/.test(ch);

/**
 * Splits a JSON text stream into top-level records: one object per line, a JSON array of objects,
 * or pretty-printed objects one after another. Holds one record at a time. A record that does not
 * parse is reported with its line and column, and reading goes on.
 *
 * Between records a line that holds exactly one whole object (JSON lines, or an array with one object a
 * line) is parsed as it is; anything else goes character by character. Both give the same records and problems.
 */
export class JsonRecordSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private col = 0;
  private startLine = 1;
  private startCol = 1;
  private startIndex = 0;
  private inArray = false;
  private sawContent = false;
  /** The start of a line whose end has not come yet, when the splitter is between records. */
  private carry = '';
  /** Characters pushed before the current text (the carry included). */
  private offset = 0;

  /** `start`: the state of the text before this one, when this one starts after some records of a file. */
  constructor(
    private readonly file: string,
    private readonly emit: (item: InputItem) => void,
    start?: SplitterState & { readonly line?: number; readonly column?: number },
  ) {
    if (start !== undefined) {
      this.inArray = start.inArray;
      this.sawContent = start.sawContent;
      this.line = start.line ?? 1;
      this.col = start.column ?? 0;
    }
  }

  push(text: string): void {
    const s = this.carry === '' ? text : this.carry + text;
    const base = this.offset - this.carry.length;
    this.carry = '';
    this.offset += text.length;
    let i = 0;
    while (i < s.length) {
      const nl = s.indexOf('\n', i);
      if (this.depth === 0) {
        if (nl < 0 && s.length - i <= MAX_RECORD) {
          this.carry = s.slice(i);
          return;
        }
        const to = nl < 0 ? s.length : nl;
        if (nl >= 0 && this.wholeLine(s, i, to)) {
          this.line++;
          this.col = 0;
          i = nl + 1;
          continue;
        }
        this.scan(s, base, i, nl < 0 ? s.length : nl + 1);
        i = nl < 0 ? s.length : nl + 1;
      } else {
        // Inside a record that spans lines: to the end of this line, then look again.
        const to = nl < 0 ? s.length : nl + 1;
        this.scan(s, base, i, to);
        i = to;
      }
    }
  }

  end(): void {
    if (this.carry !== '') {
      const s = this.carry;
      const base = this.offset - s.length;
      this.carry = '';
      if (!this.wholeLine(s, 0, s.length)) this.scan(s, base, 0, s.length);
    }
    if (this.depth > 0) this.problem('JSON record is truncated at the end of the file', this.startLine, this.startCol);
    this.reset();
  }

  /** The state between records, or undefined inside one (see open). Only where the text ends at a line's end. */
  get state(): SplitterState | undefined {
    return this.depth === 0 && this.carry === '' ? { inArray: this.inArray, sawContent: this.sawContent } : undefined;
  }

  /** The record still open, if the text so far ended inside one. */
  get open(): OpenRecord | undefined {
    return this.depth === 0 ? undefined : { index: this.startIndex, line: this.startLine, column: this.startCol, inArray: this.inArray };
  }

  /** Lines ended so far (newlines seen). */
  get lines(): number {
    return this.line - 1;
  }

  /** A line, between records, that is one whole object and nothing else: emitted at once. */
  private wholeLine(s: string, from: number, to: number): boolean {
    let a = from;
    while (a < to && s[a] !== '{' && between(s[a] as string)) a++;
    let b = to - 1;
    while (b > a && s[b] !== '}' && between(s[b] as string)) b--;
    if (s[a] !== '{' || s[b] !== '}' || b - a + 1 > MAX_RECORD) return false;
    let obj: unknown;
    try {
      obj = JSON.parse(s.slice(a, b + 1));
    } catch {
      return false;
    }
    this.sawContent = true;
    this.record(obj, this.line);
    return true;
  }

  /** Characters from..to of s (s starts at `base` in the stream), one at a time. */
  private scan(s: string, base: number, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const ch = s[i] as string;
      if (ch === '\n') {
        this.line++;
        this.col = 0;
      } else this.col++;
      if (this.depth === 0) {
        if (ch === '{') {
          this.depth = 1;
          this.buf = '{';
          this.startLine = this.line;
          this.startCol = this.col;
          this.startIndex = base + i;
          this.sawContent = true;
        } else if (ch === '[' && !this.inArray && !this.sawContent) {
          this.inArray = true;
          this.sawContent = true;
        } else if (ch === ']' && this.inArray) {
          this.inArray = false;
        } else if (!between(ch)) {
          this.problem(`unexpected '${ch}' between JSON records`, this.line, this.col);
          this.sawContent = true;
        }
        continue;
      }
      this.buf += ch;
      if (this.buf.length > MAX_RECORD) {
        this.problem(`JSON record larger than ${MAX_RECORD} bytes; skipped`, this.startLine, this.startCol);
        this.reset();
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        else if (ch === '\n') {
          // A newline inside a string cannot happen in valid JSON: the record is broken (often truncated JSONL).
          this.problem('JSON record ends inside a string', this.startLine, this.startCol);
          this.reset();
        }
      } else if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.depth === 0) this.finish();
      }
    }
  }

  private reset(): void {
    this.buf = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private problem(message: string, line: number, column: number): void {
    this.emit({ kind: 'problem', problem: { code: 'json-syntax', severity: 'error', message, file: this.file, line, column } });
  }

  private finish(): void {
    const text = this.buf;
    this.reset();
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      this.problem(`record does not parse: ${(e as Error).message}`, this.startLine, this.startCol);
      return;
    }
    this.record(obj, this.startLine);
  }

  private record(obj: unknown, line: number): void {
    const { fields, time } = normalizeJsonRecord(obj as { [k: string]: FieldValue });
    const t = time === undefined ? NaN : timeOf(time);
    this.emit({ kind: 'event', event: { fields, source: { file: this.file, line }, ...(Number.isNaN(t) ? {} : { timestamp: t }) } });
  }
}

/**
 * Streams the records of a JSON file (any of the three layouts); with `from`, from that byte offset on, the
 * splitter in the given state there (where a range read elsewhere could not go on: see readJsonRange).
 */
export async function* readJsonFile(path: string, from?: { readonly byte: number; readonly state: SplitterState; readonly line: number; readonly column: number }): AsyncGenerator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new JsonRecordSplitter(path, (item) => pending.push(item), from === undefined ? undefined : { ...from.state, line: from.line, column: from.column });
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20, start: from?.byte ?? 0 })) {
    splitter.push(chunk as string);
    yield* pending.splice(0);
  }
  splitter.end();
  yield* pending.splice(0);
}

export function* readJsonText(text: string, file: string): Generator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new JsonRecordSplitter(file, (item) => pending.push(item));
  splitter.push(text);
  splitter.end();
  yield* pending;
}
