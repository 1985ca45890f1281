import ipaddr from 'ipaddr.js';
import type { ValueTest } from '../../compile/ir.js';
import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { Refusal, type Dialect, type FieldRefNode } from '../dialect.js';
import { joinBalanced, sqlString as standardString, type SqlSpec } from './sql-spec.js';

const STAR = { wildcard: '*' } as const;

type Contains = Extract<ValueTest, { kind: 'contains' }>;
const isContains = (t: ValueTest): t is Contains => t.kind === 'contains';

/** The leaf logic shared by the SQL dialects, written once over a dialect's table. */
export function sqlDialect(spec: SqlSpec): Dialect {
  const sqlString = spec.string ?? standardString;
  const folded = (literal: string) => {
    const problem = spec.foldProblem?.(literal);
    if (problem !== undefined) throw new Refusal('convert-case-folding', problem);
    return literal;
  };
  const valuePredicate = (test: ValueTest): ((x: string) => string) => {
    switch (test.kind) {
      case 'eq':
        return test.cased ? (x) => `${x} = ${sqlString(test.value)}` : (x) => `${spec.lower(x)} = ${sqlString(folded(test.value))}`;
      case 'prefix':
        return glob([test.value, STAR], test.cased);
      case 'suffix':
        return glob([STAR, test.value], test.cased);
      case 'contains':
        return glob([STAR, test.value, STAR], test.cased);
      case 'glob':
        return glob(test.parts, test.cased);
      case 'regex': {
        spec.regex('x', test.source, test.flags); // refuses up front, outside any value loop
        return (x) => spec.regex(x, test.source, test.flags);
      }
      case 'cidr':
        return cidr(test.cidr);
      case 'numeq':
        return (x) => spec.number(spec.trim(x), 'eq', test.value);
      case 'compare':
        return (x) => spec.number(spec.trim(x), test.op, test.value);
      case 'bool':
        return (x) => `${spec.lower(spec.trim(x))} = ${sqlString(String(test.value))}`;
      case 'timepart':
        throw new Refusal('convert-timepart', `the |${test.part} modifier (a part of a date) is not converted to SQL yet`);
      default: {
        const never: never = test;
        return never;
      }
    }
  };
  const glob = (parts: readonly StrPart[], cased: boolean): ((x: string) => string) => {
    if (cased) return (x) => spec.globCased(x, parts);
    for (const p of parts) if (!isWildcard(p)) folded(p);
    return (x) => spec.globFolded(spec.lower(x), parts);
  };
  const cidr = (text: string): ((x: string) => string) => {
    const net = network(text);
    if (typeof net !== 'string') return (x) => spec.ipv4Range(spec.trim(x), net[0], net[1]);
    spec.ipv6Net('x', net);
    return (x) => spec.ipv6Net(spec.trim(x), net);
  };
  // Equalities of a list become one IN (…); where the dialect has the hooks, two or more of its substrings of one case
  // mode become one containsAny, two or more IPv4 networks one ipv4Ranges and IPv6 ones one ipv6Nets. Every other test
  // keeps its own predicate.
  const anyOfPredicates = (tests: readonly ValueTest[]): Array<(x: string) => string> => {
    const folded_: string[] = [];
    const cased: string[] = [];
    const rest: Array<(x: string) => string> = [];
    const { containsAny, ipv4Ranges, ipv6Nets } = spec;
    const groups = containsAny === undefined ? [] : [false, true].map((c) => tests.filter(isContains).filter((t) => t.cased === c)).filter((g) => g.length > 1);
    const cidrs = tests.flatMap((t) => (t.kind === 'cidr' ? [{ t, net: network(t.cidr) }] : []));
    const v4 = ipv4Ranges === undefined ? [] : cidrs.filter((c) => typeof c.net !== 'string');
    const v6 = ipv6Nets === undefined ? [] : cidrs.filter((c) => typeof c.net === 'string');
    const networks = [...(v4.length > 1 ? v4 : []), ...(v6.length > 1 ? v6 : [])];
    for (const t of tests) {
      if (t.kind === 'eq' && t.cased) cased.push(sqlString(t.value));
      else if (t.kind === 'eq') folded_.push(sqlString(folded(t.value)));
      else if (!groups.some((g) => g.includes(t as Contains)) && !networks.some((c) => c.t === t)) rest.push(valuePredicate(t));
    }
    const out: Array<(x: string) => string> = [];
    if (folded_.length > 0) out.push((x) => `${spec.lower(x)} IN (${folded_.join(', ')})`);
    if (cased.length > 0) out.push((x) => `${x} IN (${cased.join(', ')})`);
    for (const g of groups) {
      const isCased = g[0]?.cased === true;
      const needles = g.map((t) => (isCased ? t.value : folded(t.value)));
      if (containsAny !== undefined) out.push((x) => containsAny(isCased ? x : spec.lower(x), needles));
    }
    const ranges = networks.flatMap((c) => (typeof c.net === 'string' ? [] : [c.net]));
    const nets = networks.flatMap((c) => (typeof c.net === 'string' ? [c.net] : []));
    if (ipv4Ranges !== undefined && ranges.length > 0) out.push((x) => ipv4Ranges(spec.trim(x), ranges));
    if (ipv6Nets !== undefined && nets.length > 0) out.push((x) => ipv6Nets(spec.trim(x), nets));
    return [...out, ...rest];
  };
  const fieldref = (node: FieldRefNode): string => {
    const cmp = (x: string, y: string): string => {
      const [a, b] = node.cased ? [x, y] : [spec.lower(x), spec.lower(y)];
      switch (node.position) {
        case 'exact':
          return `${a} = ${b}`;
        case 'contains':
          return spec.containsText(a, b);
        case 'startswith':
          return spec.startsWith(a, b);
        case 'endswith':
          return spec.endsWith(a, b);
        default: {
          const never: never = node.position;
          return never;
        }
      }
    };
    // The inner value loop gets its own alias: the outer value is still in scope there.
    return spec.anyValue(node.field, (x) => spec.anyValue(node.other, (y) => cmp(x, y), 'w'), 'v');
  };
  return {
    and: (parts) => joinBalanced(parts, 'AND'),
    or: (parts) => joinBalanced(parts, 'OR'),
    not: (part) => `(NOT ${part})`,
    constant: spec.constant,
    field: (field, test) => spec.anyValue(checkKey(field), valuePredicate(test), 'v'),
    fieldAnyOf: (field, tests) => {
      const preds = anyOfPredicates(tests);
      return spec.anyValue(checkKey(field), (x) => joinBalanced(preds.map((p) => p(x)), 'OR'), 'v');
    },
    keyword: (test) => spec.anyScalar(valuePredicate(test)),
    exists: (field, expected) => (expected ? spec.hasKey(checkKey(field)) : `(NOT ${spec.hasKey(checkKey(field))})`),
    isNull: (field) => spec.nullOrMissing(checkKey(field)),
    fieldref: (node) => {
      checkKey(node.field);
      checkKey(node.other);
      return fieldref(node);
    },
  };
}

/** An IPv4 network as its first and last address (32-bit numbers), an IPv6 one in normalized text `addr/bits`. */
function network(text: string): readonly [number, number] | string {
  const [net, bits] = ipaddr.parseCIDR(text);
  if (net.kind() !== 'ipv4') return `${(net as ipaddr.IPv6).toNormalizedString()}/${bits}`;
  const start = (net as ipaddr.IPv4).toByteArray().reduce((a, b) => a * 256 + b, 0);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(start / size) * size;
  return [lo, lo + size - 1];
}

/**
 * The table keeps an event's fields as one flat JSON object, so a field is a top-level key. A dotted name would be a
 * path walk into nested objects in the engine (event.ts lookupField), which the flat table cannot follow.
 */
function checkKey(field: string): string {
  if (field.includes('.')) throw new Refusal('convert-field-path', `field '${field}' is a dotted path; the events table keeps flat field names only`);
  if (/["\\\u0000]/.test(field)) throw new Refusal('convert-field-name', `field name ${JSON.stringify(field)} holds a quote, backslash or NUL`);
  return field;
}
