import { describe, expect, test } from 'vitest';
import { ONE, STAR, tokenizeSigmaString } from '../../src/modifiers/value-pattern.js';
import { base64OffsetVariants } from '../../src/modifiers/base64.js';
import { checkCidr } from '../../src/modifiers/cidr.js';

describe('Sigma string escapes (spec notes §4.2)', () => {
  test.each([
    ['C:\\Windows\\System32\\', ['C:\\Windows\\System32\\']],
    ['C:\\\\Windows', ['C:\\Windows']],
    ['\\*', ['*']],
    ['\\\\*', ['\\', STAR]],
    ['\\\\\\*', ['\\*']],
    ['\\\\\\\\', ['\\\\']],
    ['\\\\\\a', ['\\\\a']],
    ['a*b?c', ['a', STAR, 'b', ONE, 'c']],
    ['C:\\Temp\\', ['C:\\Temp\\']],
    ['', []],
  ])('%s', (text, parts) => {
    expect(tokenizeSigmaString(text)).toEqual(parts);
  });
});

describe('base64offset', () => {
  test.each([
    ['http', ['aHR0c', 'h0dH', 'odHRw']],
    ['/c ', ['L2Mg', '9jI', 'vYy']],
  ])('%s', (value, expected) => {
    expect(base64OffsetVariants(new Uint8Array(Buffer.from(value)))).toEqual(expected);
  });
  test('wide IEX', () => {
    expect(base64OffsetVariants(new Uint8Array(Buffer.from('IEX', 'utf16le')))).toEqual(['SQBFAFgA', 'kARQBYA', 'JAEUAWA']);
  });
});

describe('cidr validation', () => {
  test.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['fe80::/10', 'fe80::/10'],
    ['::1/128', '::1/128'],
    ['192.168.1.1', '192.168.1.1/32'],
  ])('accepts %s', (text, cidr) => {
    expect(checkCidr(text)).toEqual({ cidr });
  });
  test.each(['10.1.2.3/8', '10.0.0.0/33', 'not-an-ip', 'fe80::1/10'])('rejects %s', (text) => {
    expect(checkCidr(text)).toMatchObject({ code: 'cidr-invalid' });
  });
});
