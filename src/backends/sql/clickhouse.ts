import ipaddr from 'ipaddr.js';
import { Refusal } from '../dialect.js';
import { EVENTS_TABLE } from './events-table.js';
import { ENGINE_OCTET, IPV4_TEXT_RE, ipv6NetworkBytes, ipv6TextRe2 } from './ip-patterns.js';
import { likePattern } from './like-pattern.js';
import { DECIMAL_RE, JS_WHITESPACE, joinBalanced, SQL_OPS, type SqlSpec } from './sql-spec.js';

/**
 * A ClickHouse string literal. ClickHouse reads backslash escapes in every literal ('\\' is one backslash, '\x41'
 * is 'A'), so a backslash is doubled, a quote is escaped and a NUL is written as \0.
 */
export function clickhouseString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\u0000/g, '\\0')}'`;
}

const q = clickhouseString;
/** JavaScript's white space as an RE2 class body, runs of code points as ranges. */
const ws = JS_WHITESPACE.reduce<Array<[number, number]>>((runs, c) => {
  const last = runs[runs.length - 1];
  if (last !== undefined && last[1] === c - 1) last[1] = c;
  else runs.push([c, c]);
  return runs;
}, [])
  .map(([a, b]) => (a === b ? `\\x{${a.toString(16)}}` : `\\x{${a.toString(16)}}-\\x{${b.toString(16)}}`))
  .join('');
const IPV6_RE = ipv6TextRe2(ENGINE_OCTET);
/** JSONType's names for the values the engine reads as text (a number's and a boolean's text is their JSON text). */
const SCALAR = `('String', 'Int64', 'UInt64', 'Double', 'Bool')`;

/** The scalar texts of a raw JSON value: a string's text, a number's or boolean's JSON text, an array's scalar elements. */
function scalarTexts(raw: string): string {
  const text = (r: string) => `if(JSONType(${r}) = 'String', JSONExtractString(${r}), ${r})`;
  return (
    `if(JSONType(${raw}) = 'Array', arrayMap(a -> ${text('a')}, arrayFilter(a -> JSONType(a) IN ${SCALAR}, JSONExtractArrayRaw(${raw}))), ` +
    `if(JSONType(${raw}) IN ${SCALAR}, [${text(raw)}], []))`
  );
}

/** `body` over `expr` computed once and named (a trimmed value is written once in the query, not at each use). */
const bind = (expr: string, name: string, body: (x: string) => string) => `arrayExists(${name} -> ${body(name)}, [${expr}])`;

/** A value `body` over `expr` computed once and named. */
const named = (expr: string, name: string, body: (x: string) => string) => `arrayMap(${name} -> ${body(name)}, [${expr}])[1]`;

/**
 * Every scalar of a JSON text at any depth, in order, as the engine's keyword search reads them (a string's text, a
 * number's or boolean's JSON text), by one left-to-right scan of its tokens: a string token that a ':' follows is a
 * key; the scan never starts inside a string, since every string is consumed whole from its opening quote.
 */
function allScalarTexts(json: string): string {
  const token = '("(?:[^"\\\\]|\\\\.)*")(\\s*:)?|(-?[0-9][-+.0-9eE]*|true|false)';
  return (
    `arrayMap(g -> if(g[1] != '', JSONExtractString(g[1]), g[3]), ` +
    `arrayFilter(g -> (g[1] != '' AND g[2] = '') OR g[3] != '', extractAllGroups(${json}, ${q(token)})))`
  );
}

/** Dotted-quad text (trimmed) inside any of the ranges: the address is read once, then compared with each. */
function ipv4In(t: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  return bind(t, 'ip', (ip) => {
    const g = (n: number) => `toUInt64OrZero(g[${n}])`;
    const address = `${g(1)} * 16777216 + ${g(2)} * 65536 + ${g(3)} * 256 + ${g(4)}`;
    const within = joinBalanced(ranges.map(([lo, hi]) => `n BETWEEN ${lo} AND ${hi}`), 'OR');
    return (
      `match(${ip}, ${q(IPV4_TEXT_RE)}) AND arrayExists(g -> ${g(1)} <= 255 AND ${g(2)} <= 255 AND ${g(3)} <= 255 AND ${g(4)} <= 255 AND ` +
      `${bind(address, 'n', () => within)}, [extractGroups(${ip}, ${q(IPV4_TEXT_RE)})])`
    );
  });
}

/** An octet of a dotted tail (ENGINE_OCTET) as its value; NULL when above 255. */
function octet(o: string): string {
  const digits = (x: string) => `replaceRegexpOne(${x}, '^0+', '')`;
  const hexDigit = (h: string, k: number) => `(position('0123456789abcdef', substring(lower(leftPad(${h}, 2, '0')), ${k}, 1)) - 1)`;
  return (
    `if(startsWith(lower(${o}), '0x'), ${named(digits(`substring(${o}, 3)`), 'h', (h) => `if(length(${h}) <= 2, toNullable(toUInt32(${hexDigit(h, 1)} * 16 + ${hexDigit(h, 2)})), NULL)`)}, ` +
    `${named(digits(o), 'd', (d) => `if(length(${d}) <= 3 AND toUInt32OrZero(${d}) <= 255, toNullable(toUInt32OrZero(${d})), NULL)`)})`
  );
}

/**
 * Checked IPv6 text (zone left out) as ClickHouse reads it: a dotted tail read as the engine does (octets with leading
 * zeros or in hex; `::a.b.c.d` is `::ffff:a.b.c.d`) becomes two hex groups; NULL when an octet is above 255.
 */
function hexTail(a: string): string {
  const pair = (q: string) => `concat(leftPad(lower(hex(toUInt16(${q}[1] * 256 + ${q}[2]))), 4, '0'), ':', leftPad(lower(hex(toUInt16(${q}[3] * 256 + ${q}[4]))), 4, '0'))`;
  const head = `replaceRegexpOne(${a}, '[^:]+$', '')`;
  return (
    `if(position(${a}, '.') = 0, ${a}, ${named(`arrayMap(o -> ${octet('o')}, splitByChar('.', extract(${a}, '[^:]+$')))`, 'q', (q) =>
      `if(arrayAll(v -> isNotNull(v), ${q}), concat(if(${head} = '::', '::ffff:', ${head}), ${pair(`arrayMap(v -> assumeNotNull(v), ${q})`)}), NULL)`,
    )})`
  );
}

/** IPv6 text (trimmed) inside any of the networks: the text checked and the address read once. */
function ipv6In(t: string, cidrs: readonly string[]): string {
  const within = joinBalanced(
    cidrs.map((c) => {
      const [lo, hi] = ipv6Bounds(c);
      return `a BETWEEN ${lo} AND ${hi}`;
    }),
    'OR',
  );
  return bind(t, 'ip', (ip) => `match(${ip}, ${q(IPV6_RE)}) AND ${bind(`toIPv6OrNull(${hexTail(`replaceRegexpOne(${ip}, '%.*$', '')`)})`, 'a', () => `ifNull(${within}, 0)`)}`);
}

/** The first and last address of an IPv6 network, as ClickHouse IPv6 values. */
function ipv6Bounds(cidr: string): [string, string] {
  const text = (v: number[]) => ipaddr.fromByteArray(v).toString();
  return ipv6NetworkBytes(cidr).map((v) => `toIPv6(${q(text(v))})`) as [string, string];
}

/**
 * ClickHouse (checked on 26.7 through chDB) over the events table of clickhouseEventsTableDdl: the queries read its
 * materialized columns, which ClickHouse parses out of the event's JSON text once, at insert (parsing the JSON in
 * every query cost three times as much). Case is folded with lowerUTF8 on both sides, which is JavaScript's
 * toLowerCase for every cased BMP character (checked on chDB), never with ILIKE, whose folding depends on the
 * pattern's shape ('ſtrange' ILIKE 's%' is 1, 'ſtrange' ILIKE 'strange' is 0). Regexes are RE2, the engine's flavour;
 * ClickHouse's `.` matches a newline unless told otherwise, so the s flag is always stated.
 */
export const CLICKHOUSE: SqlSpec = {
  name: 'clickhouse',
  string: q,
  // A missing key reads as an empty array.
  anyValue: (key, pred, a) => `arrayExists(${a} -> ${pred(a)}, e.fields[${q(key)}])`,
  anyScalar: (pred) => `arrayExists(v -> ${pred('v')}, e.all_values)`,
  hasKey: (key) => `mapContains(e.fields, ${q(key)})`,
  nullOrMissing: (key) => `(NOT mapContains(e.fields, ${q(key)}) OR has(e.null_fields, ${q(key)}))`,
  lower: (x) => `lowerUTF8(${x})`,
  // LIKE is case-sensitive, `%` and `_` cross line breaks, and backslash is its escape: `\\` `\%` `\_` in the
  // pattern, each backslash doubled again in the literal.
  globCased: (x, parts) => `(${x} LIKE ${q(likePattern(parts))})`,
  globFolded: (lx, parts) => `(${lx} LIKE ${q(likePattern(parts))})`,
  regex: (x, source, flags) => `match(${x}, ${q(`(?${flags}${flags.includes('s') ? '' : '-s'})${source}`)})`,
  // Integer arithmetic on the dotted quad, as the engine reads it (leading zeros, ::ffff:-mapped). No function here
  // can throw on a row that is no address (isIPAddressInRange does, on '' and host names).
  ipv4Range: (t, lo, hi) => ipv4In(t, [[lo, hi]]),
  ipv4Ranges: (t, ranges) => ipv4In(t, ranges),
  // Only text the complete IPv6 check admits is parsed (toIPv6OrNull alone would also read IPv4 text, as ::ffff:-mapped).
  ipv6Net: (t, cidr) => ipv6In(t, [cidr]),
  ipv6Nets: (t, cidrs) => ipv6In(t, cidrs),
  number: (t, op, value) => {
    if (!Number.isFinite(value)) throw new Refusal('convert-number', `the number ${value} has no SQL literal`);
    return bind(t, 'n', (n) => `match(${n}, ${q(DECIMAL_RE)}) AND ifNull(toFloat64OrNull(${n}) ${SQL_OPS[op]} ${value}, 0)`);
  },
  trim: (x) => `replaceRegexpAll(${x}, ${q(`^[${ws}]+|[${ws}]+$`)}, '')`,
  startsWith: (a, b) => `startsWith(${a}, ${b})`,
  endsWith: (a, b) => `endsWith(${a}, ${b})`,
  containsText: (a, b) => `(position(${a}, ${b}) > 0)`,
  // Byte substrings of UTF-8, so exact; at most 255 needles a call (older ClickHouse's limit). multiSearchAny finds
  // no '' in '', where every string includes ''.
  containsAny: (x, needles) => {
    if (needles.includes('')) return '1';
    const calls: string[] = [];
    for (let i = 0; i < needles.length; i += 255) calls.push(`multiSearchAny(${x}, [${needles.slice(i, i + 255).map(q).join(', ')}])`);
    return joinBalanced(calls, 'OR');
  },
  constant: (v) => (v ? '1' : '0'),
};

/**
 * The events table in ClickHouse: the columns of events-table.ts, `event` as JSON text in a String (not the JSON type,
 * which drops JSON nulls, so `null` and `exists` could not be told apart, and gives each path one inferred type), and
 * what the queries read, MATERIALIZED from it at insert: `fields` (each top-level field's value texts: a string's
 * text, a number's or boolean's JSON text, an array's scalar elements), `null_fields` (the keys holding null) and
 * `all_values` (every scalar at any depth, for keywords). A loader writes the same columns as for the other targets.
 */
export function clickhouseEventsTableDdl(table = EVENTS_TABLE): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (`,
    `  record_id Int64,`,
    `  source_file Nullable(String),`,
    `  source_record Nullable(Int64),`,
    `  event_time Nullable(DateTime64(3, 'UTC')),`,
    `  host Nullable(String),`,
    `  channel Nullable(String),`,
    `  event_id Nullable(Int32),`,
    `  event String,`,
    `  fields Map(String, Array(String)) MATERIALIZED mapFromArrays(arrayMap(p -> p.1, JSONExtractKeysAndValuesRaw(event)), ` +
      `arrayMap(p -> ${scalarTexts('p.2')}, JSONExtractKeysAndValuesRaw(event))),`,
    `  null_fields Array(String) MATERIALIZED arrayMap(p -> p.1, arrayFilter(p -> JSONType(p.2) = 'Null', JSONExtractKeysAndValuesRaw(event))),`,
    `  all_values Array(String) MATERIALIZED ${allScalarTexts('event')}`,
    `) ENGINE = MergeTree ORDER BY record_id`,
  ].join('\n');
}
