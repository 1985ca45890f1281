import { Refusal } from '../dialect.js';
import { globPattern, likePattern } from './like-pattern.js';
import { JS_WHITESPACE, SQL_OPS, sqlString, type SqlSpec } from './sql-spec.js';

const path = (key: string) => sqlString(`$."${key}"`);
const NOT_SCALAR = `('object', 'array', 'null')`;
/** json_each gives booleans as 1/0: the engine reads them as 'true'/'false'. */
const text = (v: string) => `(CASE ${v}.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(${v}.value AS TEXT) END)`;
const WS = `char(${JS_WHITESPACE.join(', ')})`;

/**
 * SQLite (3.38 or later, JSON built in) over the events table: `event` is JSON text. lower() and LIKE fold ASCII
 * only, so a literal with other letters that have case is refused; there is no built-in REGEXP and no address type,
 * so `re` and `cidr` are refused.
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
  ipv4Range: () => {
    throw new Refusal('convert-cidr', 'SQLite has no address type nor regular expressions to read an address exactly');
  },
  ipv6Net: () => {
    throw new Refusal('convert-cidr', 'SQLite has no address type nor regular expressions to read an address exactly');
  },
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
