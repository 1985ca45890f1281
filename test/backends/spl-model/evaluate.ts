import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { RE2JS } from 're2js';
import type { Expr, Query, Search } from './parse.js';

/** A Splunk event as the model holds it: each field's values as text (one value, or several: a multivalue field). */
export type SplRow = { readonly [field: string]: readonly string[] };

type Value = string | number | boolean | null | readonly string[];

const compiled = new Map<string, RE2JS>();
/** A PCRE pattern as the target emits it, run as RE2 (the emitted patterns mean the same in both: see re2ToPcre). */
function regex(source: string): RE2JS {
  let re = compiled.get(source);
  if (re === undefined) compiled.set(source, (re = RE2JS.compile(source)));
  return re;
}

/** The search command's `F="pattern"`: `*` any run of characters, everything else literal, case ignored. */
function wildcard(pattern: string, value: string): boolean {
  const parts = pattern.toLowerCase().split('*');
  const v = value.toLowerCase();
  if (parts.length === 1) return v === parts[0];
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (!v.startsWith(first) || v.length < first.length + last.length || !v.endsWith(last)) return false;
  let at = first.length;
  for (const p of parts.slice(1, -1)) {
    const k = v.indexOf(p, at);
    if (k < 0 || k + p.length > v.length - last.length) return false;
    at = k + p.length;
  }
  return true;
}

/** A search term: true when any value of the field matches any of its values (an absent field matches none). */
export function searchMatches(s: Search, row: SplRow): boolean {
  switch (s.kind) {
    case 'and':
      return s.parts.every((p) => searchMatches(p, row));
    case 'or':
      return s.parts.some((p) => searchMatches(p, row));
    case 'not':
      return !searchMatches(s.part, row);
    case 'term': {
      const values = row[s.field] ?? [];
      // An unquoted number is a term like any other: the value's text (EventCode is always decimal digits).
      return s.values.some((want) => values.some((v) => (want.quoted ? wildcard(want.text, v) : v === want.text)));
    }
  }
}

const scalar = (v: Value): string | number | boolean | null => (Array.isArray(v) ? ((v[0] as string | undefined) ?? null) : (v as string | number | boolean | null));

/** An address text as cidrmatch reads it: a dotted quad or an IPv6 address; anything else is no address. */
function address(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

function cidrmatch(net: string, text: string): boolean {
  const a = address(text);
  const [range, bits] = ipaddr.parseCIDR(net);
  return a !== undefined && a.kind() === range.kind() && a.match(range, bits);
}

/** tonumber on text: the decimal forms JavaScript's Number reads (the emitted query checks the text's shape first). */
function toNumber(v: string | number | boolean | null): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isNaN(n) ? null : n;
}

/** The fields an expression reads (mvfilter allows one). */
function fieldsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'field') out.add(e.name);
  else if (e.kind === 'and' || e.kind === 'or') e.parts.forEach((p) => fieldsOf(p, out));
  else if (e.kind === 'not') fieldsOf(e.part, out);
  else if (e.kind === 'cmp' || e.kind === 'arith') {
    fieldsOf(e.left, out);
    fieldsOf(e.right, out);
  } else if (e.kind === 'call') e.args.forEach((a) => fieldsOf(a, out));
  return out;
}

/** eval's three-valued logic: null (an absent field, a function on null) is neither true nor false. */
export function evaluate(e: Expr, row: SplRow): Value {
  const arg = (i: number) => evaluate((e as Extract<Expr, { kind: 'call' }>).args[i] as Expr, row);
  switch (e.kind) {
    case 'string':
      return e.value;
    case 'number':
      return e.value;
    case 'field': {
      const v = row[e.name];
      return v === undefined || v.length === 0 ? null : v.length === 1 ? (v[0] as string) : v;
    }
    case 'not': {
      const v = evaluate(e.part, row);
      return v === null ? null : !v;
    }
    case 'and': {
      let sawNull = false;
      for (const p of e.parts) {
        const v = evaluate(p, row);
        if (v === false) return false;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : true;
    }
    case 'or': {
      let sawNull = false;
      for (const p of e.parts) {
        const v = evaluate(p, row);
        if (v === true) return true;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : false;
    }
    case 'cmp': {
      const l = scalar(evaluate(e.left, row));
      const r = scalar(evaluate(e.right, row));
      if (l === null || r === null) return null;
      // Numbers compare as numbers (text that reads as one too, as eval does), anything else as text.
      const ln = toNumber(l);
      const rn = toNumber(r);
      const [a, b] = ln !== null && rn !== null ? [ln, rn] : [String(l), String(r)];
      return { '==': a === b, '!=': a !== b, '>': a > b, '>=': a >= b, '<': a < b, '<=': a <= b }[e.op] ?? null;
    }
    case 'arith': {
      const l = scalar(evaluate(e.left, row));
      const r = scalar(evaluate(e.right, row));
      if (l === null || r === null) return null;
      // `.` joins the two as text; the others are arithmetic on numbers (text that reads as one).
      if (e.op === '.') return `${l}${r}`;
      const a = toNumber(l);
      const b = toNumber(r);
      if (a === null || b === null) throw new Error(`'${e.op}' on text is not in the model`);
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
    }
    case 'call':
      switch (e.name) {
        case 'floor': {
          const v = toNumber(scalar(arg(0)));
          return v === null ? null : Math.floor(v);
        }
        case 'len': {
          const v = scalar(arg(0));
          return v === null ? null : [...String(v)].length;
        }
        case 'md5': {
          const v = scalar(arg(0));
          return v === null ? null : createHash('md5').update(String(v), 'utf8').digest('hex');
        }
        case 'mvcount': {
          const v = arg(0);
          return v === null ? null : Array.isArray(v) ? v.length : 1;
        }
        case 'isnull':
          return arg(0) === null;
        case 'isnotnull':
          return arg(0) !== null;
        case 'true':
          return true;
        case 'false':
          return false;
        case 'mvfind': {
          const v = arg(0);
          if (v === null) return null;
          const re = regex(String(arg(1)));
          const values = Array.isArray(v) ? v : [String(v)];
          const i = values.findIndex((x) => re.test(x));
          return i < 0 ? null : i;
        }
        case 'mvfilter': {
          const body = e.args[0] as Expr;
          const names = fieldsOf(body);
          if (names.size !== 1) throw new Error('mvfilter reads exactly one field');
          const name = [...names][0] as string;
          const kept = (row[name] ?? []).filter((x) => evaluate(body, { ...row, [name]: [x] }) === true);
          return kept.length === 0 ? null : kept;
        }
        case 'match': {
          const v = scalar(arg(0));
          return v === null ? null : regex(String(arg(1))).test(String(v));
        }
        case 'replace': {
          const v = scalar(arg(0));
          return v === null ? null : regex(String(arg(1))).matcher(String(v)).replaceAll(String(arg(2)));
        }
        case 'substr': {
          const v = scalar(arg(0));
          return v === null ? null : String(v).slice(Number(arg(1)) - 1);
        }
        case 'tonumber':
          return toNumber(scalar(arg(0)));
        case 'cidrmatch': {
          const v = scalar(arg(1));
          return v === null ? null : cidrmatch(String(arg(0)), String(v));
        }
        default:
          throw new Error(`function ${e.name} is not in the model`);
      }
  }
}

/** Whether the query keeps the row: its search matches and its where (if any) is true. */
export function keeps(q: Query, row: SplRow): boolean {
  return searchMatches(q.search, row) && (q.where === undefined || evaluate(q.where, row) === true);
}
