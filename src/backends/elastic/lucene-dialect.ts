import ipaddr from 'ipaddr.js';
import type { ValueTest } from '../../compile/ir.js';
import { Refusal, type Dialect } from '../dialect.js';
import { JS_WHITESPACE_CLASS } from '../regex-text.js';
import type { EcsField } from './ecs-fields.js';
import { checkLength, partsOf, patternRegex, caseFree } from './lucene-regex.js';
import { re2ToLucene } from './re2-to-lucene.js';
import { USER_SPLIT } from './typed-tests.js';

/** A query_string phrase: `"` and `\` escaped (on a keyword field the phrase is one term: the exact value). */
export function luceneString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A field name in query_string: every character but letters, digits, `_` and `.` escaped. */
export function luceneName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, (c) => `\\${c}`);
}

/**
 * A query_string regex term. The lexer takes the longest `/…/` it can, reading `\/` as an escaped slash: a regex
 * ending in an escaped backslash would run on to the next slash of the query, so a final backslash is written `[\\]`.
 */
const regexTerm = (f: string, regex: string) => `${luceneName(f)}:/${checkLength(/(^|[^\\])(\\\\)+$/.test(regex) ? `${regex.slice(0, -2)}[\\\\]` : regex)}/`;

/** Lucene's own white space class for the engine's trim: JavaScript's white space as a Lucene class. */
const WS = `[${JS_WHITESPACE_CLASS.replace(/\\x\{([0-9a-f]+)\}/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16))).replace(/ /g, '\\ ')}]`;

/** IPv6 networks that cover IPv4-mapped addresses: Elasticsearch stores IPv4 there, the engine never counts IPv4 text in an IPv6 network. */
const MAPPED: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('::ffff:0:0'), 96];

/** The network as Elasticsearch's ip queries take it, or Refusal where the ip type's IPv4-mapped storage would widen it. */
export function cidrNetwork(cidr: string): string {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).match(MAPPED[0], Math.min(bits, MAPPED[1])))
    throw new Refusal('convert-cidr', `the network ${cidr} covers IPv4-mapped addresses, where Elasticsearch keeps IPv4 ones (the engine never counts IPv4 text in an IPv6 network)`);
  return `${net.toString()}/${bits}`;
}

const cidrTerm = (f: EcsField, cidr: string) => `${luceneName(f.name)}:${luceneString(cidrNetwork(cidr))}`;

/**
 * The whole-value Lucene regex of a text test (what a query_string `/…/` term and EQL's `regex` take), or Refusal for
 * a test that is no regex on text (a network, a number, a part of a date).
 */
export function luceneRegexFor(name: string, t: ValueTest): string {
  switch (t.kind) {
    case 'eq':
      return t.value === '' ? '()' : patternRegex([t.value], t.cased);
    case 'prefix':
    case 'suffix':
    case 'contains':
      return patternRegex(partsOf(t.kind, t.value), t.cased);
    case 'glob':
      return patternRegex(t.parts, t.cased);
    case 'regex':
      return re2ToLucene(t.source, t.flags);
    case 'bool':
      return `${WS}*${patternRegex([String(t.value)], false)}${WS}*`;
    case 'cidr':
      throw new Refusal('convert-field-type', `'${name}' is a keyword field: Elasticsearch tests a network only on an ip field`);
    case 'numeq':
      throw new Refusal('convert-number-text', `'${name}' holds text: the query cannot read it as a number (the engine reads decimal text in any form)`);
    case 'compare':
      throw new Refusal('convert-number-text', `'${name}' holds text: a range on it compares text, not numbers`);
    case 'timepart':
      throw new Refusal('convert-timepart', `the |${t.part} modifier (a part of a date) is not converted to Elastic targets`);
    default: {
      const never: never = t;
      return never;
    }
  }
}

function keywordTest(f: EcsField, t: ValueTest): string {
  const name = f.name;
  if (t.kind === 'eq' && t.value !== '' && (t.cased || caseFree(t.value))) return `${luceneName(name)}:${luceneString(t.value)}`;
  if (t.kind === 'numeq' && name === 'event.code' && Number.isInteger(t.value) && t.value >= 0) return `${name}:${luceneString(String(t.value))}`;
  return regexTerm(name, luceneRegexFor(name, t));
}

const RANGE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function longTest(f: EcsField, t: ValueTest): string {
  const name = luceneName(f.name);
  if (t.kind === 'numeq' && Number.isSafeInteger(t.value)) return `${name}:${luceneString(String(t.value))}`;
  if (t.kind === 'compare' && Number.isSafeInteger(t.value)) return `${name}:${RANGE[t.op]}${t.value < 0 ? `\\${t.value}` : t.value}`;
  // Winlogbeat wrote the number as Windows' decimal digits, so the text of a canonical number is that number.
  if (t.kind === 'eq' && /^(0|[1-9][0-9]{0,15})$/.test(t.value)) return `${name}:${luceneString(t.value)}`;
  throw new Refusal('convert-field-type', `'${f.name}' is a number field (long): only numbers and decimal digits are compared on it, not a ${t.kind} test`);
}

function ipTest(f: EcsField, t: ValueTest): string {
  if (t.kind === 'cidr') return cidrTerm(f, t.cidr);
  throw new Refusal('convert-field-type', `'${f.name}' is an ip field: only networks (|cidr) are tested on it; a ${t.kind} test on its text is not exact (Elasticsearch compares addresses, not their spelling)`);
}

function directionTest(f: EcsField, t: ValueTest): string {
  const truth = t.kind === 'bool' ? t.value : t.kind === 'eq' && (t.value === 'true' || t.value === 'false') ? t.value === 'true' : undefined;
  if (truth === undefined) throw new Refusal('convert-field-type', `Sysmon's Initiated is ECS ${f.name} (egress or ingress): only true or false are tested`);
  return `${f.name}:${truth ? 'egress' : 'ingress'}`;
}

/** One test on any value of a field, by the field's type in the document. */
export function luceneTest(f: EcsField, t: ValueTest): string {
  switch (f.type) {
    case 'keyword':
      return keywordTest(f, t);
    case 'long':
      return longTest(f, t);
    case 'ip':
      return ipTest(f, t);
    case 'direction':
      return directionTest(f, t);
    case 'domain-user':
      throw new Refusal('convert-field', USER_SPLIT);
    default: {
      const never: never = f.type;
      return never;
    }
  }
}

const isNot = (p: string) => p.startsWith('NOT ');

/** A field whose presence is its own (not Sysmon's split User). */
export function plain(f: EcsField): EcsField {
  if (f.type === 'domain-user') throw new Refusal('convert-field', USER_SPLIT);
  return f;
}

/**
 * The query_string dialect over ECS documents. Every group is parenthesised with explicit AND / OR (Lucene's
 * precedence mixes them otherwise), and a negation never stands alone in a group or in an OR (Lucene would read
 * `a OR NOT b` as a AND NOT b, and a group of only negations as matching nothing): there it is `(*:* AND NOT b)`.
 */
export function luceneDialect(field: (name: string) => EcsField): Dialect {
  const group = (parts: readonly string[], op: 'AND' | 'OR') => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(` ${op} `)})`);
  const guard = (p: string) => (isNot(p) ? `(*:* AND ${p})` : p);
  return {
    and: (parts) => (parts.every(isNot) ? `(*:* AND ${parts.join(' AND ')})` : group(parts, 'AND')),
    or: (parts) => group(parts.map(guard), 'OR'),
    // NOT NOT is no query_string; a double negation is the clause itself.
    not: (part) => (isNot(part) ? part.slice(4) : `NOT ${part}`),
    constant: (v) => (v ? '*:*' : 'NOT *:*'),
    field: (name, t) => luceneTest(field(name), t),
    fieldAnyOf: (name, tests) => {
      const f = field(name);
      return group(tests.map((t) => luceneTest(f, t)), 'OR');
    },
    keyword: () => {
      throw new Refusal('convert-keyword', "keywords search every value of the event; query_string without a field searches the index's default fields as analysed text, not each value");
    },
    exists: (name, expected) => `${expected ? '' : 'NOT '}_exists_:${luceneName(plain(field(name)).name)}`,
    isNull: (name) => `NOT _exists_:${luceneName(plain(field(name)).name)}`,
    fieldref: () => {
      throw new Refusal('convert-fieldref', 'query_string cannot compare two fields (fieldref)');
    },
  };
}
