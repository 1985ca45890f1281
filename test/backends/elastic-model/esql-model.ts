import ipaddr from 'ipaddr.js';
import { IpValue, type EsDoc } from './ecs-docs.js';
import { luceneRegexToJs } from './lucene-evaluate.js';
import { booleanExpr, Scanner } from './scanner.js';

/**
 * A parser and evaluator for exactly the ES|QL we emit: `FROM … METADATA … | WHERE expr` with AND / OR / NOT,
 * IS [NOT] NULL, == and the order comparisons, LIKE and RLIKE, TO_LOWER, STARTS_WITH, ENDS_WITH, CIDR_MATCH. Its
 * semantics are ES|QL's documented ones: three-valued logic (null is neither true nor false, NOT null is null, WHERE
 * keeps only true), a multivalued column gives null to every function and comparison, LIKE's `*` / `?` with `\`
 * escapes over the whole value, RLIKE as Lucene RegExp over the whole value, TO_LOWER as Java's (JavaScript's)
 * lower-casing. Anything else is a parse error.
 */
export type Expr =
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly child: Expr }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'isnull'; readonly value: Value; readonly negated: boolean }
  | { readonly kind: 'cmp'; readonly op: string; readonly left: Value; readonly right: Value }
  | { readonly kind: 'like' | 'rlike'; readonly left: Value; readonly pattern: string }
  | { readonly kind: 'call'; readonly fn: 'STARTS_WITH' | 'ENDS_WITH' | 'CIDR_MATCH'; readonly args: readonly Value[] };
export type Value =
  | { readonly kind: 'col'; readonly name: string }
  | { readonly kind: 'lit'; readonly value: string | number }
  | { readonly kind: 'lower' | 'todouble'; readonly arg: Value }
  | { readonly kind: 'replace'; readonly arg: Value; readonly pattern: string; readonly with: string }
  | { readonly kind: 'coalesce' | 'concat'; readonly args: readonly Value[] };

const MV = Symbol('multivalued');
type Scalar = string | number | IpValue | null;

/** The expression tree's boolean nodes (the EQL model builds the same tree). */
export const MAKE = {
  and: (left: Expr, right: Expr): Expr => ({ kind: 'and', left, right }),
  or: (left: Expr, right: Expr): Expr => ({ kind: 'or', left, right }),
  not: (child: Expr): Expr => ({ kind: 'not', child }),
};

/** A parenthesised expression, true or false, if one is next. */
export function groupOrConstant(s: Scanner, expr: () => Expr): Expr | undefined {
  s.ws();
  if (s.text[s.i] === '(') {
    s.i++;
    const e = expr();
    s.expect(')');
    return e;
  }
  if (s.kw('true')) return { kind: 'bool', value: true };
  if (s.kw('false')) return { kind: 'bool', value: false };
  return undefined;
}

export function parseEsql(text: string): Expr {
  const head = /^FROM winlogbeat-\* METADATA _id, _index, _version\n\| WHERE /.exec(text);
  if (head === null) throw new Error(`esql model: not FROM … | WHERE …: ${text.slice(0, 60)}`);
  const s = new Scanner(text, head[0].length, 'esql');
  /** `(v, v, …)` of this language's values. */
  const argList = (): Value[] => {
    s.expect('(');
    const args = [value()];
    s.ws();
    while (s.text[s.i] === ',') {
      s.i++;
      args.push(value());
      s.ws();
    }
    s.expect(')');
    return args;
  };
  const value = (): Value => {
    for (const [fn, kind] of [['TO_LOWER', 'lower'], ['TO_DOUBLE', 'todouble']] as const) {
      if (s.kw(fn)) {
        s.expect('(');
        const arg = value();
        s.expect(')');
        return { kind, arg };
      }
    }
    for (const [fn, kind] of [['COALESCE', 'coalesce'], ['CONCAT', 'concat']] as const) {
      if (s.kw(fn)) {
        const args = argList();
        return { kind, args };
      }
    }
    if (s.kw('REPLACE')) {
      s.expect('(');
      const arg = value();
      s.expect(',');
      const pattern = s.str();
      s.expect(',');
      const replacement = s.str();
      s.expect(')');
      return { kind: 'replace', arg, pattern, with: replacement };
    }
    return s.value();
  };
  const primary = (): Expr => {
    const simple = groupOrConstant(s, () => expr());
    if (simple !== undefined) return simple;
    for (const fn of ['STARTS_WITH', 'ENDS_WITH', 'CIDR_MATCH'] as const) {
      if (s.kw(fn)) {
        const args = argList();
        return { kind: 'call', fn, args };
      }
    }
    const left = value();
    if (s.kw('IS')) {
      const negated = s.kw('NOT');
      if (!s.kw('NULL')) s.fail('IS [NOT] NULL expected');
      return { kind: 'isnull', value: left, negated };
    }
    if (s.kw('LIKE')) return { kind: 'like', left, pattern: s.str() };
    if (s.kw('RLIKE')) return { kind: 'rlike', left, pattern: s.str() };
    const op = s.op(['==', '>=', '<=', '>', '<']) ?? s.fail('an operator expected');
    return { kind: 'cmp', op, left, right: value() };
  };
  const expr = booleanExpr(s, { and: 'AND', or: 'OR', not: 'NOT' }, primary, MAKE);
  const e = expr();
  s.end();
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
    case 'coalesce':
    case 'concat': {
      const xs = v.args.map((a) => read(a, doc));
      if (v.kind === 'coalesce') return xs.find((x) => x !== null) ?? null;
      if (xs.some((x) => x === null || x === MV)) return null;
      if (xs.some((x) => typeof x !== 'string')) throw new Error('esql model: CONCAT of a non-string');
      return xs.join('');
    }
    case 'lower':
    case 'todouble':
    case 'replace': {
      const x = read(v.arg, doc);
      if (x === MV || x === null) return null;
      if (typeof x !== 'string') throw new Error(`esql model: ${v.kind} of a non-string`);
      if (v.kind === 'lower') return lowered(x);
      if (v.kind === 'replace') return x.replace(new RegExp(v.pattern, 'gu'), v.with);
      return javaDouble(x);
    }
  }
}

/** Java's Double.parseDouble, as TO_DOUBLE reads a string: white space up to U+0020 trimmed, decimal text with an optional d/f suffix, NaN, Infinity; otherwise null (ES|QL's warning). */
function javaDouble(text: string): number | null {
  const t = text.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const m = /^([+-]?)(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?$/.exec(t);
  return m === null ? null : Number(`${m[1] as string}${m[2] as string}`);
}

/**
 * TO_LOWER of a document's value, remembered: a converted query lowers the same field in each of its tests (tens of
 * times for a long command line), and a document's values are the same strings in every query. Memory only: the
 * corpus's values are a few thousand strings.
 */
const lowerCache = new Map<string, string>();
function lowered(x: string): string {
  let l = lowerCache.get(x);
  if (l === undefined) {
    l = x.toLowerCase();
    lowerCache.set(x, l);
  }
  return l;
}

/**
 * LIKE as a test: a pattern whose only wildcards are a leading and/or trailing `*` (most of what the converter writes)
 * is equality, startsWith, endsWith or includes of its literal (escapes resolved); the rest a whole-value RegExp.
 */
const likeTests = new Map<string, (a: string) => boolean>();
function likeTest(pattern: string): (a: string) => boolean {
  let t = likeTests.get(pattern);
  if (t === undefined) {
    const chars = [...pattern];
    const lead = chars[0] === '*';
    let literal = '';
    let plain = true;
    let trail = false;
    for (let k = lead ? 1 : 0; k < chars.length; k++) {
      const c = chars[k] as string;
      if (c === '\\') literal += chars[++k] ?? '\\';
      else if (c === '*' && k === chars.length - 1) trail = true;
      else if (c === '*' || c === '?') plain = false;
      else literal += c;
    }
    if (!plain) {
      const re = likeRegex(pattern);
      t = (a) => re.test(a);
    } else if (lead && trail) t = (a) => a.includes(literal);
    else if (lead) t = (a) => a.endsWith(literal);
    else if (trail) t = (a) => a.startsWith(literal);
    else t = (a) => a === literal;
    likeTests.set(pattern, t);
  }
  return t;
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
      const present = read(e.value, doc) !== null;
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
      if (e.kind === 'like') return likeTest(e.pattern)(a);
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
