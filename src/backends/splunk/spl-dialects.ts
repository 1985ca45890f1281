import ipaddr from 'ipaddr.js';
import type { ValueTest } from '../../compile/ir.js';
import { isWildcard, STAR, type StrPart } from '../../modifiers/value-pattern.js';
import { Refusal, type Dialect } from '../dialect.js';
import { DECIMAL_RE } from '../sql/sql-spec.js';
import { evalName, globPcre, jsTrim, pcreLiteral, re2ToPcre, searchName, splString } from './spl-text.js';

/** Thrown by the search dialect for a test the search command cannot say exactly: the rule then goes to `| where`. */
export class NeedsWhere extends Refusal {
  constructor(what: string) {
    super('convert-spl-search', `the search command cannot say ${what} exactly`);
  }
}

/** How a place names a Sigma field (throws Refusal for one it has no field for). */
export type SplField = (name: string) => string;

/** The field's value as the search command's wildcard text: only `*` is a wildcard there and it cannot be escaped. */
function searchPattern(parts: readonly StrPart[]): string {
  let out = '';
  for (const p of parts) {
    if (isWildcard(p)) {
      if (p.wildcard === '?') throw new NeedsWhere("'?' (the search command has no one-character wildcard)");
      out += '*';
    } else {
      if (p.includes('*')) throw new NeedsWhere('a literal * (the search command cannot escape it)');
      out += p;
    }
  }
  if (out === '') throw new NeedsWhere('an empty value');
  return splString(out);
}

/** A string test as the search command's case-insensitive wildcard value, or NeedsWhere. */
function searchValue(t: ValueTest): string {
  switch (t.kind) {
    case 'eq':
    case 'prefix':
    case 'suffix':
    case 'contains': {
      if (t.cased) throw new NeedsWhere('a case-sensitive match (search terms ignore case)');
      const parts: StrPart[] = t.kind === 'eq' ? [t.value] : t.kind === 'prefix' ? [t.value, STAR] : t.kind === 'suffix' ? [STAR, t.value] : [STAR, t.value, STAR];
      if (t.value === '') throw new NeedsWhere('an empty value');
      return searchPattern(parts);
    }
    case 'glob':
      if (t.cased) throw new NeedsWhere('a case-sensitive match (search terms ignore case)');
      return searchPattern(t.parts);
    default:
      throw new NeedsWhere(`a ${t.kind} test`);
  }
}

/**
 * The search command's dialect (the fast form: index-time terms and field=value matching): `Field="value"` with
 * `*` wildcards matches any value of the field, ignoring case, as Sigma's default; `NOT` holds where the field is
 * absent, as in the engine. Only case-insensitive text tests without `?`, a literal `*` or an empty value, and
 * EventID (the System EventID, `EventCode`, always decimal digits) as a number; anything else throws NeedsWhere.
 */
export function splSearchDialect(field: SplField): Dialect {
  return {
    and: (parts) => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`),
    or: (parts) => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`),
    not: (part) => `NOT ${part}`,
    constant: () => {
      throw new NeedsWhere('a constant');
    },
    field: (name, t) => {
      const f = field(name);
      if (t.kind === 'numeq' && f === 'EventCode' && Number.isInteger(t.value) && t.value >= 0) return `EventCode=${t.value}`;
      return `${searchName(f)}=${searchValue(t)}`;
    },
    fieldAnyOf: (name, tests) => {
      const f = field(name);
      if (f === 'EventCode' && tests.every((t) => t.kind === 'numeq' && Number.isInteger(t.value) && t.value >= 0)) return `EventCode IN (${tests.map((t) => (t as { value: number }).value).join(', ')})`;
      return `${searchName(f)} IN (${tests.map(searchValue).join(', ')})`;
    },
    keyword: () => {
      throw new Refusal('convert-keyword', "keywords search every value of the event; Splunk's bare terms match the raw event's indexed tokens (the XML with its entities), not each field's value");
    },
    exists: () => {
      throw new NeedsWhere('a field-exists test');
    },
    isNull: () => {
      throw new NeedsWhere('a null test');
    },
    fieldref: () => {
      throw new Refusal('convert-fieldref', 'comparing two fields (fieldref) is not converted to Splunk yet');
    },
  };
}

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '==' } as const;

/** PCRE for a string test (the IR's value is lower-cased already unless cased; `(?i)` folds the event's side). */
function testPcre(t: Extract<ValueTest, { kind: 'eq' | 'prefix' | 'suffix' | 'contains' }>): string {
  const flag = t.cased ? '' : '(?i)';
  const v = pcreLiteral(t.value);
  return t.kind === 'eq' ? `${flag}^${v}\\z` : t.kind === 'prefix' ? `${flag}^${v}` : t.kind === 'suffix' ? `${flag}${v}\\z` : `${flag}${v}`;
}

/** Any value of the field matches the PCRE (mvfind looks through each value; null when none does or the field is absent). */
const anyMatches = (f: string, pcre: string) => `isnotnull(mvfind(${f}, ${splString(pcre)}))`;

/** Any value of the field, trimmed, passes the eval test `test(x)` on that one value (mvfilter keeps those). */
const anyValue = (f: string, test: (x: string) => string) => `isnotnull(mvfilter(${test(f)}))`;

/**
 * The value is an address in one of the networks, as the engine reads it (an IPv4-mapped ::ffff: address counted as
 * IPv4); an IPv6 network is tried only on text with a colon. The value as Sysmon writes it, without white space
 * around it (the data this target is for; the modelled test leaves other text out).
 */
function cidrTest(x: string, nets: readonly string[]): string {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const text of nets) {
    const [net, bits] = ipaddr.parseCIDR(text);
    if (net.kind() === 'ipv4') v4.push(splString(`${net.toString()}/${bits}`));
    else v6.push(splString(`${net.toString()}/${bits}`));
  }
  const any = (ranges: readonly string[], y: string) => ranges.map((r) => `cidrmatch(${r}, ${y})`).join(' OR ');
  const parts: string[] = [];
  if (v4.length > 0) parts.push(any(v4, x), `(match(${x}, "(?i)^::ffff:") AND (${any(v4, `substr(${x}, 8)`)}))`);
  if (v6.length > 0) parts.push(`(match(${x}, ":") AND (${any(v6, x)}))`);
  return parts.join(' OR ');
}

/**
 * The `| where` dialect (eval expressions): every test on any value of a field, through mvfind (PCRE) or mvfilter,
 * each one guarded so that an absent field is false, never null, and `NOT` keeps the engine's two-valued logic.
 */
export function splWhereDialect(field: SplField): Dialect {
  const test = (f: string, t: ValueTest): string => {
    switch (t.kind) {
      case 'eq':
      case 'prefix':
      case 'suffix':
      case 'contains':
        return anyMatches(f, testPcre(t));
      case 'glob':
        return anyMatches(f, globPcre(t.parts, t.cased));
      case 'regex':
        return anyMatches(f, re2ToPcre(t.source, t.flags));
      case 'cidr':
        return anyValue(f, (x) => cidrTest(x, [t.cidr]));
      case 'numeq':
      case 'compare': {
        const op = OPS[t.kind === 'numeq' ? 'eq' : t.op];
        // EventCode is the System EventID: always decimal digits, compared as a number.
        if (f === 'EventCode') return `EventCode ${op} ${t.value}`;
        // Text read as a number as the engine reads it: trimmed decimal text only.
        return anyValue(f, (x) => `(match(${jsTrim(x)}, ${splString(DECIMAL_RE.replace(/\$$/, '\\z'))}) AND tonumber(${jsTrim(x)}) ${op} ${t.value})`);
      }
      case 'bool':
        return anyValue(f, (x) => `match(${jsTrim(x)}, ${splString(`(?i)^${t.value}\\z`)})`);
      case 'timepart':
        throw new Refusal('convert-timepart', `the |${t.part} modifier (a part of a date) is not converted to Splunk yet`);
      default: {
        const never: never = t;
        return never;
      }
    }
  };
  const join = (parts: readonly string[], op: 'AND' | 'OR') => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(` ${op} `)})`);
  return {
    and: (parts) => join(parts, 'AND'),
    or: (parts) => join(parts, 'OR'),
    not: (part) => `NOT ${part}`,
    constant: (v) => (v ? 'true()' : 'false()'),
    field: (name, t) => test(evalName(field(name)), t),
    fieldAnyOf: (name, tests) => {
      const f = evalName(field(name));
      // Several equalities of one case: one alternation (what a list of values says most often).
      const eqs = tests.filter((t): t is Extract<ValueTest, { kind: 'eq' }> => t.kind === 'eq');
      const rest = tests.filter((t) => t.kind !== 'eq');
      const groups = [true, false].map((cased) => eqs.filter((t) => t.cased === cased)).filter((g) => g.length > 0);
      const alternations = groups.map((g) => anyMatches(f, `${(g[0] as { cased: boolean }).cased ? '' : '(?i)'}^(?:${g.map((t) => pcreLiteral(t.value)).join('|')})\\z`));
      // Several networks: one mvfilter over the field's values.
      const nets = rest.flatMap((t) => (t.kind === 'cidr' ? [t.cidr] : []));
      const others = nets.length > 1 ? rest.filter((t) => t.kind !== 'cidr') : rest;
      const grouped = nets.length > 1 ? [anyValue(f, (x) => cidrTest(x, nets))] : [];
      return join([...alternations, ...grouped, ...others.map((t) => test(f, t))], 'OR');
    },
    keyword: () => {
      throw new Refusal('convert-keyword', "keywords search every value of the event; Splunk has no field that holds each of them (`_raw` is the event's XML, with its entities)");
    },
    exists: (name, expected) => `${expected ? 'isnotnull' : 'isnull'}(${evalName(field(name))})`,
    isNull: (name) => `isnull(${evalName(field(name))})`,
    fieldref: () => {
      throw new Refusal('convert-fieldref', 'comparing two fields (fieldref) is not converted to Splunk yet');
    },
  };
}
