import { Refusal } from '../dialect.js';
import { ENGINE_OCTET, IPV4_TEXT_RE, ipv6HexWithin, ipv6TextRe2 } from './ip-patterns.js';
import { likePattern } from './like-pattern.js';
import { DECIMAL_RE, JS_WHITESPACE, SQL_OPS, sqlString, type SqlSpec } from './sql-spec.js';

const ws = JS_WHITESPACE.map((c) => `\\x{${c.toString(16)}}`).join('');
const path = (key: string) => sqlString(`$."${key}"`);
const NOT_SCALAR = `('OBJECT', 'ARRAY', 'NULL')`;
const IPV6_RE = sqlString(ipv6TextRe2(ENGINE_OCTET));

/** `body` over `expr` computed once and named (a lambda over a one-element list). */
const bind = (expr: string, name: string, body: (x: string) => string) => `list_transform([${expr}], ${name} -> ${body(name)})[1]`;

/** A hex group list ('' or groups joined by ':'), each group padded to four digits. */
const pad = (g: string) => `(CASE WHEN ${g} = '' THEN '' ELSE array_to_string(list_transform(string_split(${g}, ':'), h -> lpad(h, 4, '0')), '') END)`;

/** An octet of a dotted tail (ENGINE_OCTET) as its value; NULL when too large. */
const octet = (o: string) => {
  const digits = (x: string) => `coalesce(nullif(ltrim(${x}, '0'), ''), '0')`;
  return `(CASE WHEN lower(${o}) LIKE '0x%' THEN TRY_CAST('0x' || ${digits(`substr(${o}, 3)`)} AS INTEGER) ELSE TRY_CAST(${digits(o)} AS INTEGER) END)`;
};

/**
 * IPv6 text (trimmed) inside any of the networks, in plain SQL (no inet extension), as the engine reads it: the zone
 * index (from the first '%') left out; the IPv6 text check with the engine's tail octets (ENGINE_OCTET, at most 255);
 * `::a.b.c.d` read as `::ffff:a.b.c.d`; the dotted tail as two hex groups; `::` expanded to the missing groups; the 32
 * lower-case hex digits between the network's first and last address (ipv6HexWithin).
 */
function ipv6In(t: string, cidrs: readonly string[]): string {
  const within = ipv6HexWithin('x', cidrs);
  const hexTail = (a: string) =>
    `(CASE WHEN contains(${a}, '.') THEN ${bind(
      `list_transform(string_split(regexp_extract(${a}, '[^:]+$'), '.'), o -> ${octet('o')})`,
      'q',
      (q) => `(CASE WHEN list_bool_and(list_transform(${q}, v -> coalesce(v <= 255, FALSE))) THEN regexp_replace(${a}, '[^:]+$', '') || printf('%04x:%04x', ${q}[1] * 256 + ${q}[2], ${q}[3] * 256 + ${q}[4]) END)`,
    )} ELSE ${a} END)`;
  const expanded = (a: string) =>
    bind(`string_split(${hexTail(a)}, '::')`, 'p', (p) => {
      const [l, r] = [pad(`${p}[1]`), pad(`coalesce(${p}[2], '')`)];
      return `lower(${l} || repeat('0', 32 - length(${l}) - length(${r})) || ${r})`;
    });
  const mapped = (a: string) => `(CASE WHEN regexp_full_match(${a}, '::[^:]*[.][^:]*') THEN '::ffff:' || substr(${a}, 3) ELSE ${a} END)`;
  return bind(t, 'ip', (ip) => `(CASE WHEN regexp_full_match(${ip}, ${IPV6_RE}) THEN coalesce(${bind(expanded(mapped(`split_part(${ip}, '%', 1)`)), 'x', () => within)}, FALSE) ELSE FALSE END)`);
}

/**
 * The JSON values of the event's fields `keys`, read with one parse of the event: DuckDB's JSON functions parse the
 * document's text on every call, and a rule tests several fields, most more than once (a type test, then the value),
 * so a query that named `e.event` in each test parsed every row ten or twenty times. A missing key is NULL.
 */
export const duckdbFieldValues = (event: string, keys: readonly string[]) => `json_extract(${event}, [${keys.map(path).join(', ')}])`;

/**
 * DuckDB over the events table: `event` is JSON. Its regular expressions are RE2, the engine's own flavour, so a
 * pattern goes through as written with its flags inline; LIKE has no default escape, so every pattern names one.
 * `slot(key)` is the expression holding the field's JSON value (NULL when the event has no such key): see
 * duckdbFieldValues and slottedSqlBackend.
 */
export const duckdbSpec = (slot: (key: string) => string): SqlSpec => ({
  name: 'duckdb',
  // A list's values through lambdas, not a correlated EXISTS over json_each: DuckDB turns such a subquery into a
  // join run for every row whatever the CASE branch, one per field test; a lambda runs only on the array rows.
  anyValue: (key, pred, a) =>
    `(CASE json_type(${slot(key)}) WHEN 'ARRAY' THEN COALESCE(list_bool_or(list_transform(` +
    `list_filter(json_extract(${slot(key)}, '$[*]'), ${a} -> json_type(${a}) NOT IN ${NOT_SCALAR}), ` +
    `${a} -> COALESCE(${pred(`(${a} ->> '$')`)}, FALSE))), FALSE) WHEN 'OBJECT' THEN FALSE WHEN 'NULL' THEN FALSE ` +
    `ELSE COALESCE(${pred(`(${slot(key)} ->> '$')`)}, FALSE) END)`,
  anyScalar: (pred) => `EXISTS (SELECT 1 FROM json_tree(e.event) AS v WHERE v.type NOT IN ${NOT_SCALAR} AND ${pred(`(v.value ->> '$')`)})`,
  hasKey: (key) => `(${slot(key)} IS NOT NULL)`,
  nullOrMissing: (key) => `COALESCE(json_type(${slot(key)}) = 'NULL', TRUE)`,
  lower: (x) => `lower(${x})`,
  globCased: (x, parts) => `${x} LIKE ${sqlString(likePattern(parts))} ESCAPE '\\'`,
  globFolded: (lx, parts) => `${lx} LIKE ${sqlString(likePattern(parts))} ESCAPE '\\'`,
  regex: (x, source, flags) => `regexp_matches(${x}, ${sqlString((flags === '' ? '' : `(?${flags})`) + source)})`,
  ipv4Range: (t, lo, hi) => {
    const octet = (n: number) => `CAST(regexp_extract(${t}, ${sqlString(IPV4_TEXT_RE)}, ${n}) AS INTEGER)`;
    return (
      `(CASE WHEN regexp_full_match(${t}, ${sqlString(IPV4_TEXT_RE)}) THEN ${octet(1)} <= 255 AND ${octet(2)} <= 255 AND ${octet(3)} <= 255 AND ${octet(4)} <= 255 AND ` +
      `CAST(${octet(1)} AS BIGINT) * 16777216 + ${octet(2)} * 65536 + ${octet(3)} * 256 + ${octet(4)} BETWEEN ${lo} AND ${hi} ELSE FALSE END)`
    );
  },
  ipv6Net: (t, cidr) => ipv6In(t, [cidr]),
  ipv6Nets: (t, cidrs) => ipv6In(t, cidrs),
  number: (t, op, value) => `(CASE WHEN regexp_full_match(${t}, ${sqlString(DECIMAL_RE)}) THEN COALESCE(TRY_CAST(${t} AS DOUBLE) ${SQL_OPS[op]} ${value}, FALSE) ELSE FALSE END)`,
  trim: (x) => `regexp_replace(${x}, '^[${ws}]+|[${ws}]+$', '', 'g')`,
  startsWith: (a, b) => `starts_with(${a}, ${b})`,
  endsWith: (a, b) => `ends_with(${a}, ${b})`,
  containsText: (a, b) => `contains(${a}, ${b})`,
  constant: (v) => (v ? 'TRUE' : 'FALSE'),
});
