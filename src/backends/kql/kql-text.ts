import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { JS_WHITESPACE } from '../sql/sql-spec.js';

/**
 * A KQL string literal: double quotes with backslash escapes (KQL's escapes are C#'s: `\\`, `\"`, `\n`, `\t`, `\r`,
 * `\uXXXX`), so one value is escaped exactly once at this layer and a pattern layer (regex) sits inside it.
 */
export function kqlString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x2028 && c <= 0x2029)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A column name: bare when it is a plain identifier, else KQL's `['name']` form. */
export function kqlName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `[${kqlString(name)}]`;
}

/** A literal run of text as RE2 source: every character that is not a letter, digit or underscore escaped or coded. */
export function re2Literal(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[A-Za-z0-9_]/.test(ch)) out += ch;
    else if (/[\\.+*?()|[\]{}^$#&~ -]/.test(ch)) out += `\\${ch}`;
    else out += `\\x{${(ch.codePointAt(0) as number).toString(16)}}`;
  }
  return out;
}

/**
 * A Sigma wildcard pattern as an anchored RE2 pattern over the whole text: `*` any run (new lines too, hence `s`),
 * `?` exactly one character, never widened. `(?i)` unless cased; the literal parts are already lower-cased then.
 */
export function globRegex(parts: readonly StrPart[], cased: boolean): string {
  const body = parts.map((p) => (isWildcard(p) ? (p.wildcard === '*' ? '.*' : '.') : re2Literal(p))).join('');
  return `(?${cased ? '' : 'i'}s)^${body}$`;
}

/** JS_WHITESPACE as an RE2 class body, runs of consecutive code points as ranges (\t-\r, U+2000-U+200A). */
const WS_CLASS = (() => {
  const cps = [...JS_WHITESPACE].sort((a, b) => a - b);
  const hex = (c: number) => (c === 32 ? ' ' : `\\x{${c.toString(16)}}`);
  let out = '';
  for (let i = 0; i < cps.length; ) {
    let j = i;
    while (j + 1 < cps.length && (cps[j + 1] as number) === (cps[j] as number) + 1) j++;
    out += j - i >= 2 ? `${hex(cps[i] as number)}-${hex(cps[j] as number)}` : cps.slice(i, j + 1).map(hex).join('');
    i = j + 1;
  }
  return out;
})();

/** JavaScript's String.prototype.trim (Unicode white space) as a KQL expression: the engine's rule for numbers and addresses. */
export function jsTrim(x: string): string {
  return `trim(${kqlString(`[${WS_CLASS}]+`)}, ${x})`;
}
