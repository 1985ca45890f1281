/**
 * A parser for exactly the SPL the Splunk target emits: a search of terms (`F="v*"`, `F IN (...)`, `EventCode=3`,
 * AND, OR, NOT, parentheses), optionally followed by `| where` and an eval expression. Anything else throws, so a
 * query shape the model does not know fails the test instead of being guessed at.
 */
export type Search =
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Search[] }
  | { readonly kind: 'not'; readonly part: Search }
  | { readonly kind: 'term'; readonly field: string; readonly values: ReadonlyArray<{ readonly text: string; readonly quoted: boolean }> };

export type Expr =
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Expr[] }
  | { readonly kind: 'not'; readonly part: Expr }
  | { readonly kind: 'cmp'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'arith'; readonly op: '+' | '-' | '*' | '/' | '.'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number };

export interface Query {
  readonly search: Search;
  readonly where?: Expr;
}

type Token = { kind: 'str' | 'field' | 'word' | 'num' | 'op'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let s = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && c === '"') {
          const n = text[i + 1];
          if (n !== '\\' && n !== '"') throw new Error(`escape \\${n} in a string: not what the target emits`);
          s += n;
          i += 2;
        } else s += text[i++];
      }
      if (i >= text.length) throw new Error('unterminated string');
      i++;
      out.push({ kind: c === '"' ? 'str' : 'field', text: s });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ kind: 'num', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i)) as RegExpExecArray;
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      const m = /^(==|!=|>=|<=|[()=,<>*|+\-/.])/.exec(text.slice(i));
      if (m === null) throw new Error(`unexpected '${c}' at ${i}`);
      out.push({ kind: 'op', text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

class Reader {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  take(): Token {
    const t = this.tokens[this.i++];
    if (t === undefined) throw new Error('unexpected end of query');
    return t;
  }
  is(text: string): boolean {
    const t = this.peek();
    return t !== undefined && (t.kind === 'op' || t.kind === 'word') && t.text === text;
  }
  expect(text: string): void {
    const t = this.take();
    if (t.text !== text) throw new Error(`expected '${text}', got '${t.text}'`);
  }
}

function searchOr(r: Reader): Search {
  const parts = [searchAnd(r)];
  while (r.is('OR')) {
    r.take();
    parts.push(searchAnd(r));
  }
  return parts.length === 1 ? (parts[0] as Search) : { kind: 'or', parts };
}

function searchAnd(r: Reader): Search {
  const parts = [searchUnary(r)];
  while (r.is('AND')) {
    r.take();
    parts.push(searchUnary(r));
  }
  return parts.length === 1 ? (parts[0] as Search) : { kind: 'and', parts };
}

function searchValue(r: Reader): { text: string; quoted: boolean } {
  const t = r.take();
  if (t.kind === 'str') return { text: t.text, quoted: true };
  if (t.kind === 'num') return { text: t.text, quoted: false };
  throw new Error(`a search value must be a string or a number, not '${t.text}'`);
}

function searchUnary(r: Reader): Search {
  if (r.is('NOT')) {
    r.take();
    return { kind: 'not', part: searchUnary(r) };
  }
  if (r.is('(')) {
    r.take();
    const s = searchOr(r);
    r.expect(')');
    return s;
  }
  const f = r.take();
  if (f.kind !== 'word' && f.kind !== 'str') throw new Error(`a search term starts with a field, not '${f.text}'`);
  if (r.is('IN')) {
    r.take();
    r.expect('(');
    const values = [searchValue(r)];
    while (r.is(',')) {
      r.take();
      values.push(searchValue(r));
    }
    r.expect(')');
    return { kind: 'term', field: f.text, values };
  }
  r.expect('=');
  return { kind: 'term', field: f.text, values: [searchValue(r)] };
}

function exprOr(r: Reader): Expr {
  const parts = [exprAnd(r)];
  while (r.is('OR')) {
    r.take();
    parts.push(exprAnd(r));
  }
  return parts.length === 1 ? (parts[0] as Expr) : { kind: 'or', parts };
}

function exprAnd(r: Reader): Expr {
  const parts = [exprNot(r)];
  while (r.is('AND')) {
    r.take();
    parts.push(exprNot(r));
  }
  return parts.length === 1 ? (parts[0] as Expr) : { kind: 'and', parts };
}

function exprNot(r: Reader): Expr {
  if (r.is('NOT')) {
    r.take();
    return { kind: 'not', part: exprNot(r) };
  }
  const left = exprAdd(r);
  const t = r.peek();
  if (t !== undefined && t.kind === 'op' && ['==', '!=', '>', '>=', '<', '<='].includes(t.text)) {
    r.take();
    return { kind: 'cmp', op: t.text, left, right: exprAdd(r) };
  }
  return left;
}

/** `+`, `-` and `.` (text concatenation) at one level, left to right, above `*` and `/` (eval's precedence). */
function exprAdd(r: Reader): Expr {
  let left = exprMul(r);
  for (let t = r.peek(); t !== undefined && t.kind === 'op' && (t.text === '+' || t.text === '-' || t.text === '.'); t = r.peek()) {
    r.take();
    left = { kind: 'arith', op: t.text as '+' | '-' | '.', left, right: exprMul(r) };
  }
  return left;
}

function exprMul(r: Reader): Expr {
  let left = exprAtom(r);
  for (let t = r.peek(); t !== undefined && t.kind === 'op' && (t.text === '*' || t.text === '/'); t = r.peek()) {
    r.take();
    left = { kind: 'arith', op: t.text as '*' | '/', left, right: exprAtom(r) };
  }
  return left;
}

function exprAtom(r: Reader): Expr {
  const t = r.take();
  if (t.kind === 'op' && t.text === '(') {
    const e = exprOr(r);
    r.expect(')');
    return e;
  }
  if (t.kind === 'str') return { kind: 'string', value: t.text };
  if (t.kind === 'num') return { kind: 'number', value: Number(t.text) };
  if (t.kind === 'field') return { kind: 'field', name: t.text };
  if (t.kind === 'word') {
    if (r.is('(')) {
      r.take();
      const args: Expr[] = [];
      if (!r.is(')')) {
        args.push(exprOr(r));
        while (r.is(',')) {
          r.take();
          args.push(exprOr(r));
        }
      }
      r.expect(')');
      return { kind: 'call', name: t.text, args };
    }
    return { kind: 'field', name: t.text };
  }
  throw new Error(`unexpected '${t.text}' in an eval expression`);
}

/** One eval expression (a where's, an eval assignment's, a reset_after's), all of the text. */
export function parseExpr(text: string): Expr {
  const r = new Reader(tokenize(text));
  const e = exprOr(r);
  if (r.peek() !== undefined) throw new Error(`left over in the expression: '${r.peek()?.text}'`);
  return e;
}

/** A search of terms alone (the first stage of a search). */
export function parseSearch(text: string): Search {
  const r = new Reader(tokenize(text));
  const s = searchOr(r);
  if (r.peek() !== undefined) throw new Error(`left over in the search: '${r.peek()?.text}'`);
  return s;
}

/** The emitted query: a search, then `| where EXPR` or nothing. */
export function parseQuery(text: string): Query {
  const [searchText, ...stages] = text.split(/\n\| /);
  const r = new Reader(tokenize(searchText as string));
  const search = searchOr(r);
  if (r.peek() !== undefined) throw new Error(`left over in the search: '${r.peek()?.text}'`);
  if (stages.length === 0) return { search };
  if (stages.length > 1 || !(stages[0] as string).startsWith('where ')) throw new Error(`a stage not in the model: ${stages.join(' | ').slice(0, 80)}`);
  const w = new Reader(tokenize((stages[0] as string).slice('where '.length)));
  const where = exprOr(w);
  if (w.peek() !== undefined) throw new Error(`left over in the where: '${w.peek()?.text}'`);
  return { search, where };
}
