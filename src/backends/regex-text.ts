import { JS_WHITESPACE } from './sql/sql-spec.js';

/**
 * A literal run of text as regex source that RE2 and PCRE read alike: every character that is not a letter, digit or
 * underscore escaped or written as `\x{…}`.
 */
export function regexLiteral(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[A-Za-z0-9_]/.test(ch)) out += ch;
    else if (/[\\.+*?()|[\]{}^$#&~ -]/.test(ch)) out += `\\${ch}`;
    else out += `\\x{${(ch.codePointAt(0) as number).toString(16)}}`;
  }
  return out;
}

/** JavaScript's white space (what the engine trims from numbers and addresses) as a class body, runs of code points as ranges. */
export const JS_WHITESPACE_CLASS = (() => {
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
