import { problem, type ModifierSpec } from './working-value.js';

/** Tests only whether the field is present; the value must be a YAML boolean. */
export const exists: ModifierSpec = {
  mustBeFirst: true,
  apply(value) {
    if (value.kind !== 'bool') {
      return problem('modifier-value-type', "modifier 'exists' needs a boolean value (true or false, unquoted)");
    }
    return { kind: 'final', pattern: { kind: 'exists', value: value.value } };
  },
};
