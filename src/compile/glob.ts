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
