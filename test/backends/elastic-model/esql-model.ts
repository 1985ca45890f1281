import ipaddr from 'ipaddr.js';
import { IpValue, type EsDoc } from './ecs-docs.js';
import { luceneRegexToJs } from './lucene-evaluate.js';

/**
 * A parser and evaluator for exactly the ES|QL we emit: `FROM … METADATA … | WHERE expr` with AND / OR / NOT,
 * IS [NOT] NULL, == and the order comparisons, LIKE and RLIKE, TO_LOWER, STARTS_WITH, ENDS_WITH, CIDR_MATCH. Its
 * semantics are ES|QL's documented ones: three-valued logic (null is neither true nor false, NOT null is null, WHERE
 * keeps only true), a multivalued column gives null to every function and comparison, LIKE's `*` / `?` with `\`
 * escapes over the whole value, RLIKE as Lucene RegExp over the whole value, TO_LOWER as Java's (JavaScript's)
 * lower-casing. Anything else is a parse error.
 */
type Expr =
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly child: Expr }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'isnull'; readonly col: string; readonly negated: boolean }
  | { readonly kind: 'cmp'; readonly op: string; readonly left: Value; readonly right: Value }
  | { readonly kind: 'like' | 'rlike'; readonly left: Value; readonly pattern: string }
  | { readonly kind: 'call'; readonly fn: 'STARTS_WITH' | 'ENDS_WITH' | 'CIDR_MATCH'; readonly args: readonly Value[] };
type Value = { readonly kind: 'col'; readonly name: string } | { readonly kind: 'lit'; readonly value: string | number } | { readonly kind: 'lower'; readonly arg: Value };

const MV = Symbol('multivalued');
type Scalar = string | number | IpValue | null;

export function parseEsql(text: string): Expr {
  const head = /^FROM winlogbeat-\* METADATA _id, _index, _version\n\| WHERE /.exec(text);
  if (head === null) throw new Error(`esql model: not FROM … | WHERE …: ${text.slice(0, 60)}`);
  let i = head[0].length;
  const fail = (why: string): never => {
    throw new Error(`esql model: ${why} at ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const kw = (w: string) => {
    ws();
    if (text.startsWith(w, i) && !/[A-Za-z0-9_]/.test(text[i + w.length] ?? '')) {
      i += w.length;
      return true;
    }
    return false;
  };
  const str = (): string => {
    ws();
    if (text[i] !== '"') fail('a string expected');
    i++;
    let out = '';
    while (text[i] !== '"') {
      const c = text[i];
      if (c === undefined || c === '\n' || c === '\r') fail('an unclosed string');
      if (c === '\\') {
        const n = text[i + 1] as string;
        const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (map[n] === undefined) fail(`the escape \\${n}`);
        out += map[n];
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    i++;
    return out;
  };
  const value = (): Value => {
    ws();
    if (text[i] === '"') return { kind: 'lit', value: str() };
    const num = /^-?[0-9]+/.exec(text.slice(i));
    if (num !== null) {
      i += num[0].length;
      return { kind: 'lit', value: Number(num[0]) };
    }
    if (kw('TO_LOWER')) {
      ws();
      if (text[i++] !== '(') fail("'(' expected");
      const arg = value();
      ws();
      if (text[i++] !== ')') fail("')' expected");
      return { kind: 'lower', arg };
    }
    if (text[i] === '`') {
      const end = text.indexOf('`', i + 1);
      const name = text.slice(i + 1, end);
      i = end + 1;
      return { kind: 'col', name };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (m === null) fail('a value expected');
    i += (m as RegExpExecArray)[0].length;
    return { kind: 'col', name: (m as RegExpExecArray)[0] };
  };
  const primary = (): Expr => {
    ws();
    if (text[i] === '(') {
      i++;
      const e = or();
      ws();
      if (text[i++] !== ')') fail("')' expected");
      return e;
    }
    if (kw('true')) return { kind: 'bool', value: true };
    if (kw('false')) return { kind: 'bool', value: false };
    for (const fn of ['STARTS_WITH', 'ENDS_WITH', 'CIDR_MATCH'] as const) {
      if (kw(fn)) {
        ws();
        if (text[i++] !== '(') fail("'(' expected");
        const args = [value()];
        ws();
        while (text[i] === ',') {
          i++;
          args.push(value());
          ws();
        }
        if (text[i++] !== ')') fail("')' expected");
        return { kind: 'call', fn, args };
      }
    }
    const left = value();
    if (kw('IS')) {
      const negated = kw('NOT');
      if (!kw('NULL')) fail('NULL expected');
      if (left.kind !== 'col') fail('IS NULL on a column only');
      return { kind: 'isnull', col: (left as { name: string }).name, negated };
    }
    if (kw('LIKE')) return { kind: 'like', left, pattern: str() };
    if (kw('RLIKE')) return { kind: 'rlike', left, pattern: str() };
    ws();
    const op = /^(==|>=|<=|>|<)/.exec(text.slice(i));
    if (op === null) fail('an operator expected');
    i += (op as RegExpExecArray)[0].length;
    return { kind: 'cmp', op: (op as RegExpExecArray)[0], left, right: value() };
  };
  const not = (): Expr => (kw('NOT') ? { kind: 'not', child: not() } : primary());
  const and = (): Expr => {
    let e = not();
    while (kw('AND')) e = { kind: 'and', left: e, right: not() };
    return e;
  };
  const or = (): Expr => {
    let e = and();
    while (kw('OR')) e = { kind: 'or', left: e, right: and() };
    return e;
  };
  const e = or();
  ws();
  if (i < text.length) fail('text after the query');
  return e;
}

function read(v: Value, doc: EsDoc): Scalar | typeof MV {
  switch (v.kind) {
    case 'lit':
      return v.value;
    case 'col': {
      const values = doc[v.name];
      if (values === undefined || values.length === 0) return null;
      return values.length > 1 ? MV : (values[0] as Scalar);
    }
    case 'lower': {
      const x = read(v.arg, doc);
      if (x === MV || x === null) return null;
      if (typeof x !== 'string') throw new Error('esql model: TO_LOWER of a non-string');
      return x.toLowerCase();
    }
  }
}

const likeCache = new Map<string, RegExp>();
function likeRegex(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (re === undefined) {
    let body = '';
    const chars = [...pattern];
    for (let k = 0; k < chars.length; k++) {
      const c = chars[k] as string;
      if (c === '\\') body += `\\u{${((chars[++k] ?? '\\').codePointAt(0) as number).toString(16)}}`;
      else if (c === '*') body += '[\\s\\S]*';
      else if (c === '?') body += '[\\s\\S]';
      else body += `\\u{${(c.codePointAt(0) as number).toString(16)}}`;
    }
    re = new RegExp(`^${body}$`, 'u');
    likeCache.set(pattern, re);
  }
  return re;
}

const rlikeCache = new Map<string, RegExp>();

/** true, false or null (unknown). */
export function evaluateEsql(e: Expr, doc: EsDoc): boolean | null {
  switch (e.kind) {
    case 'and': {
      const a = evaluateEsql(e.left, doc);
      const b = evaluateEsql(e.right, doc);
      return a === false || b === false ? false : a === null || b === null ? null : true;
    }
    case 'or': {
      const a = evaluateEsql(e.left, doc);
      const b = evaluateEsql(e.right, doc);
      return a === true || b === true ? true : a === null || b === null ? null : false;
    }
    case 'not': {
      const a = evaluateEsql(e.child, doc);
      return a === null ? null : !a;
    }
    case 'bool':
      return e.value;
    case 'isnull': {
      const present = (doc[e.col]?.length ?? 0) > 0;
      return e.negated ? present : !present;
    }
    case 'cmp': {
      const a = read(e.left, doc);
      const b = read(e.right, doc);
      if (a === null || b === null || a === MV || b === MV) return null;
      if (a instanceof IpValue || b instanceof IpValue) throw new Error('esql model: a comparison on an ip');
      if (typeof a !== typeof b) throw new Error(`esql model: comparing ${typeof a} with ${typeof b} (ES|QL rejects the query)`);
      return e.op === '==' ? a === b : e.op === '>' ? a > b : e.op === '>=' ? a >= b : e.op === '<' ? a < b : a <= b;
    }
    case 'like':
    case 'rlike': {
      const a = read(e.left, doc);
      if (a === null || a === MV) return null;
      if (typeof a !== 'string') throw new Error(`esql model: ${e.kind.toUpperCase()} on a non-string`);
      if (e.kind === 'like') return likeRegex(e.pattern).test(a);
      let re = rlikeCache.get(e.pattern);
      if (re === undefined) {
        re = luceneRegexToJs(e.pattern);
        rlikeCache.set(e.pattern, re);
      }
      return re.test(a);
    }
    case 'call': {
      const args = e.args.map((x) => read(x, doc));
      if (args.some((x) => x === null || x === MV)) return null;
      if (e.fn === 'CIDR_MATCH') {
        const ip = args[0];
        if (!(ip instanceof IpValue)) throw new Error('esql model: CIDR_MATCH on a non-ip column');
        return args.slice(1).some((c) => {
          const [net, bits] = ipaddr.parseCIDR(String(c));
          return net.kind() === 'ipv4' ? ip.address.match((net as ipaddr.IPv4).toIPv4MappedAddress(), bits + 96) : ip.address.match(net as ipaddr.IPv6, bits);
        });
      }
      const [s, p] = args as [unknown, unknown];
      if (typeof s !== 'string' || typeof p !== 'string') throw new Error(`esql model: ${e.fn} of a non-string`);
      return e.fn === 'STARTS_WITH' ? s.startsWith(p) : s.endsWith(p);
    }
  }
}

/** WHERE keeps a row only where the condition is true. */
export function esqlKeeps(e: Expr, doc: EsDoc): boolean {
  return evaluateEsql(e, doc) === true;
}
