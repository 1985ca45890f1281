import { createReadStream } from 'node:fs';
import type { FieldValue } from '../../event/event.js';
import { timeOf } from '../../event/event-time.js';
import type { InputItem } from '../input-item.js';
import { normalizeJsonRecord } from './normalize-json.js';

const MAX_RECORD = 64 * 1024 * 1024;

/**
 * Splits a JSON text stream into top-level records: one object per line, a JSON array of objects,
 * or pretty-printed objects one after another. Holds one record at a time. A record that does not
 * parse is reported with its line and column, and reading goes on.
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
  private inArray = false;
  private sawContent = false;

  constructor(
    private readonly file: string,
    private readonly emit: (item: InputItem) => void,
  ) {}

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
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
          this.sawContent = true;
        } else if (ch === '[' && !this.inArray && !this.sawContent) {
          this.inArray = true;
          this.sawContent = true;
        } else if (ch === ']' && this.inArray) {
          this.inArray = false;
        } else if (!/[\s,]/.test(ch)) {
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

  end(): void {
    if (this.depth > 0) this.problem('JSON record is truncated at the end of the file', this.startLine, this.startCol);
    this.reset();
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
    const { fields, time } = normalizeJsonRecord(obj as { [k: string]: FieldValue });
    const t = time === undefined ? NaN : timeOf(time);
    this.emit({ kind: 'event', event: { fields, source: { file: this.file, line: this.startLine }, ...(Number.isNaN(t) ? {} : { timestamp: t }) } });
  }
}

/** Streams the records of a JSON file (any of the three layouts). */
export async function* readJsonFile(path: string): AsyncGenerator<InputItem> {
  const pending: InputItem[] = [];
  const splitter = new JsonRecordSplitter(path, (item) => pending.push(item));
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
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
