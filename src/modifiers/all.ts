import type { ModifierSpec } from './working-value.js';

/** Links the item's values with AND instead of OR. */
export const all: ModifierSpec = {
  apply(value, ctx) {
    ctx.state.linkAll = true;
    return value;
  },
};
