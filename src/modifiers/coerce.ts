import { tokenizeSigmaString, type StrPart } from './value-pattern.js';
import { problem, type ModifierProblem, type WorkingValue } from './working-value.js';

/** The value as a Sigma string, or a type problem for numbers, booleans, null and bytes. */
export function asSigmaString(value: WorkingValue, modifier: string): readonly StrPart[] | ModifierProblem {
  switch (value.kind) {
    case 'raw':
      return tokenizeSigmaString(value.text);
    case 'str':
      return value.parts;
    case 'num':
    case 'bool':
    case 'null':
      return problem('modifier-value-type', `modifier '${modifier}' needs a string value, got ${describe(value)}`);
    case 'bytes':
      return problem('modifier-chain', `modifier '${modifier}' cannot follow an encoding modifier (only base64/base64offset can)`);
    case 'group':
    case 'final':
      return problem('modifier-chain', `modifier '${modifier}' cannot follow this modifier`);
    default:
      return assertNever(value);
  }
}

/** The value exactly as written (no escape processing), for re, cidr, fieldref and expand. */
export function asRawText(value: WorkingValue, modifier: string): string | ModifierProblem {
  if (value.kind === 'raw') return value.text;
  if (value.kind === 'num' || value.kind === 'bool' || value.kind === 'null') {
    return problem('modifier-value-type', `modifier '${modifier}' needs a string value, got ${describe(value)}`);
  }
  return problem('modifier-chain', `modifier '${modifier}' must come before modifiers that transform the value`);
}

export function describe(value: WorkingValue): string {
  switch (value.kind) {
    case 'num':
      return `the number ${value.value}`;
    case 'bool':
      return `the boolean ${value.value}`;
    case 'null':
      return 'null';
    default:
      return 'a string';
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(x)}`);
}
