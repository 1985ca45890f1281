import { isWildcard, type StrPart } from '../modifiers/value-pattern.js';

/**
 * Matches a whole string against literal parts and wildcards (`*` any run, `?` one character)
 * without backtracking blow-up: greedy with one resumable star, O(n·m) at worst.
 */
export function globMatch(parts: readonly StrPart[], s: string): boolean {
  // Expand to a flat token list: characters, '?' and '*'.
  const pat: Array<string | 0 | 1> = [];
  for (const p of parts) {
    if (isWildcard(p)) pat.push(p.wildcard === '*' ? 0 : 1);
    else for (const ch of p) pat.push(ch);
  }
  const chars = Array.from(s);
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  while (si < chars.length) {
    const tok = pat[pi];
    if (tok === 1 || (typeof tok === 'string' && tok === chars[si])) {
      pi++;
      si++;
    } else if (tok === 0) {
      starPi = pi++;
      starSi = si;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      si = ++starSi;
    } else return false;
  }
  while (pat[pi] === 0) pi++;
  return pi === pat.length;
}

const STAR = -1;
const ONE = -2;

/**
 * globMatch compiled once per test: the pattern is a list of code points and wildcards made up front, the
 * text is walked in place (globMatch splits it into an array of characters on every call), and a text
 * without the pattern's longest literal part is rejected with one substring search (every match holds it).
 * Same semantics: `?` is one code point, `*` any run of them.
 */
export function compileGlob(parts: readonly StrPart[]): (s: string) => boolean {
  const tokens: number[] = [];
  let longest = '';
  for (const p of parts) {
    if (isWildcard(p)) tokens.push(p.wildcard === '*' ? STAR : ONE);
    else {
      for (const ch of p) tokens.push(ch.codePointAt(0) as number);
      if (p.length > longest.length) longest = p;
    }
  }
  const pat = Int32Array.from(tokens);
  return longest === '' ? (s) => runGlob(pat, s) : (s) => s.includes(longest) && runGlob(pat, s);
}

function runGlob(pat: Int32Array, s: string): boolean {
  const m = pat.length;
  const n = s.length;
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  while (si < n) {
    if (pi < m) {
      const t = pat[pi] as number;
      if (t === ONE) {
        pi++;
        si += (s.codePointAt(si) as number) > 0xffff ? 2 : 1;
        continue;
      }
      if (t === STAR) {
        starPi = pi++;
        starSi = si;
        continue;
      }
      const c = s.codePointAt(si) as number;
      if (c === t) {
        pi++;
        si += c > 0xffff ? 2 : 1;
        continue;
      }
    }
    if (starPi < 0) return false;
    pi = starPi + 1;
    starSi += (s.codePointAt(starSi) as number) > 0xffff ? 2 : 1;
    si = starSi;
  }
  while (pi < m && pat[pi] === STAR) pi++;
  return pi === m;
}
