import ipaddr from 'ipaddr.js';
import type { ValueTest } from '../../compile/ir.js';
import { Refusal, type Dialect, type FieldRefNode } from '../dialect.js';
import { DECIMAL_RE } from '../sql/sql-spec.js';
import type { KqlField } from './kql-columns.js';
import { globRegex, jsTrim, kqlString } from './kql-text.js';

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==' } as const;

/** How a table names a Sigma field (throws Refusal for a field it has no exact column for); a special field may say a test itself. */
export interface KqlSource {
  readonly field: (name: string) => KqlField;
  /** A test the table says in its own terms (Defender's `Initiated` is an ActionType), or undefined for the generic column test. */
  readonly special?: (name: string, test: ValueTest) => string | undefined;
}

/**
 * KQL's dialect over one table. Every expression is a bool that is never null: a string column is never null in
 * KQL (absent is ""), numeric columns are guarded with isnotnull, and functions that return null on bad input
 * (ipv4_is_in_range) are coalesced, so `not(...)` keeps two-valued logic as in the engine.
 */
export function kqlDialect(source: KqlSource): Dialect {
  const text = (f: KqlField): string => (f.kind === 'absent' ? '""' : f.type === 'string' ? f.expr : `tostring(${f.expr})`);
  const numeric = (f: KqlField): f is Extract<KqlField, { kind: 'column' }> => f.kind === 'column' && (f.type === 'long' || f.type === 'int' || f.type === 'real');
  const test = (f: KqlField, t: ValueTest): string => {
    const x = text(f);
    switch (t.kind) {
      case 'eq':
        return `${x} ${t.cased ? '==' : '=~'} ${kqlString(t.value)}`;
      case 'prefix':
        return `${x} ${t.cased ? 'startswith_cs' : 'startswith'} ${kqlString(t.value)}`;
      case 'suffix':
        return `${x} ${t.cased ? 'endswith_cs' : 'endswith'} ${kqlString(t.value)}`;
      case 'contains':
        return `${x} ${t.cased ? 'contains_cs' : 'contains'} ${kqlString(t.value)}`;
      case 'glob':
        return `${x} matches regex ${kqlString(globRegex(t.parts, t.cased))}`;
      case 'regex':
        // The engine's regular expressions are RE2, as KQL's are: the pattern goes through as written, flags inline.
        return `${x} matches regex ${kqlString((t.flags === '' ? '' : `(?${t.flags})`) + t.source)}`;
      case 'cidr':
        return cidr(x, t.cidr);
      case 'numeq':
      case 'compare': {
        const op = OPS[t.kind === 'numeq' ? 'eq' : t.op];
        if (numeric(f)) return `(isnotnull(${f.expr}) and ${f.expr} ${op} ${t.value})`;
        // Text compared as a number, as the engine reads it: trimmed decimal text only (todouble alone takes more).
        const tx = jsTrim(x);
        return `(${tx} matches regex ${kqlString(DECIMAL_RE)} and todouble(${tx}) ${op} ${t.value})`;
      }
      case 'bool':
        if (f.kind === 'column' && f.type === 'bool') return `(isnotnull(${f.expr}) and ${f.expr} == ${t.value})`;
        return `${jsTrim(x)} =~ ${kqlString(String(t.value))}`;
      case 'timepart':
        throw new Refusal('convert-timepart', `the |${t.part} modifier (a part of a date) is not converted to KQL yet`);
      default: {
        const never: never = t;
        return never;
      }
    }
  };
  const fieldTest = (name: string, t: ValueTest): string => source.special?.(name, t) ?? test(source.field(name), t);
  const fieldref = (node: FieldRefNode): string => {
    const [a, b] = [text(source.field(node.field)), text(source.field(node.other))];
    const op = { exact: node.cased ? '==' : '=~', contains: 'contains', startswith: 'startswith', endswith: 'endswith' }[node.position];
    const full = node.position !== 'exact' && node.cased ? `${op}_cs` : op;
    // "" is how KQL says absent: a comparison with a missing field fails, as in the engine.
    return `(isnotempty(${a}) and isnotempty(${b}) and ${a} ${full} ${b})`;
  };
  return {
    and: (parts) => join(parts, 'and'),
    or: (parts) => join(parts, 'or'),
    not: (part) => `not(${part})`,
    constant: (v) => (v ? 'true' : 'false'),
    field: fieldTest,
    fieldAnyOf: (name, tests) => {
      const first = tests[0];
      if (first !== undefined && source.special?.(name, first) !== undefined) return join(tests.map((t) => fieldTest(name, t)), 'or');
      const f = source.field(name);
      if (numeric(f)) return join(tests.map((t) => test(f, t)), 'or');
      const x = text(f);
      const folded = tests.flatMap((t) => (t.kind === 'eq' && !t.cased ? [kqlString(t.value)] : []));
      const cased = tests.flatMap((t) => (t.kind === 'eq' && t.cased ? [kqlString(t.value)] : []));
      // Several networks of a family: one ipv4_is_in_any_range / ipv6_is_in_any_range over the trimmed text (the text
      // trimmed once per family, not once per network: the pack's local ranges were most of a query's length).
      const nets = tests.flatMap((t) => (t.kind === 'cidr' ? [t.cidr] : []));
      const grouped = cidrAny(x, nets);
      const rest = [...tests.filter((t) => t.kind !== 'eq' && (t.kind !== 'cidr' || grouped === undefined)).map((t) => test(f, t)), ...(grouped ?? [])];
      return join([...(folded.length > 1 ? [`${x} in~ (${folded.join(', ')})`] : folded.map((v) => `${x} =~ ${v}`)), ...(cased.length > 1 ? [`${x} in (${cased.join(', ')})`] : cased.map((v) => `${x} == ${v}`)), ...rest], 'or');
    },
    keyword: () => {
      throw new Refusal(
        'convert-keyword',
        'keywords search every value of the event; a KQL table has no column that holds all of them (`"a" or "b"` is invalid KQL, and `* contains` covers the table\'s columns, not the event\'s fields)',
      );
    },
    // Every column type but string can hold null; a string is never null in KQL, absent is "".
    exists: (name, expected) => {
      const f = source.field(name);
      const present = f.kind === 'absent' ? 'false' : f.type !== 'string' ? `isnotnull(${f.expr})` : `isnotempty(${f.expr})`;
      return expected ? present : `not(${present})`;
    },
    isNull: (name) => {
      const f = source.field(name);
      return f.kind === 'absent' ? 'true' : f.type !== 'string' ? `isnull(${f.expr})` : `isempty(${f.expr})`;
    },
    fieldref,
  };
}

/**
 * An address in a network, by family: ipv4_is_in_range for an IPv4 network (also for an IPv4-mapped ::ffff: address,
 * which the engine counts as IPv4), ipv6_is_match only for text that is an IPv6 address (it would take IPv4 text as
 * ::ffff:-mapped). Both return null on text that is no address; coalesce makes that false.
 */
function cidr(x: string, text: string): string {
  const [net, bits] = ipaddr.parseCIDR(text);
  const t = jsTrim(x);
  if (net.kind() === 'ipv4') {
    const range = kqlString(`${net.toString()}/${bits}`);
    return `(coalesce(ipv4_is_in_range(${t}, ${range}), false) or (${t} startswith "::ffff:" and coalesce(ipv4_is_in_range(substring(${t}, 7), ${range}), false)))`;
  }
  const range = kqlString(`${(net as ipaddr.IPv6).toNormalizedString()}/${bits}`);
  return `(${t} contains ":" and coalesce(ipv6_is_match(${t}, ${range}), false))`;
}

/**
 * Several networks as one call per family (same semantics as cidr() per network: null is false, ::ffff:-mapped text is
 * IPv4, only text with a colon is tried as IPv6); undefined when there are fewer than two networks.
 */
function cidrAny(x: string, nets: readonly string[]): string[] | undefined {
  if (nets.length < 2) return undefined;
  const v4: string[] = [];
  const v6: string[] = [];
  for (const text of nets) {
    const [net, bits] = ipaddr.parseCIDR(text);
    if (net.kind() === 'ipv4') v4.push(kqlString(`${net.toString()}/${bits}`));
    else v6.push(kqlString(`${(net as ipaddr.IPv6).toNormalizedString()}/${bits}`));
  }
  const t = jsTrim(x);
  const out: string[] = [];
  if (v4.length > 0) {
    const list = v4.join(', ');
    out.push(`coalesce(ipv4_is_in_any_range(${t}, ${list}), false)`, `(${t} startswith "::ffff:" and coalesce(ipv4_is_in_any_range(substring(${t}, 7), ${list}), false))`);
  }
  if (v6.length > 0) out.push(`(${t} contains ":" and coalesce(ipv6_is_in_any_range(${t}, ${v6.join(', ')}), false))`);
  return out;
}

/** a and b and …, nested in groups so that a long list stays within the parser's expression depth. */
function join(parts: readonly string[], op: 'and' | 'or'): string {
  if (parts.length === 1) return parts[0] as string;
  if (parts.length <= 64) return `(${parts.join(` ${op} `)})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += 64) groups.push(join(parts.slice(i, i + 64), op));
  return join(groups, op);
}
