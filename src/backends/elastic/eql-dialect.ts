import type { ValueTest } from '../../compile/ir.js';
import { Refusal, type Dialect } from '../dialect.js';
import type { EcsField } from './ecs-fields.js';
import { luceneRegexFor, plain } from './lucene-dialect.js';
import { typedTest } from './typed-tests.js';
import { checkLength } from './lucene-regex.js';

/** An EQL string literal: `\`, `"` and new line, return and tab escaped. */
export function eqlString(text: string): string {
  return `"${text.replace(/[\\"\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`))}"`;
}

/** A field name: bare when plain, else in backquotes. */
export function eqlName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) return name;
  if (name.includes('`')) throw new Refusal('convert-field', `field '${name}' has a backquote`);
  return `\`${name}\``;
}

function fieldTest(f: EcsField, t: ValueTest): string {
  const col = eqlName(f.name);
  if (f.type !== 'keyword') return typedTest(f, t, { col, str: eqlString, cidr: (c, net) => `cidrMatch(${c}, ${net})` });
  if (t.kind === 'eq' && t.cased) return `${col} == ${eqlString(t.value)}`;
  if (t.kind === 'numeq' && f.name === 'event.code' && Number.isInteger(t.value) && t.value >= 0) return `${col} == ${eqlString(String(t.value))}`;
  if (t.kind === 'cidr') throw new Refusal('convert-field-type', `'${f.name}' is a keyword field: cidrMatch takes an ip field`);
  // Everything else on text is the same whole-value Lucene regex as the lucene target's (EQL's regex operator).
  return `${col} regex ${eqlString(checkLength(luceneRegexFor(f.name, t)))}`;
}

/**
 * The EQL `where` dialect over ECS documents: case-sensitive equality with `==`, every other text test as a whole-value
 * Lucene regex (`regex`, the case classes of the lucene target: EQL's own case-insensitive operators fold case by
 * character, not as the engine), cidrMatch on ip fields, each leaf guarded by `!= null` so `not` keeps two values.
 */
export function eqlDialect(field: (name: string) => EcsField): Dialect {
  const join = (parts: readonly string[], op: 'and' | 'or') => (parts.length === 1 ? (parts[0] as string) : `(${parts.join(` ${op} `)})`);
  const guarded = (f: EcsField, test: string) => `(${eqlName(f.name)} != null and ${test})`;
  return {
    and: (parts) => join(parts, 'and'),
    or: (parts) => join(parts, 'or'),
    not: (part) => `not ${part}`,
    constant: (v) => (v ? 'true' : 'false'),
    field: (name, t) => {
      const f = field(name);
      return guarded(f, fieldTest(f, t));
    },
    fieldAnyOf: (name, tests) => {
      const f = field(name);
      return guarded(f, join(tests.map((t) => fieldTest(f, t)), 'or'));
    },
    keyword: () => {
      throw new Refusal('convert-keyword', 'keywords search every value of the event; EQL has no field that holds each of them');
    },
    exists: (name, expected) => `${eqlName(plain(field(name)).name)} ${expected ? '!=' : '=='} null`,
    isNull: (name) => `${eqlName(plain(field(name)).name)} == null`,
    fieldref: () => {
      throw new Refusal('convert-fieldref', 'comparing two fields (fieldref) is not converted to EQL');
    },
  };
}
