import { asRawText } from './coerce.js';
import { problem, type ModifierSpec } from './working-value.js';

/** Compares the field with another field of the same event. */
export const fieldref: ModifierSpec = {
  apply(value, ctx) {
    const text = asRawText(value, 'fieldref');
    if (typeof text !== 'string') return text;
    if (/[*?]/.test(text)) return problem('wildcard-not-allowed', "modifier 'fieldref' takes a plain field name, without wildcards");
    return { kind: 'final', pattern: { kind: 'fieldref', field: text, position: 'exact', cased: ctx.state.cased } };
  },
};
