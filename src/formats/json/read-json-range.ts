import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { InputItem } from '../input-item.js';
import type { ReadLimits } from '../read-limits.js';
import { JsonRecordSplitter, type SplitterState } from './read-json.js';

/**
 * A byte range of a JSON file, read on its own (in a worker thread or not). It holds the lines that start
 * in [start, end): it begins at the first line start at or after `start` and ends at the first at or after
 * `end` (or the end of the file), so consecutive ranges meet exactly. Its line numbers count from 1 at its
 * first line; the reader of the whole file adds the lines of the ranges before.
 */
export interface JsonRange {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** The splitter's state where the range begins, as the planner assumes it (see JsonRangeEnd.resume). */
  readonly state: SplitterState;
  /** The state the next range assumes; undefined when this range reaches the end of the file. */
  readonly next: SplitterState | undefined;
  /** --max-record-size and the problems kept (the defaults when not given). */
  readonly limits?: Partial<ReadLimits>;
}

export interface JsonRangeEnd {
  /** Newlines in the range. */
  readonly lines: number;
  /**
   * Set when the next range does not begin in the state it assumed (a record spans the boundary, as in
   * pretty-printed JSON, or an array closed): the rest of the file must be read by one reader from here.
   * Every item the range gave is right; none from the open record on was given.
   */
  readonly resume?: JsonResume;
}

export interface JsonResume {
  /** Byte offset in the file. */
  readonly byte: number;
  /** Line (counted in the range, from 1) and column before the first character there. */
  readonly line: number;
  readonly column: number;
  readonly state: SplitterState;
}

const BLOCK = 1 << 16;
/** How far a line start is looked for, so that no range scans a file of very long lines (an array on one line) to its end. */
const SEARCH = 4 << 20;
/** The most a range reads at once; a longer one hands the rest of its file to one reader, which streams it. */
const MAX_SPAN = 64 << 20;

/**
 * The first line start at or after `at` (0, or just past a newline), the file's size when there is none, or -1
 * when there is none within SEARCH (the same answer for the range that ends at `at` and the one that starts there).
 */
function lineStart(fd: number, at: number, size: number): number {
  if (at <= 0) return 0;
  const buf = Buffer.allocUnsafe(BLOCK);
  let pos = at - 1;
  for (; pos < size && pos < at - 1 + SEARCH; pos += BLOCK) {
    const n = readSync(fd, buf, 0, Math.min(BLOCK, size - pos), pos);
    const i = buf.subarray(0, n).indexOf(10);
    if (i >= 0) return pos + i + 1;
    if (n === 0) return size;
  }
  return pos >= size ? size : -1;
}

/** Reads the records of a range; `emit` gets events and problems in file order. Never throws on file content. */
export function readJsonRange(range: JsonRange, emit: (item: InputItem) => void): JsonRangeEnd {
  const fd = openSync(range.file, 'r');
  try {
    const size = fstatSync(fd).size;
    const from = lineStart(fd, range.start, size);
    const to = range.next === undefined ? size : lineStart(fd, range.end, size);
    // Inside a line that began in an earlier range, which hands the file on (below): nothing to read here.
    if (from < 0) return { lines: 0 };
    // A line too long to look past, or too much to hold at once: one reader streams the file from here.
    if (to < 0 || to - from > MAX_SPAN) return { lines: 0, resume: { byte: from, line: 1, column: 0, state: range.state } };
    const bytes = Buffer.allocUnsafe(Math.max(0, to - from));
    for (let done = 0; done < bytes.length; ) {
      const n = readSync(fd, bytes, done, bytes.length - done, from + done);
      if (n === 0) break;
      done += n;
    }
    const text = bytes.toString('utf8');
    // Items wait for the range's end: an open record's skip problem (too large, too deep) is the resuming reader's to give.
    const items: InputItem[] = [];
    const splitter = new JsonRecordSplitter(range.file, (item) => items.push(item), range.state, range.limits);
    const done = (end: JsonRangeEnd): JsonRangeEnd => {
      for (const item of items) emit(item);
      return end;
    };
    splitter.push(text);
    if (range.next === undefined || to >= size) {
      splitter.end();
      return done({ lines: splitter.lines });
    }
    // Not an event file: one problem said so; the rest of the file is not read (a resume at its end).
    if (splitter.gaveUp) return done({ lines: splitter.lines, resume: { byte: size, line: splitter.lines + 1, column: 0, state: { ...range.next, problems: splitter.problems } } });
    splitter.release();
    let problems = splitter.problems;
    const open = splitter.open;
    if (open !== undefined) {
      // The items of the open record come from the reader that resumes at its '{'.
      const at = items.findIndex((i) => i.kind === 'problem' && i.problem.line === open.line && i.problem.column === open.column);
      if (at >= 0) {
        problems -= items.length - at;
        items.length = at;
      }
      const byte = from + Buffer.byteLength(text.slice(0, open.index));
      return done({ lines: splitter.lines, resume: { byte, line: open.line, column: open.column - 1, state: { inArray: open.inArray, sawContent: true, problems } } });
    }
    const state = splitter.state;
    if (state === undefined || state.inArray !== range.next.inArray || state.sawContent !== range.next.sawContent) {
      return done({ lines: splitter.lines, resume: { byte: to, line: splitter.lines + 1, column: 0, state: { ...(state ?? range.next), problems } } });
    }
    return done({ lines: splitter.lines });
  } finally {
    closeSync(fd);
  }
}
