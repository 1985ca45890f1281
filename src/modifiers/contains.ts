import { asSigmaString } from './coerce.js';
import { isWildcard, STAR, type StrPart } from './value-pattern.js';
import type { ModifierSpec, WorkingValue } from './working-value.js';

/** Adds `*` at the ends named, where the string does not already have one. */
export function wrapWithWildcards(parts: readonly StrPart[], start: boolean, end: boolean): StrPart[] {
  const out = [...parts];
  const first = out[0];
  const last = out[out.length - 1];
  if (start && !(first !== undefined && isWildcard(first) && first.wildcard === '*')) out.unshift(STAR);
  if (end && !(last !== undefined && isWildcard(last) && last.wildcard === '*')) out.push(STAR);
  return out;
}

/** contains/startswith/endswith share this: strings get wildcards; regexes are already searches; fieldrefs get a position. */
export function positionModifier(name: 'contains' | 'startswith' | 'endswith'): ModifierSpec {
  const start = name !== 'startswith';
  const end = name !== 'endswith';
  return {
    apply(value: WorkingValue) {
      if (value.kind === 'final') {
        const p = value.pattern;
        // A regex is matched as a search already, so these add nothing to it.
        if (p.kind === 'regex' || p.kind === 'placeholder') return value;
        if (p.kind === 'fieldref') return { kind: 'final', pattern: { ...p, position: name } };
      }
      const parts = asSigmaString(value, name);
      if ('code' in parts) return parts;
      return { kind: 'str', parts: wrapWithWildcards(parts, start, end) };
    },
  };
}

export const contains = positionModifier('contains');
