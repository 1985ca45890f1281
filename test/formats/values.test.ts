import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { filetimeToIso, filetimeToIsoParts } from '../../src/formats/evtx/values.js';

describe('FILETIME rendering without BigInt', () => {
  test('equals the BigInt rendering for any 64-bit value, in any order of calls', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.array(fc.tuple(u32, fc.oneof(u32, fc.integer({ min: 0x01d00000, max: 0x01e00000 }))), { minLength: 1, maxLength: 20 }), (pairs) => {
        for (const [lo, hi] of pairs) expect(filetimeToIsoParts(lo, hi)).toBe(filetimeToIso((BigInt(hi) << 32n) | BigInt(lo)));
      }),
      { numRuns: 500 },
    );
  });

  test('known values: the Unix epoch, a Sysmon timestamp, the 1e9 boundary, the largest FILETIME', () => {
    const parts = (t: bigint) => filetimeToIsoParts(Number(t & 0xffffffffn), Number(t >> 32n));
    expect(parts(116444736000000000n)).toBe('1970-01-01T00:00:00.0000000Z');
    expect(parts(133590312001234567n)).toBe('2024-05-01T10:00:00.1234567Z');
    expect(parts(0n)).toBe('1601-01-01T00:00:00.0000000Z');
    const boundary = BigInt(1e9) << 32n;
    expect(parts(boundary - 1n)).toBe(filetimeToIso(boundary - 1n));
    expect(parts(boundary)).toBe(filetimeToIso(boundary));
    expect(parts(0xffffffffffffffffn)).toBe(filetimeToIso(0xffffffffffffffffn));
  });
});

test('before 1970 the fraction counts up from the second below', () => {
  // One tick before the Unix epoch.
  expect(filetimeToIso(116444736000000000n - 1n)).toBe('1969-12-31T23:59:59.9999999Z');
  expect(filetimeToIsoParts(Number((116444736000000000n - 1n) & 0xffffffffn), Number((116444736000000000n - 1n) >> 32n))).toBe('1969-12-31T23:59:59.9999999Z');
});
