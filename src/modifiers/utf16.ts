import { asSigmaString } from './coerce.js';
import { hasWildcard, literalText } from './value-pattern.js';
import { problem, type ModifierSpec } from './working-value.js';

function encoder(name: string, encode: (text: string) => Uint8Array): ModifierSpec {
  return {
    apply(value) {
      const parts = asSigmaString(value, name);
      if ('code' in parts) return parts;
      if (hasWildcard(parts)) return problem('wildcard-not-allowed', `modifier '${name}' cannot encode a value with wildcards`);
      return { kind: 'bytes', bytes: encode(literalText(parts)) };
    },
  };
}

function utf16le(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf16le'));
}

function utf16be(text: string): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  return new Uint8Array(le.swap16());
}

export const utf16le_: ModifierSpec = { ...encoder('utf16le', utf16le) };
export const wide: ModifierSpec = encoder('wide', utf16le);
export const utf16be_: ModifierSpec = encoder('utf16be', utf16be);
/** UTF-16 with a byte-order mark: FF FE then little-endian, as the spec says (not pySigma's UTF-8 BOM). */
export const utf16: ModifierSpec = encoder('utf16', (text) => new Uint8Array([0xff, 0xfe, ...utf16le(text)]));
