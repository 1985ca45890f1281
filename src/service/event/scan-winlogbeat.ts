/**
 * The fields of a Winlogbeat document's dedup key read straight from its JSON text, without building the document:
 * ingest's hot path (JSON.parse of every document only for four fields was the ingest thread's largest cost).
 *
 * The scanner checks the whole text against JSON's grammar (what JSON.parse accepts: RFC 8259, whitespace
 * space/tab/LF/CR, no control characters in strings), so a text it answers for is a JSON object JSON.parse reads
 * without error, and the values it gives are those JSON.parse would put at `@timestamp` and `winlog.*`. Whenever it
 * cannot be sure of that it answers undefined and the caller parses the document as before: a text that is not a
 * JSON object, one without `@timestamp` and `winlog` (another shape), an escaped name at those two levels (it might
 * spell one of the names), a name of interest twice (JSON.parse keeps the last), a value of another type than the
 * one the key reads (a number record id other than a plain integer, a non-string channel), or nesting deeper than
 * MAX_DEPTH.
 */
export interface WinlogbeatKeyFields {
  /** `@timestamp` as JSON.parse gives it. */
  readonly timestamp: string;
  /** `winlog.computer_name`. */
  readonly host: string;
  /** `winlog.channel` ('' when absent). */
  readonly channel: string;
  /** `winlog.record_id` as String() of JSON.parse's value gives it. */
  readonly record: string;
}

const MAX_DEPTH = 256;

// Char codes.
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;

/** Where the object being scanned sits: the document itself, its `winlog`, or anywhere else. */
const OTHER = 0;
const TOP = 1;
const WINLOG = 2;

/** Thrown to stop the scan: the caller falls back to JSON.parse (which also words any error). */
const UNSURE = Symbol('unsure');

const TOP_NAMES = ['@timestamp', 'winlog'];
const WINLOG_NAMES = ['computer_name', 'channel', 'record_id'];

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f]/;
const PLAIN_INTEGER = /^-?(?:0|[1-9]\d{0,14})$/;

class Scan {
  pos = 0;
  /** Set by string(): whether the last string held an escape. */
  escaped = false;
  timestamp: string | undefined;
  host: string | undefined;
  channel: string | undefined;
  record: string | undefined;
  sawWinlog = false;

  /** No control character in the whole text (compact JSON, the common case): strings need no character check. */
  private readonly plain: boolean;
  /** The next backslash at or after the string being scanned (-1: none). */
  private backslash: number;

  constructor(private readonly text: string) {
    this.plain = !CONTROL.test(text);
    this.backslash = text.indexOf('\\');
  }

  ws(): void {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.pos = i;
  }

  /** A string starting at pos (a quote); leaves pos after its closing quote and returns the index of that quote. */
  private string(): number {
    const t = this.text;
    let i = this.pos + 1;
    if (this.plain) {
      // No control character anywhere: a string ends at the next quote not escaped, and only its backslashes
      // need a look.
      let escaped = false;
      let q = t.indexOf('"', i);
      for (;;) {
        if (q < 0) throw UNSURE;
        let b = this.backslash;
        if (b !== -1 && b < i) this.backslash = b = t.indexOf('\\', i);
        if (b === -1 || b > q) {
          this.escaped = escaped;
          this.pos = q + 1;
          return q;
        }
        escaped = true;
        const e = t.charCodeAt(b + 1);
        if (e === 117) {
          if (!(isHex(t.charCodeAt(b + 2)) && isHex(t.charCodeAt(b + 3)) && isHex(t.charCodeAt(b + 4)) && isHex(t.charCodeAt(b + 5)))) throw UNSURE;
          i = b + 6;
        } else if (e === QUOTE || e === BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i = b + 2;
        else throw UNSURE;
        if (q < i) q = t.indexOf('"', i);
      }
    }
    let escaped = false;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = t.charCodeAt(i + 1);
        if (e === 117) {
          if (!(isHex(t.charCodeAt(i + 2)) && isHex(t.charCodeAt(i + 3)) && isHex(t.charCodeAt(i + 4)) && isHex(t.charCodeAt(i + 5)))) throw UNSURE;
          i += 6;
        } else if (e === QUOTE || e === BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 2;
        else throw UNSURE;
      } else if (c < 32 || c !== c) throw UNSURE; // a control character, or the end of the text
      else i++;
    }
    this.escaped = escaped;
    this.pos = i + 1;
    return i;
  }

  /** The value of the string between pos `start` (its opening quote) and `end` (its closing quote). */
  private decode(start: number, end: number): string {
    return this.escaped ? (JSON.parse(this.text.slice(start, end + 1)) as string) : this.text.slice(start + 1, end);
  }

  private number(): void {
    const t = this.text;
    let i = this.pos;
    if (t.charCodeAt(i) === MINUS) i++;
    let c = t.charCodeAt(i);
    if (c === 48) i++;
    else if (c >= 49 && c <= 57) {
      do i++;
      while ((c = t.charCodeAt(i)) >= 48 && c <= 57);
    } else throw UNSURE;
    if (t.charCodeAt(i) === 46) {
      i++;
      if (!((c = t.charCodeAt(i)) >= 48 && c <= 57)) throw UNSURE;
      do i++;
      while ((c = t.charCodeAt(i)) >= 48 && c <= 57);
    }
    c = t.charCodeAt(i);
    if (c === 101 || c === 69) {
      i++;
      c = t.charCodeAt(i);
      if (c === 43 || c === MINUS) i++;
      if (!((c = t.charCodeAt(i)) >= 48 && c <= 57)) throw UNSURE;
      do i++;
      while ((c = t.charCodeAt(i)) >= 48 && c <= 57);
    }
    this.pos = i;
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) throw UNSURE;
    this.pos += word.length;
  }

  /** Any value at pos; `depth` counts the containers it is in. */
  private value(depth: number): void {
    const c = this.text.charCodeAt(this.pos);
    if (c === QUOTE) this.string();
    else if (c === OPEN_BRACE) this.object(depth + 1, OTHER);
    else if (c === OPEN_BRACKET) this.array(depth + 1);
    else if (c === 116) this.literal('true');
    else if (c === 102) this.literal('false');
    else if (c === 110) this.literal('null');
    else this.number();
  }

  private array(depth: number): void {
    if (depth > MAX_DEPTH) throw UNSURE;
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth);
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) throw UNSURE;
      this.ws();
    }
  }

  object(depth: number, role: number): void {
    if (depth > MAX_DEPTH) throw UNSURE;
    const t = this.text;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    for (;;) {
      if (t.charCodeAt(this.pos) !== QUOTE) throw UNSURE;
      const start = this.pos;
      const end = this.string();
      // An escaped name might spell a name of interest: only where names matter.
      if (this.escaped && role !== OTHER) throw UNSURE;
      this.ws();
      if (t.charCodeAt(this.pos) !== COLON) throw UNSURE;
      this.pos++;
      this.ws();
      if (role === OTHER) this.value(depth);
      else this.member(this.nameOf(start + 1, end, role), depth, role);
      this.ws();
      const c = t.charCodeAt(this.pos++);
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw UNSURE;
      this.ws();
    }
  }

  /** Which name of interest the text from `from` to `to` (a name without escapes) is, at this level: one of NAMES, or ''. */
  private nameOf(from: number, to: number, role: number): string {
    // Compared in place: no string made for the names of every member.
    const names = role === TOP ? TOP_NAMES : WINLOG_NAMES;
    for (const n of names) if (to - from === n.length && this.text.startsWith(n, from)) return n;
    return '';
  }

  /** A member of the document or of its `winlog`: the values of the key read, the others skipped. */
  private member(name: string, depth: number, role: number): void {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (role === TOP) {
      if (name === '@timestamp') {
        if (this.timestamp !== undefined || c !== QUOTE) throw UNSURE;
        const start = this.pos;
        this.timestamp = this.decode(start, this.string());
        return;
      }
      if (name === 'winlog') {
        if (this.sawWinlog || c !== OPEN_BRACE) throw UNSURE;
        this.sawWinlog = true;
        return this.object(depth + 1, WINLOG);
      }
      return this.value(depth);
    }
    if (name === 'computer_name' || name === 'channel') {
      if ((name === 'channel' ? this.channel : this.host) !== undefined || c !== QUOTE) throw UNSURE;
      const start = this.pos;
      const v = this.decode(start, this.string());
      if (name === 'channel') this.channel = v;
      else this.host = v;
      return;
    }
    if (name === 'record_id') {
      if (this.record !== undefined) throw UNSURE;
      const start = this.pos;
      if (c === QUOTE) {
        this.record = this.decode(start, this.string());
        return;
      }
      this.number();
      const literal = t.slice(start, this.pos);
      if (!PLAIN_INTEGER.test(literal) || literal === '-0') throw UNSURE;
      this.record = literal;
      return;
    }
    this.value(depth);
  }
}

/** The key fields of a Winlogbeat document's text, or undefined: parse it (see the module's comment). */
export function scanWinlogbeat(text: string): WinlogbeatKeyFields | undefined {
  const s = new Scan(text);
  try {
    s.ws();
    if (text.charCodeAt(s.pos) !== OPEN_BRACE) return undefined;
    s.object(1, TOP);
    s.ws();
    if (s.pos !== text.length) return undefined;
  } catch (e) {
    if (e === UNSURE) return undefined;
    throw e;
  }
  if (s.timestamp === undefined || s.host === undefined || s.record === undefined) return undefined;
  return { timestamp: s.timestamp, host: s.host, channel: s.channel ?? '', record: s.record };
}
