import type { FieldValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';
import type { InputItem, InputProblem } from '../input-item.js';
import { ProblemCap, readLimits, type ReadLimits } from '../read-limits.js';
import { normalizeJsonRecord } from './normalize-json.js';
import { nestedDeeper } from './nested-deeper.js';
import { streamRecords } from '../stream-records.js';

/** Nesting past this is no Windows event (they nest five or six deep) and would overflow the stack of later readers. */
export const MAX_JSON_DEPTH = 64;

/** Where a splitter stands between two records (its state at depth 0), so that another can go on from there. */
export interface SplitterState {
  /** Inside a top-level JSON array. */
  readonly inArray: boolean;
  /** Something other than whitespace came before (a second '[' is then an error). */
  readonly sawContent: boolean;
  /** Problems the file gave before this point (its problem cap goes on counting from there). */
  readonly problems?: number;
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
  /** The record being read is skipped (too large or too deep): its brackets are followed, its text not kept. */
  private skipping = false;
  /** Characters between records that are not JSON are reported once a run (up to the line's end or a '{'). */
  private junk = false;
  private readonly limits: ReadLimits;
  private readonly cap: ProblemCap;
  /**
   * Problems held until the first record, while the text may still turn out to be no event log at all: then
   * one problem replaces them (see giveUp). Undefined once a record was read, or when not at a file's start.
   */
  private held: InputProblem[] | undefined;
  private stopped = false;

  /** `start`: the state of the text before this one, when this one starts after some records of a file. */
  constructor(
    private readonly file: string,
    private readonly emit: (item: InputItem) => void,
    start?: SplitterState & { readonly line?: number; readonly column?: number },
    limits?: Partial<ReadLimits>,
  ) {
    this.limits = readLimits(limits);
    this.cap = new ProblemCap(file, this.limits.maxProblems, (problem) => emit({ kind: 'problem', problem }), start?.problems ?? 0);
    if (start !== undefined) {
      this.inArray = start.inArray;
      this.sawContent = start.sawContent;
      this.line = start.line ?? 1;
      this.col = start.column ?? 0;
    }
    if (start === undefined || !start.sawContent) this.held = [];
  }

  /** The text was found to be no JSON event log and the rest is not worth reading (one problem said so). */
  get gaveUp(): boolean {
    return this.stopped;
  }

  /** Problems seen so far in the file, kept or not. */
  get problems(): number {
    return this.cap.count;
  }

  /** Characters the splitter holds between pushes (a record's text, a line's start): at most the limit and a push. */
  get heldChars(): number {
    return this.buf.length + this.carry.length;
  }

  push(text: string): void {
    if (this.stopped) return;
    const MAX_RECORD = this.limits.maxRecordSize;
    const s = this.carry === '' ? text : this.carry + text;
    const base = this.offset - this.carry.length;
    this.carry = '';
    this.offset += text.length;
    let i = 0;
    while (i < s.length) {
      if (this.stopped) return;
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
    if (this.carry !== '' && !this.stopped) {
      const s = this.carry;
      const base = this.offset - s.length;
      this.carry = '';
      if (!this.wholeLine(s, 0, s.length)) this.scan(s, base, 0, s.length);
    }
    if (this.depth > 0 && !this.skipping) this.problem('JSON record is truncated at the end of the file', this.startLine, this.startCol);
    this.reset();
    this.release();
    this.cap.close();
  }

  /** Passes on the problems held back (at the end of a range that another reader goes on from). */
  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && !this.stopped) for (const p of held) this.cap.add(p);
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
    if (s[a] !== '{' || s[b] !== '}' || b - a + 1 > this.limits.maxRecordSize) return false;
    let obj: unknown;
    try {
      obj = JSON.parse(s.slice(a, b + 1));
    } catch {
      return false;
    }
    // The character scan reports it, at the bracket past the limit.
    if (nestedDeeper(obj, MAX_JSON_DEPTH)) return false;
    this.sawContent = true;
    this.record(obj, this.line);
    return true;
  }

  /** Characters from..to of s (s starts at `base` in the stream), one at a time. */
  private scan(s: string, base: number, from: number, to: number): void {
    const max = this.limits.maxRecordSize;
    for (let i = from; i < to; i++) {
      if (this.stopped) return;
      if (this.skipping && this.inString && !this.escaped) {
        // Inside a string of a skipped record only '"', '\' and a newline matter: jump to the next of them.
        const j = nextSpecial(s, i, to);
        this.col += j - i;
        i = j;
        if (i >= to) return;
      }
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
          this.junk = false;
        } else if (ch === '\n') {
          this.junk = false;
        } else if (this.junk) {
          continue;
        } else if (ch === '[' && !this.inArray && !this.sawContent) {
          this.inArray = true;
          this.sawContent = true;
        } else if (ch === ']' && this.inArray) {
          this.inArray = false;
        } else if (!between(ch)) {
          if (ch === '\0' && this.held !== undefined) return this.giveUp('a NUL byte before any record: a binary file', this.line, this.col);
          this.problem(`unexpected '${ch === '\0' ? '\\0' : ch}' between JSON records`, this.line, this.col);
          this.sawContent = true;
          this.junk = true;
        }
        continue;
      }
      if (!this.skipping) {
        this.buf += ch;
        if (this.buf.length > max) this.skip(`JSON record larger than --max-record-size (${max} characters); skipped`);
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        else if (ch === '\n') {
          // A newline inside a string cannot happen in valid JSON: the record is broken (often truncated JSONL).
          if (!this.skipping) this.problem('JSON record ends inside a string', this.startLine, this.startCol);
          this.reset();
        }
      } else if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') {
        this.depth++;
        if (this.depth > MAX_JSON_DEPTH && !this.skipping) this.skip(`JSON record nested deeper than ${MAX_JSON_DEPTH}; skipped`);
      } else if (ch === '}' || ch === ']') {
        this.depth--;
        if (this.depth === 0) {
          if (this.skipping) this.reset();
          else this.finish();
        }
      }
    }
  }

  /** Reports the record and follows it to its end without keeping its text: memory stays bounded. */
  private skip(message: string): void {
    this.problem(message, this.startLine, this.startCol);
    this.buf = '';
    this.skipping = true;
  }

  /**
   * Gives up on the file: problems before any record (too many, or a binary byte) say it holds no JSON
   * events. One problem replaces the ones held, and nothing more is read.
   */
  private giveUp(why: string, line: number, column: number): void {
    const first = this.held?.[0];
    this.held = undefined;
    this.stopped = true;
    this.reset();
    const p = first ?? { line, column };
    this.cap.add({ code: 'input-not-events', severity: 'error', message: `not a JSON event file (${why}); the rest of the file is skipped${first === undefined ? '' : `; the first problem: ${first.message}`}`, file: this.file, ...(p.line === undefined ? {} : { line: p.line }), ...(p.column === undefined ? {} : { column: p.column }) });
  }

  private reset(): void {
    this.buf = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.skipping = false;
  }

  private problem(message: string, line: number, column: number): void {
    const p: InputProblem = { code: 'json-syntax', severity: 'error', message, file: this.file, line, column };
    if (this.held === undefined) return this.cap.add(p);
    this.held.push(p);
    if (this.held.length >= this.limits.maxProblems) this.giveUp(`${this.held.length} problems and no record`, line, column);
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
    if (this.held !== undefined) this.release();
    const { fields, time } = normalizeJsonRecord(obj as { [k: string]: FieldValue });
    const t = time === undefined ? NaN : timeOf(time);
    this.emit({ kind: 'event', event: { fields, source: { file: this.file, line }, ...(Number.isNaN(t) ? {} : { timestamp: t }) } });
  }
}

/**
 * Streams the records of a JSON file (any of the three layouts); with `from`, from that byte offset on, the
 * splitter in the given state there (where a range read elsewhere could not go on: see readJsonRange).
 */
export async function* readJsonFile(
  path: string,
  from?: { readonly byte: number; readonly state: SplitterState; readonly line: number; readonly column: number },
  limits?: Partial<ReadLimits>,
): AsyncGenerator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new JsonRecordSplitter(path, (item) => pending.push(item), from === undefined ? undefined : { ...from.state, line: from.line, column: from.column }, limits);
  yield* streamRecords(path, splitter, pending, from?.byte ?? 0);
}

export function* readJsonText(text: string, file: string, limits?: Partial<ReadLimits>): Generator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new JsonRecordSplitter(file, (item) => pending.push(item), undefined, limits);
  splitter.push(text);
  splitter.end();
  yield* pending;
}

const SPECIAL = /["\\\n]/g;

/** The index of the first '"', '\' or newline in s[from..to), or `to` (one pass: linear however many strings). */
function nextSpecial(s: string, from: number, to: number): number {
  SPECIAL.lastIndex = from;
  const m = SPECIAL.exec(s);
  return m === null || m.index > to ? to : m.index;
}
