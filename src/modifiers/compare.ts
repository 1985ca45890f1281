import type { CompareOp } from './value-pattern.js';
import { problem, type ModifierSpec } from './working-value.js';

function compare(op: CompareOp): ModifierSpec {
  return {
    apply(value) {
      if (value.kind === 'final' && value.pattern.kind === 'timepart' && value.pattern.op === 'eq') {
        return { kind: 'final', pattern: { ...value.pattern, op } };
      }
      if (value.kind !== 'num') return problem('modifier-value-type', `modifier '${op}' needs a number value`);
      return { kind: 'final', pattern: { kind: 'compare', op, value: value.value } };
    },
  };
}

export const gt = compare('gt');
export const gte = compare('gte');
export const lt = compare('lt');
export const lte = compare('lte');
