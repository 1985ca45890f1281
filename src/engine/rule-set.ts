import { compiledFromIr, compileRule, type CompiledRule } from '../compile/compile-rule.js';
import type { MatchNode } from '../compile/ir.js';
import { EventCache } from '../compile/event-cache.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Event } from '../event/event.js';
import { FilterGates } from './filter-gates.js';
import { RuleIndex } from './rule-index.js';
import type { LogsourceCondition, LogsourceResolution } from '../pipeline/logsource-condition.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';

/** Decides which events a rule's logsource covers, or why no pipeline knows it. */
export type LogsourceResolver = (rule: SigmaRule) => LogsourceResolution;

export interface RuleSetOptions {
  /** Sigma filters, applied as a gate after a rule matched (see FilterGates and `suppressedBy`). */
  readonly filters?: readonly SigmaFilter[];
  readonly logsource?: LogsourceResolver;
}

/**
 * A compiled rule as plain data, for a worker thread: its IR (so the worker does not lower the rule again)
 * and of the rule only what matching and filter gates read (no detections, no descriptive metadata).
 */
export interface ShippedRule {
  readonly rule: SigmaRule;
  readonly ir: MatchNode;
  readonly logsourceIr?: MatchNode;
  readonly logsource?: LogsourceCondition;
}

export interface SkippedRule {
  readonly rule: SigmaRule;
  readonly reason: string;
}

/** A compiled set of rules, evaluated together against events. */
export class RuleSet {
  private constructor(
    readonly rules: readonly CompiledRule[],
    readonly skipped: readonly SkippedRule[],
    readonly diagnostics: readonly Diagnostic[],
    readonly gates: FilterGates,
    /** The resolver the rules' logsources were resolved with. */
    readonly logsource: LogsourceResolver | undefined,
  ) {}

  static compile(rules: readonly SigmaRule[], options: RuleSetOptions = {}): RuleSet {
    const compiled: CompiledRule[] = [];
    const skipped: SkippedRule[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const rule of rules) {
      let logsource: LogsourceCondition | undefined;
      if (options.logsource !== undefined) {
        const resolved = options.logsource(rule);
        if ('reason' in resolved) {
          skipped.push({ rule, reason: resolved.reason });
          continue;
        }
        logsource = resolved.condition;
      }
      const result = compileRule(rule, logsource);
      diagnostics.push(...result.diagnostics);
      if (result.compiled === undefined) {
        skipped.push({ rule, reason: result.diagnostics[0]?.message ?? 'does not compile' });
        continue;
      }
      compiled.push(result.compiled);
    }
    const gates = new FilterGates(compiled, options.filters ?? []);
    diagnostics.push(...gates.diagnostics);
    return new RuleSet(compiled, skipped, diagnostics, gates, options.logsource);
  }

  /** The compiled rules as plain data (see ShippedRule), for RuleSet.fromShipped in a worker. */
  shipped(): ShippedRule[] {
    return this.rules.map((r) => ({
      rule: slimRule(r.rule),
      ir: r.ir,
      ...(r.logsourceIr !== undefined && r.logsource !== undefined ? { logsourceIr: r.logsourceIr, logsource: r.logsource } : {}),
    }));
  }

  /** The rule set `shipped` gave, with the same rules in the same order; `logsource` is the resolver it was compiled with. */
  static fromShipped(rules: readonly ShippedRule[], options: RuleSetOptions = {}): RuleSet {
    const compiled = rules.map((r) => compiledFromIr(r.rule, r.ir, r.logsourceIr, r.logsource));
    const gates = new FilterGates(compiled, options.filters ?? []);
    return new RuleSet(compiled, [], [...gates.diagnostics], gates, options.logsource);
  }

  private index: RuleIndex | undefined;
  private cache: EventCache | undefined;

  /** The rules that match the event, in rule-set order. Only rules whose logsource can cover the event are tried. */
  match(event: Event): CompiledRule[] {
    this.index ??= new RuleIndex(this.rules);
    // One cache for every event (reset, not reallocated): matching is not reentrant.
    const cache = (this.cache ??= new EventCache(event));
    cache.reset(event);
    const out: CompiledRule[] = [];
    for (const r of this.index.candidates(event, cache)) if (r.matcher(cache)) out.push(r);
    return out;
  }

  /**
   * The filters (indexes into the rule set's filters) that suppress the rule's alert on the event last given
   * to `match`, or undefined when its alert stands.
   */
  suppressedBy(rule: number): number[] | undefined {
    return this.cache === undefined ? undefined : this.gates.suppressors(rule, this.cache);
  }

  /**
   * Events matched since the last call whose Channel and EventID values selected no rule's logsource (only
   * rules without one were tried on them), by `channel|eventid`: a hunt reports them so that events the
   * rules never see are visible, not silent.
   */
  takeUnselected(): { readonly count: number; readonly byKey: ReadonlyMap<string, number> } {
    return this.index?.takeUnselected() ?? { count: 0, byKey: new Map() };
  }
}

/** The parts of a shipped rule that workers never read, shared by all (nothing changes them). */
const UNREAD = { detections: new Map(), conditions: [], raw: {}, references: [], falsepositives: [], tags: [], fields: [] } as const;

/** What of a rule a worker's matching and filter gates read: its names and logsource. */
function slimRule(r: SigmaRule): SigmaRule {
  const { kind, file, span, title, id, name, level, status, logsource } = r;
  return { kind, file, span, title, ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}), ...(level !== undefined ? { level } : {}), ...(status !== undefined ? { status } : {}), logsource, ...UNREAD };
}
