import { asSigmaString } from './coerce.js';
import { hasWildcard, literalText } from './value-pattern.js';
import { problem, type ModifierProblem, type WorkingValue, type ModifierSpec } from './working-value.js';

/** The bytes a base64 modifier encodes: UTF-8 of a string, or what an encoding modifier produced. */
export function bytesOf(value: WorkingValue, name: string): Uint8Array | ModifierProblem {
  if (value.kind === 'bytes') return value.bytes;
  const parts = asSigmaString(value, name);
  if ('code' in parts) return parts;
  if (hasWildcard(parts)) return problem('wildcard-not-allowed', `modifier '${name}' cannot encode a value with wildcards`);
  return new Uint8Array(Buffer.from(literalText(parts), 'utf8'));
}

/** Standard base64 with padding of the value's bytes. */
export const base64: ModifierSpec = {
  apply(value) {
    const bytes = bytesOf(value, 'base64');
    if ('code' in bytes) return bytes;
    return { kind: 'str', parts: [Buffer.from(bytes).toString('base64')] };
  },
};

const DROP_START = [0, 2, 3];
const DROP_END = [0, 3, 2];

/** The three base64 renderings of the value at byte offsets 0, 1 and 2, without the unstable edges. */
export function base64OffsetVariants(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(bytes)]);
    const encoded = padded.toString('base64');
    const dropEnd = DROP_END[(bytes.length + shift) % 3] ?? 0;
    out.push(encoded.slice(DROP_START[shift] ?? 0, encoded.length - dropEnd));
  }
  return out;
}

export const base64offset: ModifierSpec = {
  apply(value) {
    const bytes = bytesOf(value, 'base64offset');
    if ('code' in bytes) return bytes;
    return { kind: 'group', items: base64OffsetVariants(bytes).map((v) => ({ kind: 'str', parts: [v] })) };
  },
};
