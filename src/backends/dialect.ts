import type { MatchNode, ValueTest } from '../compile/ir.js';

/**
 * Why a construct cannot be expressed exactly on a target. Leaf renderers throw it; the generic renderer catches it
 * at the detection item and turns it into a diagnostic naming the rule, the item and this reason.
 */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export type FieldRefNode = Extract<MatchNode, { kind: 'fieldref' }>;

/**
 * A target's dialect table: one slot per IR construct. The generic renderer (render-condition.ts) is the only code
 * that knows the tree's shape; a dialect renders leaves and joins, and refuses (throws Refusal) what it cannot say
 * exactly.
 */
export interface Dialect {
  readonly and: (parts: readonly string[]) => string;
  readonly or: (parts: readonly string[]) => string;
  readonly not: (part: string) => string;
  readonly constant: (value: boolean) => string;
  /** A value test on a field: true when any of the field's values passes (Sigma's multi-value rule). */
  readonly field: (field: string, test: ValueTest) => string;
  /** Several tests OR-ed on one field (a list of values): true when any value passes any test. */
  readonly fieldAnyOf: (field: string, tests: readonly ValueTest[]) => string;
  /** A full-text test: true when any scalar value of the event passes. */
  readonly keyword: (test: ValueTest) => string;
  readonly exists: (field: string, expected: boolean) => string;
  /** The field is absent or null. */
  readonly isNull: (field: string) => string;
  readonly fieldref: (node: FieldRefNode) => string;
}
