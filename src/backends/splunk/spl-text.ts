import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { Refusal } from '../dialect.js';
import { JS_WHITESPACE_CLASS, regexLiteral } from '../regex-text.js';

/**
 * An SPL string literal: double quotes, `\` and `"` escaped with a backslash (the search command and eval read
 * quoted strings alike), so a value is escaped exactly once here and a pattern layer (wildcards, PCRE) sits inside.
 */
export function splString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A field name in the search command: bare when it is a plain name, else quoted. */
export function searchName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : splString(name);
}

/** A field name in eval and where: bare when it is a plain name, else in single quotes (eval's field quoting). */
export function evalName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  if (name.includes("'")) throw new Refusal('convert-field', `field '${name}' has a single quote, which an eval field name cannot hold`);
  return `'${name}'`;
}

/** A literal run of text as PCRE source. */
export const pcreLiteral = regexLiteral;

/**
 * A Sigma wildcard pattern as a PCRE over the whole value: `*` any run (new lines too, hence `s`), `?` exactly one
 * character; `\z` ends it (PCRE's `$` would also match before a final new line). `(?i)` unless cased.
 */
export function globPcre(parts: readonly StrPart[], cased: boolean): string {
  const body = parts.map((p) => (isWildcard(p) ? (p.wildcard === '*' ? '.*' : '.') : pcreLiteral(p))).join('');
  return `(?${cased ? '' : 'i'}s)^${body}\\z`;
}

/** The value without JavaScript's leading and trailing white space, as an eval expression (the engine's rule for numbers). */
export function jsTrim(x: string): string {
  return `replace(${x}, ${splString(`^[${JS_WHITESPACE_CLASS}]+|[${JS_WHITESPACE_CLASS}]+\\z`)}, "")`;
}

/**
 * An RE2 pattern (the engine's) as a PCRE that matches the same strings. RE2 is close to a subset of PCRE; what
 * differs is rewritten: `$` without the `m` flag ends the text in RE2 but may match before a final new line in PCRE
 * (so it becomes `\z`). What PCRE reads otherwise (`\C`, `\pN` spelt differently) is refused.
 */
export function re2ToPcre(source: string, flags: string): string {
  const multiline = flags.includes('m');
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === 'C') throw new Refusal('convert-regex', 'the pattern uses \\C (any byte), which PCRE in UTF mode does not take');
      if (next === 'Q') {
        // \Q…\E is literal text in both; copied whole.
        const end = source.indexOf('\\E', i + 2);
        const stop = end < 0 ? source.length : end + 2;
        out += source.slice(i, stop);
        i = stop - 1;
        continue;
      }
      out += c + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in both.
      if (source[i + 1] === '^') out += source[++i] as string;
      if (source[i + 1] === ']') out += source[++i] as string;
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      // Inline flags later in the pattern would change what `$` means from there on.
      const m = /^\(\?([imsU-]+)[:)]/.exec(source.slice(i));
      if (m !== null && (m[1] as string).includes('m')) throw new Refusal('convert-regex', 'the pattern sets the m flag inside itself; not converted to Splunk');
    }
    out += c === '$' && !multiline ? '\\z' : c;
  }
  const inline = flags.replace(/[^ims]/g, '');
  return `${inline === '' ? '' : `(?${inline})`}${out}`;
}
