import type { CompareOp, StrPart, TimePart } from '../modifiers/value-pattern.js';

/** A test on one value of a field (strings already lower-cased unless `cased`). */
export type ValueTest =
  | { readonly kind: 'eq'; readonly value: string; readonly cased: boolean }
  | { readonly kind: 'prefix'; readonly value: string; readonly cased: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly cased: boolean }
  | { readonly kind: 'contains'; readonly value: string; readonly cased: boolean }
  | { readonly kind: 'glob'; readonly parts: readonly StrPart[]; readonly cased: boolean }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'numeq'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly value: number }
  | { readonly kind: 'timepart'; readonly part: TimePart; readonly op: CompareOp | 'eq'; readonly value: number };

/** Where an IR subtree came from in the rule, for explain. */
export interface ItemOrigin {
  readonly detection: string;
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly written: readonly string[];
  readonly linkAll: boolean;
  readonly negate: boolean;
}

/** The intermediate representation a rule compiles to; matchers and backends are made from it. */
export type MatchNode =
  | { readonly kind: 'and'; readonly children: readonly MatchNode[] }
  | { readonly kind: 'or'; readonly children: readonly MatchNode[] }
  | { readonly kind: 'not'; readonly child: MatchNode }
  | { readonly kind: 'const'; readonly value: boolean }
  /** A search identifier: transparent for matching, kept for explain and backends. */
  | { readonly kind: 'detection'; readonly name: string; readonly child: MatchNode }
  /** A detection item: transparent for matching, kept for explain. */
  | { readonly kind: 'item'; readonly origin: ItemOrigin; readonly child: MatchNode }
  | { readonly kind: 'field'; readonly field: string; readonly test: ValueTest }
  /** Full-text: any string value of the event passes the test. */
  | { readonly kind: 'keyword'; readonly test: ValueTest }
  | { readonly kind: 'exists'; readonly field: string; readonly expected: boolean }
  /** The field is absent or null. */
  | { readonly kind: 'null'; readonly field: string }
  | {
      readonly kind: 'fieldref';
      readonly field: string;
      readonly other: string;
      readonly position: 'exact' | 'contains' | 'startswith' | 'endswith';
      readonly cased: boolean;
    };
