import type { TimePart } from './value-pattern.js';
import { problem, type ModifierSpec } from './working-value.js';

function timePart(part: TimePart): ModifierSpec {
  return {
    apply(value) {
      if (value.kind !== 'num') return problem('modifier-value-type', `modifier '${part}' needs a number value`);
      return { kind: 'final', pattern: { kind: 'timepart', part, op: 'eq', value: value.value } };
    },
  };
}

export const minute = timePart('minute');
export const hour = timePart('hour');
export const day = timePart('day');
export const week = timePart('week');
export const month = timePart('month');
export const year = timePart('year');
