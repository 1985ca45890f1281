import { describe, expect, test } from 'vitest';
import { parseCondition } from '../../src/condition/parse-condition.js';
import { printCondition } from '../../src/condition/print-condition.js';

describe('condition grammar', () => {
  test.each([
    ['selection', 'selection'],
    ['a or b and not c', 'a or b and not c'],
    ['(a or b) and not c', '(a or b) and not c'],
    ['not a and b', 'not a and b'],
    ['not (a and b)', 'not (a and b)'],
    ['not not a', 'not not a'],
    ['1 of selection_* and not 1 of filter_*', '1 of selection_* and not 1 of filter_*'],
    ['all of them', 'all of them'],
    ['any of sel*', '1 of sel*'],
    ['not_filter and order_1', 'not_filter and order_1'],
    ['selection and not filter_main-1', 'selection and not filter_main-1'],
    ['((a))', 'a'],
  ])('%s', (text, printed) => {
    const ast = parseCondition(text);
    expect('code' in ast).toBe(false);
    if (!('code' in ast)) expect(printCondition(ast)).toBe(printed);
  });

  test('precedence: or < and < not', () => {
    const ast = parseCondition('a or b and not c');
    expect(ast).toMatchObject({ kind: 'or', operands: [{ kind: 'identifier', name: 'a' }, { kind: 'and', operands: [{ name: 'b' }, { kind: 'not' }] }] });
  });

  test.each([
    ['selection and', 'condition-syntax', 13],
    ['(a or b', 'condition-syntax', 7],
    ['a b', 'condition-syntax', 2],
    ['1 of', 'condition-syntax', 4],
    ['sel*', 'condition-syntax', 0],
    ['a and $b', 'condition-syntax', 6],
    ['selection | count() by src > 5', 'condition-aggregation', 10],
    ['selection | near other', 'condition-aggregation', 10],
  ])('rejects %s', (text, code, start) => {
    const r = parseCondition(text);
    expect(r).toMatchObject({ code, span: { start } });
  });
});
