import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileGlob, globMatch } from '../../src/compile/glob.js';
import { ONE, STAR, type StrPart } from '../../src/modifiers/value-pattern.js';

// Characters that stress the code-point handling: a surrogate pair ('?' is one of it), a lone surrogate, İ.
const UNITS = ['a', 'b', 'ab', '\\', 'é', '\u0130', '\u{1F600}', '\ud800', 'x'];
const parts: fc.Arbitrary<StrPart[]> = fc.array(fc.oneof(fc.constantFrom(...UNITS), fc.constant(STAR), fc.constant(ONE)), { maxLength: 6 });
const text = fc.array(fc.constantFrom(...UNITS), { maxLength: 10 }).map((xs) => xs.join(''));

describe('compiled globs', () => {
  test('agree with globMatch on random patterns and texts', () => {
    fc.assert(
      fc.property(parts, fc.array(text, { minLength: 1, maxLength: 6 }), (ps, texts) => {
        const m = compileGlob(ps);
        for (const t of texts) expect(m(t)).toBe(globMatch(ps, t));
      }),
      { numRuns: 1000 },
    );
  });

  test('texts that hold a pattern, and a one-code-point ? against a surrogate pair', () => {
    const p: StrPart[] = [STAR, 'b', ONE, 'a', STAR];
    for (const t of ['xxb\u{1F600}ayy', 'ba', 'bxa', 'b\ud800a', 'bb\u{1F600}a']) expect(compileGlob(p)(t)).toBe(globMatch(p, t));
    expect(compileGlob(p)('xxb\u{1F600}ayy')).toBe(true);
    expect(compileGlob(['a', ONE])('a\u{1F600}')).toBe(true);
    expect(compileGlob(['a', ONE, ONE])('a\u{1F600}')).toBe(false);
  });
});
