import type { LogsourceCondition } from '../pipeline/logsource-condition.js';
import type { SigmaRule } from '../rule/model.js';
import type { Dialect } from './dialect.js';

/**
 * One place a rule's events live on the target (a table, a view): the dialect that says a condition there, the
 * field names, and whether the pipeline's logsource condition is part of the condition (a SQL events table holds
 * every channel) or the place itself already is that logsource (a Defender table per category).
 */
export interface RuleSource {
  readonly dialect: Dialect;
  /** Sigma field name → the target's name for it; a name not listed is kept as written. */
  readonly fields: Readonly<Record<string, string>>;
  /** The logsource condition to AND with the detection here; absent when the place alone selects those events. */
  readonly logsource?: LogsourceCondition;
}

/** Where one rule goes on a target, or why it cannot go there (a logsource with no table). */
export type RulePlacement =
  | {
      readonly kind: 'placed';
      readonly sources: readonly RuleSource[];
      readonly query: (conditions: readonly string[]) => string;
      /** Another form for a rule the first one cannot say (Splunk: `| where` when the search command cannot): tried then, its refusals reported. */
      readonly fallback?: { readonly sources: readonly RuleSource[]; readonly query: (conditions: readonly string[]) => string };
    }
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string };

/** A conversion target: how a rule, given its logsource as the pipeline resolves it, becomes a whole query. */
export interface BackendSpec {
  readonly summary: string;
  /** The plain output's file extension and line-comment token. */
  readonly extension: 'sql' | 'kql' | 'spl' | 'lucene' | 'esql' | 'eql';
  readonly place: (rule: SigmaRule, logsource: LogsourceCondition) => RulePlacement;
}
