import { Refusal } from '../dialect.js';
import { globPattern, likePattern } from './like-pattern.js';
import { ipv6HexBounds } from './ip-patterns.js';
import { joinBalanced, JS_WHITESPACE, SQL_OPS, sqlString, type SqlSpec } from './sql-spec.js';

const path = (key: string) => sqlString(`$."${key}"`);
const NOT_SCALAR = `('object', 'array', 'null')`;
/** json_each gives booleans as 1/0: the engine reads them as 'true'/'false'. */
const text = (v: string) => `(CASE ${v}.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(${v}.value AS TEXT) END)`;
const WS = `char(${JS_WHITESPACE.join(', ')})`;

/*
 * Addresses without REGEXP: the text is checked by GLOB classes and counts of characters, then split on '.' or ':'
 * through json_each over a JSON array made of it (safe: by then it holds only digits, hex letters and separators).
 * Every step is a CASE, so nothing is read before its check passed and no value can fail the query.
 */

/** `a` is four dot-separated runs of 1–3 digits. */
const dotted = (a: string) =>
  `(${a} NOT GLOB '*[^0-9.]*' AND length(${a}) - length(replace(${a}, '.', '')) = 3 AND ${a} NOT GLOB '*..*' AND ${a} NOT GLOB '.*' ` +
  `AND ${a} NOT GLOB '*.' AND ${a} NOT GLOB '*[0-9][0-9][0-9][0-9]*')`;
/** The four octets of checked dotted text as one 32-bit number; NULL when one is above 255. */
const quad = (a: string) => {
  const o = (k: number) => `CAST(json_extract(j, '$[${k}]') AS INTEGER)`;
  return (
    `(SELECT CASE WHEN ${o(0)} <= 255 AND ${o(1)} <= 255 AND ${o(2)} <= 255 AND ${o(3)} <= 255 ` +
    `THEN ((${o(0)} * 256 + ${o(1)}) * 256 + ${o(2)}) * 256 + ${o(3)} END FROM (SELECT '["' || replace(${a}, '.', '","') || '"]' AS j))`
  );
};

/**
 * A scalar subquery over steps b0, b1, … (each reads the one before): MATERIALIZED, so SQLite does not flatten a step
 * into the next, which copies its expressions at every reference (a 22 KB query took 1.2 s to prepare).
 */
const steps = (selects: readonly string[], result: string) =>
  `(WITH ${selects.map((q, k) => `b${k} AS MATERIALIZED (${q})`).join(', ')} ${result})`;

/** Dotted-quad text (trimmed; 1–3 digits an octet, leading zeros allowed, optionally ::ffff:-mapped) in any range. */
function ipv4In(t: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  const within = joinBalanced(ranges.map(([lo, hi]) => `n BETWEEN ${lo} AND ${hi}`), 'OR');
  return `COALESCE(${steps(
    [
      `SELECT ${t} AS s`,
      `SELECT CASE WHEN lower(substr(s, 1, 7)) = '::ffff:' THEN substr(s, 8) ELSE s END AS v FROM b0`,
      `SELECT CASE WHEN ${dotted('v')} THEN ${quad('v')} END AS n FROM b1`,
    ],
    `SELECT ${within} FROM b2`,
  )}, 0)`;
}

/**
 * A dotted IPv4 tail (digits, hex letters, x and dots; three dots) as one 32-bit number, its octets read as the
 * engine's parser does (ENGINE_OCTET: decimal digits with any leading zeros, or 0x and hex digits; at most 255);
 * NULL when an octet is none.
 */
function tailValue(tail: string): string {
  const hexDigit = (d: string) => `(instr('0123456789abcdef', lower(${d})) - 1)`;
  const h = `ltrim(substr(o.value, 3), '0')`;
  const d = `ltrim(o.value, '0')`;
  const value =
    `(CASE WHEN o.value GLOB '0[xX]?*' AND substr(o.value, 3) NOT GLOB '*[^0-9A-Fa-f]*' AND length(${h}) <= 2 ` +
    `THEN (CASE length(${h}) WHEN 0 THEN 0 WHEN 1 THEN ${hexDigit(h)} ELSE ${hexDigit(`substr(${h}, 1, 1)`)} * 16 + ${hexDigit(`substr(${h}, 2, 1)`)} END) ` +
    `WHEN o.value <> '' AND o.value NOT GLOB '*[^0-9]*' AND length(${d}) <= 3 AND CAST(o.value AS INTEGER) <= 255 THEN CAST(o.value AS INTEGER) END)`;
  return (
    `(SELECT CASE WHEN count(v) = 4 THEN ((max(CASE k WHEN 0 THEN v END) * 256 + max(CASE k WHEN 1 THEN v END)) * 256 + max(CASE k WHEN 2 THEN v END)) * 256 + max(CASE k WHEN 3 THEN v END) END ` +
    `FROM (SELECT o.key AS k, ${value} AS v FROM json_each('["' || replace(${tail}, '.', '","') || '"]') AS o))`
  );
}

/** A hex group list ('' or groups joined by ':'), each group padded to four digits, in order. */
const pad = (g: string) =>
  `(CASE WHEN ${g} = '' THEN '' ELSE (SELECT group_concat(substr('000' || g.value, -4), '' ORDER BY g.key) FROM json_each('["' || replace(${g}, ':', '","') || '"]') AS g) END)`;

/**
 * IPv6 text (trimmed) in any of the networks, checked as the IPv6 text check (ip-patterns.ts) with the engine's
 * tail octets reads it: the zone index from the first '%' (no line terminator in it) left out; hex groups of 1–4
 * digits; at most one '::', and no ':' at either end but its own; a dotted IPv4 tail after the last ':' becomes two
 * groups (tailValue; `::a.b.c.d` is `::ffff:a.b.c.d`); then 8 groups, or at most 7 around the '::', which is expanded. The 32 lower-case hex digits lie between the
 * network's first and last address (ipv6HexBounds).
 */
function ipv6In(t: string, cidrs: readonly string[]): string {
  const within = joinBalanced(
    cidrs.map((c) => {
      const [lo, hi] = ipv6HexBounds(c);
      return `x BETWEEN '${lo}' AND '${hi}'`;
    }),
    'OR',
  );
  const zoneOk = `instr(z, char(10)) = 0 AND instr(z, char(13)) = 0 AND instr(z, char(8232)) = 0 AND instr(z, char(8233)) = 0`;
  const tailChars = `'0123456789abcdefABCDEFxX.'`;
  const valid =
    `instr(h, ':::') = 0 AND length(h) - length(replace(h, '::', '')) <= 2 AND (substr(h, 1, 1) <> ':' OR substr(h, 1, 2) = '::') ` +
    `AND (substr(h, -1) <> ':' OR substr(h, -2) = '::') AND h NOT GLOB '*[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]*' ` +
    `AND (CASE WHEN d > 0 THEN length(l) + length(r) <= 28 ELSE length(l) = 32 END)`;
  return `COALESCE(${steps(
    [
      `SELECT ${t} AS s`,
      `SELECT s, instr(s, '%') AS p, substr(s, instr(s, '%') + 1) AS z FROM b0`,
      `SELECT CASE WHEN p = 0 THEN s WHEN ${zoneOk} THEN substr(s, 1, p - 1) END AS a FROM b1`,
      `SELECT a, rtrim(a, ${tailChars}) AS head FROM b2 WHERE a IS NOT NULL`,
      // The dotted tail, if any (only tail characters: safe in the JSON array tailValue makes).
      `SELECT a, head, CASE WHEN instr(a, '.') > 0 THEN ${tailValue(`substr(a, length(head) + 1)`)} END AS n, length(substr(a, length(head) + 1)) - length(replace(substr(a, length(head) + 1), '.', '')) AS dots FROM b3`,
      // The hex text: the tail as two groups (`::a.b.c.d` read as `::ffff:a.b.c.d`).
      `SELECT CASE WHEN instr(a, '.') = 0 THEN (CASE WHEN a NOT GLOB '*[^0-9A-Fa-f:]*' AND instr(a, ':') > 0 THEN a END) ` +
        `WHEN head GLOB '*:' AND head NOT GLOB '*[^0-9A-Fa-f:]*' AND dots = 3 AND n IS NOT NULL ` +
        `THEN (CASE WHEN head = '::' THEN '::ffff:' ELSE head END) || printf('%04x:%04x', n / 65536, n % 65536) END AS h FROM b4`,
      `SELECT h, instr(h, '::') AS d, ${pad(`(CASE WHEN instr(h, '::') > 0 THEN substr(h, 1, instr(h, '::') - 1) ELSE h END)`)} AS l, ` +
        `${pad(`(CASE WHEN instr(h, '::') > 0 THEN substr(h, instr(h, '::') + 2) ELSE '' END)`)} AS r FROM b5 WHERE h IS NOT NULL`,
      `SELECT lower(l || substr('${'0'.repeat(32)}', 1, 32 - length(l) - length(r)) || r) AS x FROM b6 WHERE ${valid}`,
    ],
    `SELECT ${within} FROM b7`,
  )}, 0)`;
}

/**
 * SQLite (3.38 or later, JSON built in) over the events table: `event` is JSON text. lower() and LIKE fold ASCII
 * only, so a literal with other letters that have case is refused; there is no built-in REGEXP, so `re` is refused;
 * `cidr` reads addresses with GLOB classes, counts and json_each (no address type either).
 */
export const SQLITE: SqlSpec = {
  name: 'sqlite',
  // One value (the common case) is read in place; only an array goes through json_each.
  anyValue: (key, pred, a) => {
    const p = path(key);
    const scalar =
      `(CASE json_type(e.event, ${p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract(e.event, ${p}) ` +
      `WHEN 'integer' THEN CAST(json_extract(e.event, ${p}) AS TEXT) WHEN 'real' THEN CAST(json_extract(e.event, ${p}) AS TEXT) END)`;
    return (
      `(CASE json_type(e.event, ${p}) WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(e.event, ${p}) AS ${a} ` +
      `WHERE ${a}.type NOT IN ${NOT_SCALAR} AND ${pred(text(a))}) ELSE COALESCE(${pred(scalar)}, 0) END)`
    );
  },
  anyScalar: (pred) => `EXISTS (SELECT 1 FROM json_tree(e.event) AS v WHERE v.type NOT IN ${NOT_SCALAR} AND ${pred(text('v'))})`,
  hasKey: (key) => `(json_type(e.event, ${path(key)}) IS NOT NULL)`,
  nullOrMissing: (key) => `COALESCE(json_type(e.event, ${path(key)}) = 'null', 1)`,
  lower: (x) => `lower(${x})`,
  foldProblem: (literal) =>
    [...literal].some((c) => c > '\u007f' && c.toLowerCase() !== c.toUpperCase())
      ? `SQLite's lower() and LIKE fold ASCII letters only; ${JSON.stringify(literal)} holds other letters with case`
      : undefined,
  // GLOB is SQLite's case-sensitive wildcard match; LIKE ignores ASCII case whatever the pattern.
  globCased: (x, parts) => `(${x} GLOB ${sqlString(globPattern(parts))})`,
  globFolded: (lx, parts) => `(${lx} LIKE ${sqlString(likePattern(parts))} ESCAPE '\\')`,
  regex: () => {
    throw new Refusal('convert-regex', 'SQLite has no built-in REGEXP function');
  },
  ipv4Range: (t, lo, hi) => ipv4In(t, [[lo, hi]]),
  ipv4Ranges: ipv4In,
  ipv6Net: (t, cidr) => ipv6In(t, [cidr]),
  ipv6Nets: ipv6In,
  // Without REGEXP the engine's decimal forms are checked with GLOB classes: an optional sign, digits with at most one
  // '.', at least one digit; the exponent form ('4.688e3') is not read (a documented difference).
  number: (t, op, value) => {
    const s = `(CASE WHEN substr(${t}, 1, 1) IN ('+', '-') THEN substr(${t}, 2) ELSE ${t} END)`;
    return `(${s} <> '' AND ${s} NOT GLOB '*[^0-9.]*' AND ${s} GLOB '*[0-9]*' AND ${s} NOT GLOB '*.*.*' AND CAST(${t} AS REAL) ${SQL_OPS[op]} ${value})`;
  },
  trim: (x) => `trim(${x}, ${WS})`,
  startsWith: (a, b) => `(substr(${a}, 1, length(${b})) = ${b})`,
  endsWith: (a, b) => `(length(${b}) = 0 OR substr(${a}, -length(${b})) = ${b})`,
  containsText: (a, b) => `(instr(${a}, ${b}) > 0)`,
  constant: (v) => (v ? '1' : '0'),
};
