import type { CompareOp, StrPart } from '../../modifiers/value-pattern.js';

/**
 * One SQL dialect's table: how it reaches the event's values and says each test. The shared leaf logic
 * (sql-dialect.ts) is written once over it. Every slot returns a boolean SQL expression that is never NULL,
 * so AND / OR / NOT keep two-valued logic (a missing field fails its test; NOT of that is true, as in the engine).
 */
export interface SqlSpec {
  readonly name: string;
  /** A string literal, when the dialect's differ from standard SQL's (sqlString): ClickHouse reads backslash escapes. */
  readonly string?: (text: string) => string;
  /** `pred` over each scalar value of the event's field `key` as text (several values: any of them); FALSE when none. */
  readonly anyValue: (key: string, pred: (x: string) => string, alias: string) => string;
  /** `pred` over every scalar value anywhere in the event, as text: keywords. */
  readonly anyScalar: (pred: (x: string) => string) => string;
  readonly hasKey: (key: string) => string;
  /** The key is absent or holds JSON null. */
  readonly nullOrMissing: (key: string) => string;
  readonly lower: (x: string) => string;
  /** Why a lower-cased literal cannot be compared exactly with this dialect's lower() (SQLite folds ASCII only). */
  readonly foldProblem?: (literal: string) => string | undefined;
  /** A case-sensitive wildcard match of the whole text (`*` any run, `?` one character). */
  readonly globCased: (x: string, parts: readonly StrPart[]) => string;
  /** A match of lower(x) against lower-cased parts. */
  readonly globFolded: (lx: string, parts: readonly StrPart[]) => string;
  /** Regex search (unanchored), RE2 source and flags i/m/s; throws Refusal when the flavour cannot say it. */
  readonly regex: (x: string, source: string, flags: string) => string;
  /** Dotted-quad IPv4 text (or ::ffff:-mapped) inside [lo, hi] as 32-bit numbers; x already trimmed. */
  readonly ipv4Range: (t: string, lo: number, hi: number) => string;
  /** ipv4Range for any of several ranges, where the dialect reads the address once for all (optional). */
  readonly ipv4Ranges?: (t: string, ranges: ReadonlyArray<readonly [number, number]>) => string;
  /** IPv6 text inside the network; throws Refusal when the dialect cannot test it. */
  readonly ipv6Net: (t: string, cidr: string) => string;
  /** ipv6Net for any of several networks, the address read once (optional). */
  readonly ipv6Nets?: (t: string, cidrs: readonly string[]) => string;
  /** Decimal number text (already trimmed) compared with a number; FALSE when the text is no number. */
  readonly number: (t: string, op: CompareOp | 'eq', value: number) => string;
  /** JavaScript's String.prototype.trim (Unicode white space). */
  readonly trim: (x: string) => string;
  readonly startsWith: (a: string, b: string) => string;
  readonly endsWith: (a: string, b: string) => string;
  readonly containsText: (a: string, b: string) => string;
  /**
   * x holds any of the literal substrings (case-sensitive; x and the needles already lower-cased for a folded test),
   * where the dialect has a function for it: a list of thousands of LIKEs costs ClickHouse's analyser seconds.
   */
  readonly containsAny?: (x: string, needles: readonly string[]) => string;
  readonly constant: (value: boolean) => string;
}

/** A SQL string literal: quotes doubled; backslashes kept (standard strings in every dialect here). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The white space JavaScript's trim() removes, the engine's rule for numbers, booleans and addresses. */
export const JS_WHITESPACE = [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];

/** a OR b OR …, nested in groups so that a long list stays within a parser's expression depth (SQLite: 1000). */
export function joinBalanced(parts: readonly string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0] as string;
  if (parts.length <= 64) return `(${parts.join(` ${op} `)})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += 64) groups.push(joinBalanced(parts.slice(i, i + 64), op));
  return joinBalanced(groups, op);
}

export const SQL_OPS: Readonly<Record<CompareOp | 'eq', string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=' };

/** The decimal forms the engine reads as numbers (field-values.ts numberOf), exponent limited to 3 digits. */
export const DECIMAL_RE = '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$';
