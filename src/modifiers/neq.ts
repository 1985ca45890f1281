import type { ModifierSpec } from './working-value.js';

/** Negates the whole detection item, as pySigma does: a missing field therefore matches. */
export const neq: ModifierSpec = {
  apply(value, ctx) {
    ctx.state.negate = true;
    return value;
  },
};
