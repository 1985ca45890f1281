import { problem, type ModifierSpec } from './working-value.js';

/** Makes string matching case-sensitive. */
export const cased: ModifierSpec = {
  apply(value, ctx) {
    if (value.kind === 'final' && value.pattern.kind === 'regex') {
      return problem('modifier-chain', "'cased' has no meaning after 're' (regular expressions are case-sensitive already)");
    }
    if (value.kind === 'num' || value.kind === 'bool' || value.kind === 'null') {
      return problem('modifier-value-type', "modifier 'cased' needs a string value");
    }
    ctx.state.cased = true;
    if (value.kind === 'final' && value.pattern.kind === 'fieldref') {
      return { kind: 'final', pattern: { ...value.pattern, cased: true } };
    }
    return value;
  },
};
