import type { ConditionNode } from '../condition/ast.js';
import type { Span } from '../diagnostics.js';
import type { ModifierName } from '../modifiers/registry.js';
import type { ValuePattern } from '../modifiers/value-pattern.js';

export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export type Status = 'stable' | 'test' | 'experimental' | 'deprecated' | 'unsupported';

export const LEVELS: readonly Level[] = ['informational', 'low', 'medium', 'high', 'critical'];
export const STATUSES: readonly Status[] = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

export interface Logsource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
  readonly definition?: string;
}

/** One `Field|mod1|mod2: values` entry (field null for a keyword search). */
export interface DetectionItem {
  readonly field: string | null;
  readonly modifiers: readonly ModifierName[];
  /** AND between values (`all`) instead of OR. */
  readonly linkAll: boolean;
  /** `neq`: the whole item is negated. */
  readonly negate: boolean;
  readonly values: readonly ValuePattern[];
  /** The values as written, for explain output. */
  readonly written: readonly string[];
  readonly span: Span;
}

/** A search identifier's definition: maps are AND, lists of maps are OR. */
export type DetectionNode =
  | { readonly kind: 'allOf'; readonly items: readonly DetectionNode[] }
  | { readonly kind: 'anyOf'; readonly items: readonly DetectionNode[] }
  | { readonly kind: 'item'; readonly item: DetectionItem };

export interface Detection {
  readonly name: string;
  readonly node: DetectionNode;
  readonly span: Span;
}

export interface RuleMetadata {
  readonly title: string;
  readonly id?: string;
  readonly name?: string;
  readonly status?: Status;
  readonly level?: Level;
  readonly description?: string;
  readonly author?: string;
  readonly date?: string;
  readonly modified?: string;
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly tags: readonly string[];
  readonly fields: readonly string[];
}

export interface SigmaCondition {
  readonly text: string;
  readonly ast: ConditionNode;
  /** Where the condition string starts in the file, so condition spans map to columns. */
  readonly offset: number;
}

export interface SigmaRule extends RuleMetadata {
  readonly kind: 'rule';
  readonly file: string;
  readonly span: Span;
  readonly logsource: Logsource;
  readonly detections: ReadonlyMap<string, Detection>;
  /** Several conditions are OR-ed. */
  readonly conditions: readonly SigmaCondition[];
  /** The whole document as plain data (custom fields included). */
  readonly raw: { readonly [k: string]: unknown };
}

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile'
  | 'value_median';

export type CompareKey = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface CorrelationCondition {
  readonly comparisons: ReadonlyArray<{ readonly op: CompareKey; readonly value: number }>;
  readonly field?: readonly string[];
  readonly percentile?: number;
}

export interface SigmaCorrelation extends RuleMetadata {
  readonly kind: 'correlation';
  readonly file: string;
  readonly span: Span;
  readonly type: CorrelationType;
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  /** Seconds. */
  readonly timespan: number;
  readonly condition?: CorrelationCondition;
  /** alias → (rule name → field). */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly generate: boolean;
  readonly raw: { readonly [k: string]: unknown };
}

export interface SigmaFilter {
  readonly kind: 'filter';
  readonly file: string;
  readonly span: Span;
  readonly title: string;
  readonly id?: string;
  readonly logsource: Logsource;
  /** Rule ids or names, or 'any'. */
  readonly rules: readonly string[] | 'any';
  readonly detections: ReadonlyMap<string, Detection>;
  readonly condition: SigmaCondition;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;
