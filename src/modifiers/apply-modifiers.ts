import { assertNever } from './coerce.js';
import { MODIFIERS, resolveModifier, type ModifierName } from './registry.js';
import { tokenizeSigmaString, type ValuePattern } from './value-pattern.js';
import {
  isProblem,
  problem,
  type ItemState,
  type ModifierContext,
  type ModifierProblem,
  type ModifierResult,
  type WorkingValue,
} from './working-value.js';

export interface ChainCheck {
  readonly modifiers: readonly ModifierName[];
  readonly errors: readonly ModifierProblem[];
  readonly warnings: readonly ModifierProblem[];
}

/** Validates a modifier chain as written: names, positions, and the combinations the validator flags. */
export function checkModifierChain(written: readonly string[], isKeyword: boolean): ChainCheck {
  const modifiers: ModifierName[] = [];
  const errors: ModifierProblem[] = [];
  const warnings: ModifierProblem[] = [];
  written.forEach((w, index) => {
    const name = resolveModifier(w);
    if (name === undefined) {
      errors.push(problem('modifier-unknown', `unknown modifier '${w}'`));
      return;
    }
    const spec = MODIFIERS[name];
    if ('mustBeFirst' in spec && spec.mustBeFirst === true && index !== 0) {
      errors.push(problem('modifier-chain', `modifier '${w}' must be the first modifier of the chain`));
    }
    if ('onlyAfter' in spec && spec.onlyAfter !== undefined) {
      const prev = index > 0 ? resolveModifier(written[index - 1] as string) : undefined;
      if (prev === undefined || !spec.onlyAfter.includes(prev)) {
        errors.push(problem('modifier-chain', `modifier '${w}' is only valid right after 're'`));
      }
    }
    if (modifiers.includes(name) && name !== 'base64') {
      warnings.push(problem('modifier-repeated', `modifier '${w}' appears twice in the chain`));
    }
    modifiers.push(name);
  });
  if ((modifiers.includes('exists') || modifiers.includes('fieldref')) && isKeyword) {
    errors.push(problem('modifier-chain', `modifier '${modifiers.includes('exists') ? 'exists' : 'fieldref'}' needs a field name`));
  }
  const has = (n: ModifierName) => modifiers.includes(n);
  if (has('base64offset') && !has('contains')) {
    warnings.push(problem('base64offset-without-contains', "'base64offset' without 'contains' rarely matches: the offsets only make sense inside a longer string"));
  }
  if (has('windash') && has('all')) {
    warnings.push(problem('windash-with-all', "'windash' with 'all' is flagged by the Sigma validator: each value's variants are OR-ed, the values AND-ed"));
  }
  if (has('all') && !isKeyword && !has('contains') && !has('re') && !has('startswith') && !has('endswith')) {
    warnings.push(problem('all-without-contains', "'all' without 'contains' on a field requires one value to equal several different strings"));
  }
  return { modifiers, errors, warnings };
}

/** A YAML scalar as the chain starts from it. */
export function initialValue(v: string | number | boolean | null): WorkingValue {
  if (v === null) return { kind: 'null' };
  if (typeof v === 'number') return { kind: 'num', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  return { kind: 'raw', text: v };
}

/** Runs the chain over one value; OR groups made by expanding modifiers are mapped item by item. */
export function applyChain(
  value: WorkingValue,
  modifiers: readonly ModifierName[],
  placeholders: { readonly values: ReadonlyMap<string, readonly string[]>; readonly keepUnresolved: boolean },
  state: ItemState,
): ValuePattern | ModifierProblem {
  let current: WorkingValue = value;
  for (let index = 0; index < modifiers.length; index++) {
    const name = modifiers[index] as ModifierName;
    const ctx: ModifierContext = { placeholders: placeholders.values, keepUnresolved: placeholders.keepUnresolved, state, chain: modifiers, index };
    const next = applyOne(current, name, ctx);
    if (isProblem(next)) return next;
    current = next;
  }
  return finalize(current, state);
}

function applyOne(value: WorkingValue, name: ModifierName, ctx: ModifierContext): ModifierResult {
  if (value.kind === 'group') {
    const items: WorkingValue[] = [];
    for (const item of value.items) {
      const r = applyOne(item, name, ctx);
      if (isProblem(r)) return r;
      items.push(r);
    }
    return { kind: 'group', items };
  }
  return MODIFIERS[name].apply(value, ctx);
}

function finalize(value: WorkingValue, state: ItemState): ValuePattern | ModifierProblem {
  switch (value.kind) {
    case 'raw':
      return { kind: 'string', parts: tokenizeSigmaString(value.text), cased: state.cased };
    case 'str':
      return { kind: 'string', parts: value.parts, cased: state.cased };
    case 'num':
      return { kind: 'number', value: value.value };
    case 'bool':
      return { kind: 'boolean', value: value.value };
    case 'null':
      return { kind: 'null' };
    case 'bytes':
      return problem('modifier-chain', "an encoding modifier (utf16le/wide/utf16be/utf16) must be followed by 'base64' or 'base64offset'");
    case 'final':
      return value.pattern;
    case 'group': {
      const alternatives: ValuePattern[] = [];
      for (const item of value.items) {
        const r = finalize(item, state);
        if ('code' in r && !('kind' in r)) return r;
        alternatives.push(r as ValuePattern);
      }
      return { kind: 'anyOf', alternatives };
    }
    default:
      return assertNever(value);
  }
}
