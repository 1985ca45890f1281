import ipaddr from 'ipaddr.js';
import { RE2JS } from 're2js';
import type { Expr } from './parse.js';

/** A KQL scalar as the model holds it: a string is never null (absent is ""), other types may be. */
export type Value = string | number | boolean | null | { readonly [k: string]: string } | readonly Value[];
export type Row = Readonly<Record<string, Value>>;

const regexes = new Map<string, RE2JS>();
function re2(source: string): RE2JS {
  let r = regexes.get(source);
  if (r === undefined) regexes.set(source, (r = RE2JS.compile(source)));
  return r;
}

/** KQL's case-insensitive string operators fold case (modelled as Unicode lower case, as the engine does). */
const fold = (s: string) => s.toLowerCase();
const str = (v: Value): string => {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
};

/** KQL's three-valued logic: a comparison with null is null; `where` keeps a row only when its condition is true. */
export function evaluate(e: Expr, row: Row): Value {
  switch (e.kind) {
    case 'lit':
      return e.value;
    case 'col': {
      if (!(e.name in row)) throw new Error(`no column ${e.name}`);
      return row[e.name] as Value;
    }
    case 'index': {
      const bag = row[e.bag];
      return bag !== null && typeof bag === 'object' && !Array.isArray(bag) ? ((bag as Readonly<Record<string, string>>)[e.key] ?? null) : null;
    }
    case 'array':
      return e.items.map((x) => evaluate(x, row));
    case 'at': {
      const a = evaluate(e.target, row);
      const i = evaluate(e.index, row);
      return Array.isArray(a) && typeof i === 'number' ? ((a[i < 0 ? a.length + i : i] as Value | undefined) ?? null) : null;
    }
    case 'in': {
      const x = evaluate(e.left, row);
      if (x === null) return null;
      const list = e.list.map((l) => evaluate(l, row));
      return e.op === 'in~' ? list.some((l) => fold(String(l)) === fold(String(x))) : list.some((l) => l === x);
    }
    case 'bin':
      return binary(e.op, e.left, e.right, row);
    case 'call':
      return call(e.name, e.args, row);
    default: {
      const never: never = e;
      return never;
    }
  }
}

function binary(op: string, l: Expr, r: Expr, row: Row): Value {
  if (op === 'and' || op === 'or') {
    // The result is KQL's three-valued one; the right side is skipped only where it cannot change it (speed).
    const a = evaluate(l, row);
    if (op === 'and' && a === false) return false;
    if (op === 'or' && a === true) return true;
    const b = evaluate(r, row);
    if (op === 'and') return b === false ? false : a === null || b === null ? null : true;
    return b === true ? true : a === null || b === null ? null : false;
  }
  const a = evaluate(l, row);
  const b = evaluate(r, row);
  if (a === null || b === null) return null;
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '=~':
      return fold(str(a)) === fold(str(b));
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '+':
      return (a as number) + (b as number);
    case '-':
      return (a as number) - (b as number);
    // The queries multiply and divide reals only (array_sum's doubles, a real rank): the model holds no long type.
    case '*':
      return (a as number) * (b as number);
    case '/':
      return (a as number) / (b as number);
    case 'contains':
      return fold(str(a)).includes(fold(str(b)));
    case 'contains_cs':
      return str(a).includes(str(b));
    case 'startswith':
      return fold(str(a)).startsWith(fold(str(b)));
    case 'startswith_cs':
      return str(a).startsWith(str(b));
    case 'endswith':
      return fold(str(a)).endsWith(fold(str(b)));
    case 'endswith_cs':
      return str(a).endsWith(str(b));
    case 'matches regex':
      return re2(str(b)).matcher(str(a)).find();
    default:
      throw new Error(`operator ${op} is not in the model`);
  }
}

function call(name: string, args: readonly Expr[], row: Row): Value {
  const v = args.map((a) => evaluate(a, row));
  switch (name) {
    case 'not':
      return v[0] === null ? null : !v[0];
    case 'isnull':
      return v[0] === null;
    case 'isnotnull':
      return v[0] !== null;
    case 'isempty':
      return v[0] === null || v[0] === '';
    case 'isnotempty':
      return !(v[0] === null || v[0] === '');
    case 'tostring':
      return v[0] === null ? '' : typeof v[0] === 'object' ? JSON.stringify(v[0]) : String(v[0]);
    case 'todouble': {
      const s = typeof v[0] === 'string' ? v[0].trim() : v[0];
      const n = typeof s === 'number' ? s : s === null || s === '' ? NaN : Number(s);
      return Number.isFinite(n) ? n : null;
    }
    // Documented: whether the value is neither infinite nor NaN (null stays null here).
    case 'isfinite':
      return typeof v[0] === 'number' ? Number.isFinite(v[0]) : null;
    case 'strlen':
      return typeof v[0] === 'string' ? [...v[0]].length : null;
    case 'coalesce':
      return v.find((x) => x !== null) ?? null;
    case 'trim': {
      // trim(regex, text): every leading and trailing match of the regex removed.
      const [re, s] = [str(v[0] as Value), str(v[1] as Value)];
      let out = s;
      const lead = re2(`^(?:${re})`);
      const trail = re2(`(?:${re})$`);
      for (let m = lead.matcher(out); m.find() && m.end() > 0; m = lead.matcher(out)) out = out.slice(m.end());
      for (let m = trail.matcher(out); m.find() && m.start() < out.length; m = trail.matcher(out)) out = out.slice(0, m.start());
      return out;
    }
    case 'substring':
      return str(v[0] as Value).slice(v[1] as number, v[2] === undefined ? undefined : (v[1] as number) + (v[2] as number));
    case 'strcat':
      return v.map((x) => (x === null ? '' : String(x))).join('');
    case 'iff':
      return v[0] === true ? (v[1] as Value) : (v[2] as Value);
    case 'case': {
      for (let i = 0; i + 1 < v.length; i += 2) if (v[i] === true) return v[i + 1] as Value;
      return v[v.length - 1] as Value;
    }
    case 'ipv4_is_in_range':
      return ipv4InRange(str(v[0] as Value), str(v[1] as Value));
    case 'ipv6_is_match':
      return ipv6Match(str(v[0] as Value), str(v[1] as Value));
    // Documented: true when in any of the ranges, false otherwise, null when the address is no address of the family.
    case 'ipv4_is_in_any_range': {
      const ip = str(v[0] as Value);
      if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return null;
      return v.slice(1).some((r) => ipv4InRange(ip, str(r as Value)) === true);
    }
    case 'ipv6_is_in_any_range': {
      const ip = str(v[0] as Value);
      const results = v.slice(1).map((r) => ipv6Match(ip, str(r as Value)));
      return results.some((r) => r === null) ? null : results.some((r) => r === true);
    }
    default: {
      const d = dynamicCall(name, v);
      if (d === undefined) throw new Error(`function ${name} is not in the model`);
      return d;
    }
  }
}

/** Documented: null when the address or the range is not IPv4 text. */
function ipv4InRange(ip: string, range: string): Value {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return null;
  const [net, bits] = ipaddr.IPv4.parseCIDR(range);
  return ipaddr.IPv4.parse(ip).match(net, bits);
}

/** Documented: IPv4 text is taken as its IPv4-mapped IPv6 form; null when either side is no address. */
function ipv6Match(ip: string, range: string): Value {
  const six = (t: string): ipaddr.IPv6 | undefined => {
    if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t).toIPv4MappedAddress();
    return ipaddr.IPv6.isValid(t) ? ipaddr.IPv6.parse(t) : undefined;
  };
  const [netText, bitsText] = range.split('/');
  const a = six(ip);
  const net = six(netText ?? '');
  if (a === undefined || net === undefined) return null;
  const bits = bitsText === undefined ? 128 : Number(bitsText) + (ipaddr.IPv4.isValidFourPartDecimal(netText ?? '') ? 96 : 0);
  return a.match(net, bits);
}

const arr = (v: Value | undefined): readonly Value[] | undefined => (Array.isArray(v) ? v : undefined);
const same = (a: Value | undefined, b: Value | undefined) => JSON.stringify(a) === JSON.stringify(b);
const distinct = (xs: readonly Value[]): Value[] => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
const numberAt = (v: Value | undefined, i: number): Value => {
  const a = arr(v);
  const x = a === undefined ? v : a[i];
  return typeof x === 'number' ? x : null;
};

/**
 * The dynamic-array and time functions the correlation queries use, as documented: arrays are JSON arrays, indexes
 * may count from the end, series_* compare element by element (a non-number or a missing element gives null),
 * times are held as milliseconds since the epoch. Undefined: not a function of this set.
 */
function dynamicCall(name: string, v: readonly Value[]): Value | undefined {
  switch (name) {
    case 'datetime_diff': {
      if (v[0] !== 'millisecond') throw new Error(`datetime_diff period ${String(v[0])} is not in the model`);
      return typeof v[1] === 'number' && typeof v[2] === 'number' ? v[1] - v[2] : null;
    }
    case 'unixtime_milliseconds_todatetime':
      return typeof v[0] === 'number' ? v[0] : null;
    case 'tolong':
      return typeof v[0] === 'number' ? Math.trunc(v[0]) : typeof v[0] === 'string' && /^-?[0-9]+$/.test(v[0]) ? Number(v[0]) : null;
    case 'pack_array':
      return [...v];
    case 'array_concat': {
      const parts = v.map(arr);
      return parts.some((x) => x === undefined) ? null : parts.flatMap((x) => x as Value[]);
    }
    case 'array_length':
      return arr(v[0])?.length ?? null;
    // Documented: a double, the sum of the elements; null when any element is not a number. Added in order.
    case 'array_sum': {
      const a = arr(v[0]);
      if (a === undefined || a.some((x) => typeof x !== 'number')) return null;
      let sum = 0;
      for (const x of a) sum += x as number;
      return sum;
    }
    case 'array_slice': {
      const a = arr(v[0]);
      if (a === undefined || typeof v[1] !== 'number' || typeof v[2] !== 'number') return null;
      const from = v[1] < 0 ? Math.max(0, a.length + v[1]) : v[1];
      const to = v[2] < 0 ? a.length + v[2] : Math.min(v[2], a.length - 1);
      return a.slice(from, to + 1);
    }
    case 'array_index_of': {
      const a = arr(v[0]);
      return a === undefined ? null : a.findIndex((x) => same(x, v[1]));
    }
    case 'repeat':
      return typeof v[1] === 'number' ? new Array<Value>(Math.max(0, v[1])).fill(v[0] as Value) : null;
    case 'series_greater_equals':
    case 'series_equals': {
      const a = arr(v[0]);
      const b = arr(v[1]);
      if (a === undefined || b === undefined) return null;
      return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => {
        const [x, y] = [numberAt(a, i), numberAt(b, i)];
        if (x === null || y === null) return null;
        return name === 'series_equals' ? x === y : x >= y;
      });
    }
    case 'array_iff': {
      const c = arr(v[0]);
      if (c === undefined) return null;
      const pick = (w: Value | undefined, i: number): Value => (Array.isArray(w) ? ((w[i] as Value | undefined) ?? null) : (w ?? null));
      return c.map((x) => (typeof x === 'boolean' ? x : typeof x === 'number' ? x !== 0 : null)).map((x, i) => (x === null ? null : x ? pick(v[1], i) : pick(v[2], i)));
    }
    case 'array_sort_asc': {
      const a = arr(v[0]);
      if (a === undefined) return null;
      const nulls = a.filter((x) => x === null);
      return [...a.filter((x) => x !== null)].sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0)).concat(nulls);
    }
    case 'set_union': {
      const parts = v.map(arr);
      return parts.some((x) => x === undefined) ? null : distinct(parts.flatMap((x) => x as Value[]));
    }
    case 'set_difference': {
      const parts = v.map(arr);
      if (parts.some((x) => x === undefined)) return null;
      const others = new Set(parts.slice(1).flatMap((x) => (x as Value[]).map((y) => JSON.stringify(y))));
      return distinct(parts[0] as Value[]).filter((x) => !others.has(JSON.stringify(x)));
    }
    default:
      return undefined;
  }
}
