import { groupOrConstant, MAKE, type Expr, type Value } from './esql-model.js';
import { booleanExpr, Scanner } from './scanner.js';

/**
 * A parser for exactly the EQL we emit (`any where expr`: and / or / not, `== null` / `!= null`, `==` and order
 * comparisons, `regex`, cidrMatch), read into the ES|QL model's expression tree so one evaluator gives both their
 * documented semantics: null compared is null and `not` null is null (hence our guards), `regex` a Lucene RegExp over
 * the whole value, `==` case-sensitive. Anything else is a parse error.
 */
export function parseEql(text: string): Expr {
  if (!text.startsWith('any where ')) throw new Error(`eql model: not 'any where …': ${text.slice(0, 40)}`);
  const s = new Scanner(text, 'any where '.length, 'eql');
  const primary = (): Expr => {
    const simple = groupOrConstant(s, () => expr());
    if (simple !== undefined) return simple;
    if (s.text.startsWith('cidrMatch(', s.i)) {
      s.i += 'cidrMatch('.length;
      return { kind: 'call', fn: 'CIDR_MATCH', args: s.args() };
    }
    const left: Value = s.value();
    if (s.kw('regex')) return { kind: 'rlike', left, pattern: s.str() };
    const op = s.op(['==', '!=', '>=', '<=', '>', '<']) ?? s.fail('an operator expected');
    if (s.kw('null')) {
      if (left.kind !== 'col' || (op !== '==' && op !== '!=')) s.fail('a null test outside the subset');
      return { kind: 'isnull', value: left, negated: op === '!=' };
    }
    if (op === '!=') s.fail('!= outside a null test');
    return { kind: 'cmp', op, left, right: s.value() };
  };
  const expr = booleanExpr(s, { and: 'and', or: 'or', not: 'not' }, primary, MAKE);
  const e = expr();
  s.end();
  return e;
}
