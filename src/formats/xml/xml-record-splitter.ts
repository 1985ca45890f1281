import { lineColOf } from '../../diagnostics.js';
import type { Event } from '../../event/event.js';
import { flattenEvent } from '../evtx/flatten-event.js';
import { renderXml } from '../evtx/xml-tree.js';
import type { InputItem, InputProblem } from '../input-item.js';
import { ProblemCap, readLimits, type ReadLimits } from '../read-limits.js';
import { parseXmlElement, XmlSyntaxError } from './parse-xml.js';

/** The start of an event or the end of one; nothing else of the text is looked at between events. */
const MARK = /<Event[\s>]|<\/Event\s{0,64}>/g;
/** The longest part of a mark a text can end in, kept for the next one. */
const TAIL = 72;

/**
 * Splits Windows event XML, pushed in pieces, into `<Event>` records: each runs from its start tag to the first
 * `</Event>` (or to the next `<Event`, when it was never closed) and is parsed on its own. Records do not
 * overlap, so the work is linear in the text whatever it holds. A record longer than the limit is reported
 * and followed to its end without being kept; a text with no event and many problems, or a binary byte
 * before any event, is given up with one problem.
 */
export class XmlRecordSplitter {
  /** The open record's text (from its '<'), or the end of the text between records. */
  private buf = '';
  /** Line and column of buf[0]. */
  private line = 1;
  private col = 1;
  private inRecord = false;
  private skipping = false;
  /** Where in buf the next mark is looked for. */
  private from = 0;
  private readonly limits: ReadLimits;
  private readonly cap: ProblemCap;
  /** Problems before the first event, held until the text shows it is an event log (see giveUp). */
  private held: InputProblem[] | undefined = [];
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly emit: (item: InputItem) => void,
    limits?: Partial<ReadLimits>,
  ) {
    this.limits = readLimits(limits);
    this.cap = new ProblemCap(file, this.limits.maxProblems, (problem) => emit({ kind: 'problem', problem }));
  }

  get gaveUp(): boolean {
    return this.stopped;
  }

  /** Characters held between pushes (an open event's text): at most the limit and a push. */
  get heldChars(): number {
    return this.buf.length;
  }

  push(text: string): void {
    if (this.stopped) return;
    this.buf += text;
    this.drain(false);
  }

  end(): void {
    if (!this.stopped) this.drain(true);
    this.release();
    this.cap.close();
  }

  private drain(final: boolean): void {
    const max = this.limits.maxRecordSize;
    while (!this.stopped) {
      MARK.lastIndex = this.from;
      const m = MARK.exec(this.buf);
      if (!this.inRecord) {
        if (m === null || m[0][1] === '/') {
          // Text between events (or a stray end tag): not kept.
          const keep = final ? 0 : Math.min(TAIL, this.buf.length);
          const n = m === null ? this.buf.length - keep : m.index + m[0].length;
          if (this.held !== undefined && this.binaryBefore(n)) return;
          this.drop(n);
          this.from = 0;
          if (m === null) return;
          continue;
        }
        if (this.held !== undefined && this.binaryBefore(m.index)) return;
        this.drop(m.index);
        this.inRecord = true;
        this.from = 6;
        continue;
      }
      let end: number;
      if (m !== null) end = m[0][1] === '/' ? m.index + m[0].length : m.index;
      else if (final) end = this.buf.length;
      else {
        if (!this.skipping && this.buf.length > max) {
          this.problem(`XML event larger than --max-record-size (${max} characters); skipped`, this.line, this.col);
          this.skipping = true;
        }
        if (this.skipping) {
          this.drop(Math.max(0, this.buf.length - TAIL));
          this.from = 0;
        } else this.from = Math.max(this.from, this.buf.length - TAIL);
        return;
      }
      if (this.skipping) {
        // Reported when it passed the limit.
      } else if (end > max) this.problem(`XML event larger than --max-record-size (${max} characters); skipped`, this.line, this.col);
      else this.record(this.buf.slice(0, end));
      this.drop(end);
      this.inRecord = false;
      this.skipping = false;
      this.from = 0;
      if (final && this.buf.length === 0) return;
    }
  }

  /** A NUL byte in buf[0..n) before any event: no XML event file (gives up, true). */
  private binaryBefore(n: number): boolean {
    // Looked for backwards from n: the text past n is not scanned again for every event start.
    if (n <= 0 || this.buf.lastIndexOf('\0', n - 1) < 0) return false;
    const at = this.buf.indexOf('\0');
    const pos = lineColOf(this.buf, at);
    this.giveUp('a NUL byte before any event: a binary file', this.line + pos.line - 1, pos.line === 1 ? this.col + pos.column - 1 : pos.column);
    return true;
  }

  /** Drops the first n characters of buf, keeping the line and column of what follows. */
  private drop(n: number): void {
    if (n <= 0) return;
    let last = -1;
    for (let j = this.buf.indexOf('\n'); j >= 0 && j < n; j = this.buf.indexOf('\n', j + 1)) {
      this.line++;
      last = j;
    }
    this.col = last >= 0 ? n - last : this.col + n;
    this.buf = this.buf.slice(n);
  }

  private record(text: string): void {
    try {
      const { element } = parseXmlElement(text, 0);
      const fields = flattenEvent(element);
      const t = Date.parse(String(fields['TimeCreated'] ?? ''));
      const event: Event = { fields, source: { file: this.file, line: this.line }, ...(Number.isNaN(t) ? {} : { timestamp: t }) };
      this.release();
      this.emit({ kind: 'event', event, xml: () => renderXml(element) });
    } catch (e) {
      if (!(e instanceof XmlSyntaxError)) throw e;
      const pos = lineColOf(text, e.offset);
      this.problem(e.message, this.line + pos.line - 1, pos.line === 1 ? this.col + pos.column - 1 : pos.column);
    }
  }

  private problem(message: string, line: number, column: number): void {
    const p: InputProblem = { code: 'xml-syntax', severity: 'error', message, file: this.file, line, column };
    if (this.held === undefined) return this.cap.add(p);
    this.held.push(p);
    if (this.held.length >= this.limits.maxProblems) this.giveUp(`${this.held.length} problems and no event`, line, column);
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && !this.stopped) for (const p of held) this.cap.add(p);
  }

  /** One problem instead of the ones held, and nothing more read: the text holds no events. */
  private giveUp(why: string, line: number, column: number): void {
    const first = this.held?.[0];
    this.held = undefined;
    this.stopped = true;
    this.buf = '';
    this.cap.add({ code: 'input-not-events', severity: 'error', message: `not an XML event file (${why}); the rest of the file is skipped${first === undefined ? '' : `; the first problem: ${first.message}`}`, file: this.file, line: first?.line ?? line, column: first?.column ?? column });
  }
}
