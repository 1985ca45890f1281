import type { Diagnostic } from '../diagnostics.js';
import type { StrPart, ValuePattern } from './value-pattern.js';

/**
 * A value part-way through its modifier chain. Values start `raw` (the YAML scalar as written)
 * and are tokenized into a Sigma string only when a modifier or the end of the chain needs one,
 * because `re`, `cidr`, `fieldref` and `expand` read the text as written.
 */
export type WorkingValue =
  | { readonly kind: 'raw'; readonly text: string }
  | { readonly kind: 'str'; readonly parts: readonly StrPart[] }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'group'; readonly items: readonly WorkingValue[] }
  | { readonly kind: 'final'; readonly pattern: ValuePattern };

/** Per-item state that modifiers set instead of changing values. */
export interface ItemState {
  cased: boolean;
  linkAll: boolean;
  negate: boolean;
}

export interface ModifierContext {
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /** Keep unresolved placeholders as a `placeholder` pattern instead of failing (linting). */
  readonly keepUnresolved: boolean;
  readonly state: ItemState;
  /** The modifiers of the chain, in order, and this one's index. */
  readonly chain: readonly string[];
  readonly index: number;
}

/** A modifier failure: a code and message; the caller attaches the span. */
export interface ModifierProblem {
  readonly code: string;
  readonly message: string;
}

export type ModifierResult = WorkingValue | ModifierProblem;

export function isProblem(r: ModifierResult | Diagnostic): r is ModifierProblem {
  return 'code' in r && !('kind' in r);
}

export interface ModifierSpec {
  /** Other spellings accepted for this modifier. */
  readonly aliases?: readonly string[];
  /** Must be the first modifier of its chain (re, cidr, exists). */
  readonly mustBeFirst?: boolean;
  /** Only valid right after one of these modifiers (re's i/m/s). */
  readonly onlyAfter?: readonly string[];
  /** Applied to each value; groups are mapped item by item by the caller unless `wholeGroups`. */
  readonly apply: (value: WorkingValue, ctx: ModifierContext) => ModifierResult;
}

export function problem(code: string, message: string): ModifierProblem {
  return { code, message };
}
