import type { Value } from './esql-model.js';

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The lexing both expression models share: white space, words, double-quoted strings with \n \r \t \" \\, columns and numbers. */
export class Scanner {
  i: number;
  constructor(
    readonly text: string,
    start: number,
    readonly model: string,
  ) {
    this.i = start;
  }
  fail(why: string): never {
    throw new Error(`${this.model} model: ${why} at ${this.i}: ${JSON.stringify(this.text.slice(this.i, this.i + 40))}`);
  }
  ws(): void {
    while (/\s/.test(this.text[this.i] ?? '')) this.i++;
  }
  /** The word next (not the start of a longer name): consumed and true. */
  kw(w: string): boolean {
    this.ws();
    if (this.text.startsWith(w, this.i) && !/[A-Za-z0-9_]/.test(this.text[this.i + w.length] ?? '')) {
      this.i += w.length;
      return true;
    }
    return false;
  }
  expect(c: string): void {
    this.ws();
    if (this.text[this.i] !== c) this.fail(`'${c}' expected`);
    this.i++;
  }
  str(): string {
    this.expect('"');
    let out = '';
    while (this.text[this.i] !== '"') {
      const c = this.text[this.i];
      if (c === undefined || c === '\n' || c === '\r') this.fail('an unclosed string');
      if (c === '\\') {
        const e = ESCAPES[this.text[this.i + 1] as string];
        if (e === undefined) this.fail('an escape outside the subset');
        out += e;
        this.i += 2;
      } else {
        out += c;
        this.i++;
      }
    }
    this.i++;
    return out;
  }
  /** A string, an integer, a backquoted or a plain column name. */
  value(): Value {
    this.ws();
    if (this.text[this.i] === '"') return { kind: 'lit', value: this.str() };
    const rest = this.text.slice(this.i);
    const num = /^-?[0-9]+(\.[0-9]+)?(E[+-]?[0-9]+)?/.exec(rest);
    if (num !== null) {
      this.i += num[0].length;
      return { kind: 'lit', value: Number(num[0]) };
    }
    if (rest.startsWith('`')) {
      const end = this.text.indexOf('`', this.i + 1);
      if (end < 0) this.fail('an unclosed backquote');
      const name = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return { kind: 'col', name };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (m === null) return this.fail('a value expected');
    this.i += m[0].length;
    return { kind: 'col', name: m[0] };
  }
  /** The comparison operator next, if any of `ops`. */
  op(ops: readonly string[]): string | undefined {
    this.ws();
    const found = ops.find((o) => this.text.startsWith(o, this.i));
    if (found !== undefined) this.i += found.length;
    return found;
  }
  /** Comma-separated values up to `)` (the `(` already read). */
  args(): Value[] {
    const out = [this.value()];
    this.ws();
    while (this.text[this.i] === ',') {
      this.i++;
      out.push(this.value());
      this.ws();
    }
    this.expect(')');
    return out;
  }
  end(): void {
    this.ws();
    if (this.i < this.text.length) this.fail('text after the query');
  }
}

/** Boolean operators by precedence (or < and < not), over a primary the language parses. */
export function booleanExpr<E>(s: Scanner, words: { readonly and: string; readonly or: string; readonly not: string }, primary: () => E, make: { readonly and: (a: E, b: E) => E; readonly or: (a: E, b: E) => E; readonly not: (a: E) => E }): () => E {
  const not = (): E => (s.kw(words.not) ? make.not(not()) : primary());
  const and = (): E => {
    let e = not();
    while (s.kw(words.and)) e = make.and(e, not());
    return e;
  };
  const or = (): E => {
    let e = and();
    while (s.kw(words.or)) e = make.or(e, and());
    return e;
  };
  return or;
}
