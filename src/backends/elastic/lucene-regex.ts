import { isWildcard, type StrPart } from '../../modifiers/value-pattern.js';
import { Refusal } from '../dialect.js';

/**
 * Lucene RegExp text (what a query_string `/…/` term, an ES|QL RLIKE and EQL's regex take), built so that it means
 * what the engine means. Lucene's regex always matches the whole value, `.` is any character (new lines too), and a
 * backslash makes the next character literal; `&`, `~`, `@`, `#`, `<`, `>` and `"` are operators there. Every ASCII
 * character that is not a letter or digit is therefore escaped, and letters and digits never are (Lucene 9 reads
 * `\d`, `\s`, `\w` as classes). `/` is escaped too, so the text sits inside a query_string `/…/` as it is.
 */
export function regexChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return cp < 0x80 && !/[A-Za-z0-9]/.test(ch) ? `\\${ch}` : ch;
}

/** index.max_regex_length, Elasticsearch's default limit on a regex's length. */
export const MAX_REGEX_LENGTH = 1000;

export function checkLength(regex: string): string {
  if (regex.length > MAX_REGEX_LENGTH) throw new Refusal('convert-regex-length', `the regex for this value is ${regex.length} characters, over Elasticsearch's index.max_regex_length (${MAX_REGEX_LENGTH})`);
  return regex;
}

let lowerClasses: Map<string, number[]> | undefined;
/** For each character, every code point that lower-cases (JavaScript's toLowerCase, as the engine) to it. */
function caseClass(ch: string): number[] {
  if (lowerClasses === undefined) {
    lowerClasses = new Map();
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const s = String.fromCodePoint(cp);
      const l = s.toLowerCase();
      if (l === s || [...l].length !== 1) continue;
      const list = lowerClasses.get(l);
      if (list === undefined) lowerClasses.set(l, [l.codePointAt(0) as number, cp]);
      else list.push(cp);
    }
  }
  return lowerClasses.get(ch) ?? [ch.codePointAt(0) as number];
}

function classOf(cps: readonly number[]): string {
  return cps.length === 1 ? regexChar(cps[0] as number) : `[${cps.map(regexChar).join('')}]`;
}

/**
 * A Sigma string pattern (the IR's value, already lower-cased unless cased) as a Lucene regex over the whole value:
 * `*` is `.*`, `?` is `.` (one code point, as the engine's `u` regex), a letter of a case-insensitive pattern is the
 * class of every character that lower-cases to it. The engine lower-cases the whole event text: İ becomes two
 * characters (i and a combining dot) and Σ becomes σ or ς by its neighbours, so a pattern that those could meet
 * otherwise than character by character is refused.
 */
export function patternRegex(parts: readonly StrPart[], cased: boolean): string {
  let out = '';
  parts.forEach((p, index) => {
    if (isWildcard(p)) {
      out += p.wildcard === '*' ? '.*' : cased ? '.' : oneChar(parts[index - 1], parts[index + 1]);
      return;
    }
    const chars = [...p];
    chars.forEach((ch, i) => {
      if (cased) {
        out += regexChar(ch.codePointAt(0) as number);
        return;
      }
      if (ch === 'σ' || ch === 'ς') throw new Refusal('convert-case', 'the value has a Greek sigma: the engine lower-cases Σ to σ or ς by its neighbours, which a character class cannot follow');
      if (ch === '\u0307') throw new Refusal('convert-case', 'the value has a combining dot above, which the engine also gets from lower-casing İ');
      const cps = caseClass(ch);
      if (ch === 'i') {
        // İ lower-cases to "i" + U+0307: it stands for this i only where a `*` follows (which takes the dot).
        const next = i + 1 < chars.length ? chars[i + 1] : parts[index + 1];
        if (next !== undefined && typeof next !== 'string' && next.wildcard === '?') throw new Refusal('convert-case', "the value has an 'i' before '?': the engine's lower-cased İ is two characters there");
        if (next !== undefined && typeof next !== 'string' && next.wildcard === '*') {
          out += classOf([...cps, 0x130]);
          return;
        }
      }
      out += classOf(cps);
    });
  });
  return out;
}

/**
 * A case-insensitive `?`: one character of the engine's lower-cased text. İ is two there, so a `?` next to a `*` may
 * take it (the `*` takes the rest); a lone `?` never does; two `?` in a row could, and are refused.
 */
function oneChar(prev: StrPart | undefined, next: StrPart | undefined): string {
  const is = (p: StrPart | undefined, w: '*' | '?') => p !== undefined && isWildcard(p) && p.wildcard === w;
  if (is(prev, '*') || is(next, '*')) return '.';
  if (is(prev, '?') || is(next, '?')) throw new Refusal('convert-case', "the value has '??': the engine's lower-cased İ is two characters, which two '?' may take");
  return '[^\u0130]';
}

/** True when the pattern's letters are the same in any case (no letter with a case partner). */
export function caseFree(text: string): boolean {
  return [...text].every((ch) => caseClass(ch).length === 1 && ch !== '\u0307' && ch !== 'σ' && ch !== 'ς' && ch !== 'i');
}

/** Sigma string tests as the parts of a whole-value pattern. */
export function partsOf(kind: 'eq' | 'prefix' | 'suffix' | 'contains', value: string): StrPart[] {
  const star = { wildcard: '*' } as const;
  return kind === 'eq' ? [value] : kind === 'prefix' ? [value, star] : kind === 'suffix' ? [star, value] : [star, value, star];
}
