import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { JS_WHITESPACE_CLASS, regexLiteral } from '../regex-text.js';

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

/** A literal run of text as RE2 source (shared with the PCRE of the Splunk target). */
export const re2Literal = regexLiteral;

/**
 * A Sigma wildcard pattern as an anchored RE2 pattern over the whole text: `*` any run (new lines too, hence `s`),
 * `?` exactly one character, never widened. `(?i)` unless cased; the literal parts are already lower-cased then.
 */
export function globRegex(parts: readonly StrPart[], cased: boolean): string {
  const body = parts.map((p) => (isWildcard(p) ? (p.wildcard === '*' ? '.*' : '.') : re2Literal(p))).join('');
  return `(?${cased ? '' : 'i'}s)^${body}$`;
}

/** JavaScript's String.prototype.trim (Unicode white space) as a KQL expression: the engine's rule for numbers and addresses. */
export function jsTrim(x: string): string {
  return `trim(${kqlString(`[${JS_WHITESPACE_CLASS}]+`)}, ${x})`;
}
