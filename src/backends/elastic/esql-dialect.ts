import type { FieldRefNode, Dialect } from '../dialect.js';
import { Refusal } from '../dialect.js';
import type { ValueTest } from '../../compile/ir.js';
import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { JS_WHITESPACE_CLASS } from '../regex-text.js';
import { JS_WHITESPACE } from '../sql/sql-spec.js';
import type { EcsField } from './ecs-fields.js';
import { checkLength, patternRegex } from './lucene-regex.js';
import { re2ToLucene } from './re2-to-lucene.js';
import { typedTest } from './typed-tests.js';

/** An ES|QL string literal: `\`, `"` and the three characters a literal cannot hold raw (new line, return, tab) escaped. */
export function esqlString(text: string): string {
  return `"${text.replace(/[\\"\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`))}"`;
}

/** A column name: bare when plain, else in backquotes (a backquote inside doubled). */
export function esqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/** A LIKE pattern: `*` and `?` wildcards, a literal `*`, `?` or `\` escaped with `\` (then escaped again as a string). */
function likePattern(parts: readonly StrPart[]): string {
  return esqlString(parts.map((p) => (isWildcard(p) ? p.wildcard : p.replace(/[*?\\]/g, (c) => `\\${c}`))).join(''));
}

/** JavaScript's white space (the engine's trim) as a Lucene class for RLIKE. */
const WS = `[${JS_WHITESPACE_CLASS.replace(/\\x\{([0-9a-f]+)\}/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16))).replace(/ /g, '\\ ')}]`;

/** Decimal text as the engine takes it for a number (field-values.ts numberOf), as a Lucene regex. */
const DECIMAL = '[+\\-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+\\-]?[0-9]+)?';
/** Leading and trailing JavaScript white space, as a Java regex for REPLACE. */
const TRIM_JAVA = (() => {
  const cls = JS_WHITESPACE.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('');
  return `^[${cls}]+|[${cls}]+$`;
})();
const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
/** A double literal ES|QL reads back as the same number (with a point, so it is a double, not an integer). */
const numberLiteral = (n: number) => (Number.isInteger(n) && Math.abs(n) < 1e15 ? `${n}.0` : String(n).replace(/e\+?/, 'E'));

function keywordTest(col: string, t: ValueTest): string {
  const text = (cased: boolean) => (cased ? col : `TO_LOWER(${col})`);
  switch (t.kind) {
    case 'eq':
      return `${text(t.cased)} == ${esqlString(t.value)}`;
    case 'prefix':
      return `STARTS_WITH(${text(t.cased)}, ${esqlString(t.value)})`;
    case 'suffix':
      return `ENDS_WITH(${text(t.cased)}, ${esqlString(t.value)})`;
    case 'contains':
      return `${text(t.cased)} LIKE ${likePattern([{ wildcard: '*' }, t.value, { wildcard: '*' }])}`;
    case 'glob':
      return `${text(t.cased)} LIKE ${likePattern(t.parts)}`;
    case 'regex':
      return `${col} RLIKE ${esqlString(checkLength(re2ToLucene(t.source, t.flags)))}`;
    case 'bool':
      return `${col} RLIKE ${esqlString(`${WS}*${patternRegex([String(t.value)], false)}${WS}*`)}`;
    case 'cidr':
      throw new Refusal('convert-field-type', `'${col}' is a keyword field: CIDR_MATCH takes an ip field`);
    case 'numeq':
    case 'compare': {
      if (col === 'event.code' && t.kind === 'numeq' && Number.isInteger(t.value) && t.value >= 0) return `event.code == ${esqlString(String(t.value))}`;
      if (!Number.isFinite(t.value)) throw new Refusal('convert-number-text', 'the number is not finite');
      // Text read as a number as the engine reads it: trimmed (JavaScript's white space) decimal text, then the
      // double it spells (Java's parse and JavaScript's both round correctly).
      const op = t.kind === 'numeq' ? '==' : OPS[t.op];
      return `(${col} RLIKE ${esqlString(`${WS}*${DECIMAL}${WS}*`)} AND TO_DOUBLE(REPLACE(${col}, ${esqlString(TRIM_JAVA)}, "")) ${op} ${numberLiteral(t.value)})`;
    }
    case 'timepart':
      throw new Refusal('convert-timepart', `the |${t.part} modifier (a part of a date) is not converted to ES|QL`);
    default: {
      const never: never = t;
      return never;
    }
  }
}

/**
 * The text a field stands for in ES|QL: its column, or for a User the engine joins (Sysmon's, which Winlogbeat
 * splits; Security 4688's from SubjectDomainName and SubjectUserName) that DOMAIN\\name again.
 */
function textOf(f: EcsField): string {
  return f.esql ?? esqlName(f.name);
}

function fieldTest(f: EcsField, t: ValueTest): string {
  const col = textOf(f);
  if (f.type === 'keyword' || f.type === 'domain-user') return keywordTest(col, t);
  return typedTest(f, t, { col, str: esqlString, cidr: (c, net) => `CIDR_MATCH(${c}, ${net})` });
}

/** Null is never true or false in ES|QL: each test is guarded by its column's presence, so NOT keeps the engine's two values. */
const guarded = (col: string, test: string) => `(${col} IS NOT NULL AND ${test})`;

/**
 * The ES|QL WHERE dialect over ECS documents: case-insensitive text through TO_LOWER (Java's lower-casing, as the
 * engine's: İ and final sigma alike), LIKE with `*` / `?` and escapes, RLIKE (Lucene RegExp, whole value) for
 * regexes, CIDR_MATCH on ip fields, every leaf guarded against null.
 */
export function esqlDialect(field: (name: string) => EcsField): Dialect {
  const join = (parts: readonly string[], op: 'AND' | 'OR') => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(` ${op} `)})`);
  return {
    and: (parts) => join(parts, 'AND'),
    or: (parts) => join(parts, 'OR'),
    not: (part) => `NOT ${part}`,
    constant: (v) => (v ? 'true' : 'false'),
    field: (name, t) => {
      const f = field(name);
      return guarded(textOf(f), fieldTest(f, t));
    },
    fieldAnyOf: (name, tests) => {
      const f = field(name);
      return guarded(textOf(f), join(tests.map((t) => fieldTest(f, t)), 'OR'));
    },
    keyword: () => {
      throw new Refusal('convert-keyword', 'keywords search every value of the event; ES|QL has no column that holds each of them');
    },
    exists: (name, expected) => `${textOf(field(name))} IS ${expected ? 'NOT ' : ''}NULL`,
    isNull: (name) => `${textOf(field(name))} IS NULL`,
    fieldref: (node: FieldRefNode) => {
      const a = field(node.field);
      const b = field(node.other);
      if (a.type !== 'keyword' || b.type !== 'keyword') throw new Refusal('convert-fieldref', 'fieldref is converted between text (keyword) fields only');
      if (node.position === 'contains') throw new Refusal('convert-fieldref', 'fieldref|contains is not converted to ES|QL (LIKE takes no column as its pattern)');
      const x = node.cased ? esqlName(a.name) : `TO_LOWER(${esqlName(a.name)})`;
      const y = node.cased ? esqlName(b.name) : `TO_LOWER(${esqlName(b.name)})`;
      const test = node.position === 'exact' ? `${x} == ${y}` : node.position === 'startswith' ? `STARTS_WITH(${x}, ${y})` : `ENDS_WITH(${x}, ${y})`;
      return `(${esqlName(a.name)} IS NOT NULL AND ${esqlName(b.name)} IS NOT NULL AND ${test})`;
    },
  };
}
