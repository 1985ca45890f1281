import { asSigmaString } from './coerce.js';
import type { StrPart } from './value-pattern.js';
import { problem, type ModifierSpec, type WorkingValue } from './working-value.js';

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
const MAX_FLAG_POSITIONS = 6;
const WORD = /[\p{L}\p{N}_]/u;

/** Positions (part index, char index) of `-` or `/` that start a flag: no word char before, a word char after. */
function flagPositions(parts: readonly StrPart[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  parts.forEach((p, pi) => {
    if (typeof p !== 'string') return;
    for (let ci = 0; ci < p.length; ci++) {
      const ch = p[ci];
      if (ch !== '-' && ch !== '/') continue;
      const before = ci > 0 ? p[ci - 1] : undefined;
      const after = p[ci + 1];
      if (before !== undefined && WORD.test(before)) continue;
      if (after === undefined || !WORD.test(after)) continue;
      out.push([pi, ci]);
    }
  });
  return out;
}

/** Every combination of Windows flag dashes at each flag position (pySigma's `\B[-/]\b` rule). */
export const windash: ModifierSpec = {
  apply(value) {
    const parts = asSigmaString(value, 'windash');
    if ('code' in parts) return parts;
    const positions = flagPositions(parts);
    if (positions.length > MAX_FLAG_POSITIONS) {
      return problem('modifier-chain', `'windash' on a value with ${positions.length} flags would make ${5 ** positions.length} variants`);
    }
    const items: WorkingValue[] = [];
    const total = DASHES.length ** positions.length;
    for (let n = 0; n < total; n++) {
      const copy = parts.map((p) => (typeof p === 'string' ? p.split('') : p));
      let k = n;
      for (const [pi, ci] of positions) {
        (copy[pi] as string[])[ci] = DASHES[k % DASHES.length] as string;
        k = Math.floor(k / DASHES.length);
      }
      items.push({ kind: 'str', parts: copy.map((p) => (Array.isArray(p) ? p.join('') : p)) });
    }
    return items.length === 1 ? (items[0] as WorkingValue) : { kind: 'group', items };
  },
};
