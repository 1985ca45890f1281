/**
 * A parser for exactly the KQL sigmatch emits in a `where`, `extend`, `project` or `scan` assignment (and nothing
 * more): or / and / not(...), the string and comparison operators, + - * /, function calls, literals (real(null) too), columns (a
 * scan step's `s1.col` too), bag and array indexing, `dynamic([...])`. Anything else is a parse error, so the
 * model cannot silently accept a query it does not understand.
 */
export type Expr =
  | { readonly kind: 'lit'; readonly value: string | number | boolean | null }
  | { readonly kind: 'col'; readonly name: string }
  | { readonly kind: 'index'; readonly bag: string; readonly key: string }
  /** A dynamic array's element by position (`w_t[0]`), or `dynamic([...])` written out. */
  | { readonly kind: 'at'; readonly target: Expr; readonly index: Expr }
  | { readonly kind: 'array'; readonly items: readonly Expr[] }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: 'bin'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'in'; readonly op: 'in' | 'in~'; readonly left: Expr; readonly list: readonly Expr[] };

type Tok = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

const WORD_OPS = ['contains_cs', 'contains', 'startswith_cs', 'startswith', 'endswith_cs', 'endswith', 'matches', 'regex', 'in', 'and', 'or'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      let v = '';
      i++;
      while (src[i] !== '"') {
        if (i >= src.length) throw new Error('unterminated string');
        if (src[i] === '\\') {
          const e = src[i + 1] as string;
          if (e === 'u') {
            v += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          const map: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
          if (map[e] === undefined) throw new Error(`unknown escape \\${e}`);
          v += map[e];
          i += 2;
        } else v += src[i++];
      }
      i++;
      out.push({ t: 'str', v });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?~?/.exec(src.slice(i)) as RegExpExecArray;
      const w = m[0];
      out.push(w === 'in~' || WORD_OPS.includes(w) ? { t: 'op', v: w } : { t: 'id', v: w });
      i += w.length;
    } else {
      const m = /^(=~|==|!=|>=|<=|[-+*/><(),[\]])/.exec(src.slice(i));
      if (m === null) throw new Error(`unexpected '${c}' at ${i}`);
      out.push({ t: 'op', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

const COMPARE = new Set(['=~', '==', '!=', '>', '>=', '<', '<=', 'contains', 'contains_cs', 'startswith', 'startswith_cs', 'endswith', 'endswith_cs']);

export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => peek()?.t === 'op' && peek()?.v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new Error(`expected '${v}' at token ${p}`);
    p++;
  };
  // Left-associative chains: `or` of `and`s of comparisons.
  const chain = (op: 'and' | 'or', next: () => Expr) => (): Expr => {
    let left = next();
    while (isOp(op)) {
      p++;
      left = { kind: 'bin', op, left, right: next() };
    }
    return left;
  };
  const andExpr = (): Expr => chain('and', cmpExpr)();
  const orExpr = chain('or', andExpr);
  // + and - bind tighter than comparisons, * and / tighter still, as in KQL.
  const additive = (): Expr => {
    let left = multiplicative();
    while (isOp('+') || isOp('-')) {
      const op = (toks[p++] as Tok).v as string;
      left = { kind: 'bin', op, left, right: multiplicative() };
    }
    return left;
  };
  const multiplicative = (): Expr => {
    let left = postfix();
    while (isOp('*') || isOp('/')) {
      const op = (toks[p++] as Tok).v as string;
      left = { kind: 'bin', op, left, right: postfix() };
    }
    return left;
  };
  const postfix = (): Expr => {
    let e = primary();
    while (isOp('[')) {
      p++;
      const index = orExpr();
      expect(']');
      e = e.kind === 'col' && index.kind === 'lit' && typeof index.value === 'string' ? { kind: 'index', bag: e.name, key: index.value } : { kind: 'at', target: e, index };
    }
    return e;
  };
  const cmpExpr = (): Expr => {
    const left = additive();
    const t = peek();
    if (t?.t !== 'op') return left;
    if (COMPARE.has(t.v)) {
      p++;
      return { kind: 'bin', op: t.v, left, right: additive() };
    }
    if (t.v === 'matches') {
      p++;
      expect('regex');
      return { kind: 'bin', op: 'matches regex', left, right: additive() };
    }
    if (t.v === 'in' || t.v === 'in~') {
      p++;
      expect('(');
      const list = [primary()];
      while (isOp(',')) {
        p++;
        list.push(primary());
      }
      expect(')');
      return { kind: 'in', op: t.v, left, list };
    }
    return left;
  };
  const primary = (): Expr => {
    const t = toks[p++];
    if (t === undefined) throw new Error('unexpected end');
    if (t.t === 'str' || t.t === 'num') return { kind: 'lit', value: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'lit', value: t.v === 'true' };
      // A typed null: real(null).
      if (t.v === 'real' && isOp('(') && toks[p + 1]?.t === 'id' && toks[p + 1]?.v === 'null') {
        p += 2;
        expect(')');
        return { kind: 'lit', value: null };
      }
      if (t.v === 'dynamic') {
        expect('(');
        expect('[');
        const items: Expr[] = [];
        while (!isOp(']')) {
          if (items.length > 0) expect(',');
          items.push(primary());
        }
        expect(']');
        expect(')');
        return { kind: 'array', items };
      }
      if (isOp('(')) {
        p++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          args.push(orExpr());
          while (isOp(',')) {
            p++;
            args.push(orExpr());
          }
        }
        expect(')');
        return { kind: 'call', name: t.v, args };
      }
      return { kind: 'col', name: t.v };
    }
    throw new Error(`unexpected token ${JSON.stringify(t)}`);
  };
  const e = orExpr();
  if (p !== toks.length) throw new Error(`trailing tokens at ${p}: ${JSON.stringify(toks[p])}`);
  return e;
}
