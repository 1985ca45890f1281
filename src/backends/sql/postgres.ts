import { Refusal } from '../dialect.js';
import { ENGINE_OCTET, IPV4_TEXT_RE, ipv6TextRegex } from './ip-patterns.js';
import { likePattern } from './like-pattern.js';
import { regexToAre } from './regex-to-are.js';
import { DECIMAL_RE, JS_WHITESPACE, SQL_OPS, sqlString, type SqlSpec } from './sql-spec.js';

const ws = JS_WHITESPACE.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('');
const IPV6_RE = ipv6TextRegex(ENGINE_OCTET);

/** An octet of a dotted tail (ENGINE_OCTET) as its value; NULL when above 255. */
const octet = (x: string) =>
  `(CASE WHEN lower(${x}) LIKE '0x%' THEN (CASE WHEN length(ltrim(substr(${x}, 3), '0')) <= 2 THEN ('x' || lpad(ltrim(substr(${x}, 3), '0'), 2, '0'))::bit(8)::int END) ` +
  `WHEN length(ltrim(${x}, '0')) <= 3 AND COALESCE(NULLIF(ltrim(${x}, '0'), ''), '0')::int <= 255 THEN COALESCE(NULLIF(ltrim(${x}, '0'), ''), '0')::int END)`;

/** Checked IPv6 text (zone left out) with a dotted tail read as the engine does (`::a.b.c.d` is `::ffff:a.b.c.d`) as two hex groups. */
const hexTail = (a: string) =>
  `(CASE WHEN strpos(${a}, '.') = 0 THEN ${a} ELSE (SELECT CASE WHEN o[1] IS NOT NULL AND o[2] IS NOT NULL AND o[3] IS NOT NULL AND o[4] IS NOT NULL ` +
  `THEN (CASE WHEN h = '::' THEN '::ffff:' ELSE h END) || to_hex(o[1] * 256 + o[2]) || ':' || to_hex(o[3] * 256 + o[4]) END ` +
  `FROM (SELECT substring(${a} from '^(.*:)') AS h, ARRAY(SELECT ${octet('u.x')} FROM unnest(string_to_array(substring(${a} from '([^:]+)$'), '.')) WITH ORDINALITY AS u(x, n) ORDER BY u.n) AS o) AS p) END)`;
const SCALAR = `('string', 'number', 'boolean')`;

/**
 * PostgreSQL (15 and later) over the events table (events-table.ts): `event` is JSONB, a field is a top-level key.
 * Strings are standard (standard_conforming_strings = on, the default: a backslash is itself); lower() and `~*` fold
 * with the database's ctype, so a UTF-8 ctype (C.UTF-8 or a language's) is assumed.
 */
export const POSTGRES: SqlSpec = {
  name: 'postgres',
  // A JSON null gives ->> NULL, so the test is false; an object is no value the engine reads.
  anyValue: (key, pred, a) => {
    const j = `e.event -> ${sqlString(key)}`;
    return (
      `(CASE jsonb_typeof(${j}) WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${j}) AS ${a}(j) ` +
      `WHERE jsonb_typeof(${a}.j) IN ${SCALAR} AND ${pred(`(${a}.j #>> '{}')`)}) ` +
      `WHEN 'object' THEN FALSE ELSE COALESCE(${pred(`(e.event ->> ${sqlString(key)})`)}, FALSE) END)`
    );
  },
  anyScalar: (pred) => `EXISTS (SELECT 1 FROM jsonb_path_query(e.event, 'strict $.**') AS v(j) WHERE jsonb_typeof(v.j) IN ${SCALAR} AND ${pred(`(v.j #>> '{}')`)})`,
  hasKey: (key) => `(e.event ? ${sqlString(key)})`,
  nullOrMissing: (key) => `COALESCE(jsonb_typeof(e.event -> ${sqlString(key)}) = 'null', TRUE)`,
  lower: (x) => `lower(${x})`,
  globCased: (x, parts) => `${x} LIKE ${sqlString(likePattern(parts))} ESCAPE '\\'`,
  globFolded: (lx, parts) => `${lx} LIKE ${sqlString(likePattern(parts))} ESCAPE '\\'`,
  regex: (x, source, flags) => {
    const { pattern, caseInsensitive } = regexToAre(source, flags);
    return `${x} ${caseInsensitive ? '~*' : '~'} ${sqlString(pattern)}`;
  },
  ipv4Range: (t, lo, hi) =>
    `COALESCE((SELECT m[1]::int <= 255 AND m[2]::int <= 255 AND m[3]::int <= 255 AND m[4]::int <= 255 AND ` +
    `m[1]::bigint * 16777216 + m[2]::int * 65536 + m[3]::int * 256 + m[4]::int BETWEEN ${lo} AND ${hi} ` +
    `FROM (SELECT regexp_match(${t}, ${sqlString(IPV4_TEXT_RE)}) AS m) AS ip), FALSE)`,
  // The pattern admits only text inet accepts (the cast would fail the whole query on anything else).
  ipv6Net: (t, cidr) => `(CASE WHEN ${t} ~ ${sqlString(IPV6_RE)} THEN COALESCE(${hexTail(`regexp_replace(${t}, '%.*$', '')`)}::inet <<= ${sqlString(cidr)}::inet, FALSE) ELSE FALSE END)`,
  number: (t, op, value) => `(CASE WHEN ${t} ~ ${sqlString(DECIMAL_RE)} THEN ${t}::numeric ${SQL_OPS[op]} ${numeric(value)} ELSE FALSE END)`,
  trim: (x) => `regexp_replace(${x}, '^[${ws}]+|[${ws}]+$', '', 'g')`,
  startsWith: (a, b) => `starts_with(${a}, ${b})`,
  endsWith: (a, b) => `(right(${a}, length(${b})) = ${b})`,
  containsText: (a, b) => `(strpos(${a}, ${b}) > 0)`,
  constant: (v) => (v ? 'TRUE' : 'FALSE'),
};

function numeric(value: number): string {
  if (!Number.isFinite(value)) throw new Refusal('convert-number', `the number ${value} has no SQL literal`);
  return String(value);
}
