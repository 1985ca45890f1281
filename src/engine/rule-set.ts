import { deserialize, serialize } from 'node:v8';
import { anchorOf, type Anchor } from '../compile/anchor.js';
import { compiledLazily, compileRule, type CompiledRule, type RuleIr } from '../compile/compile-rule.js';
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
 * A compiled rule as plain data, for a worker thread: of the rule only what matching and filter gates read
 * (no detections, no descriptive metadata), and what the rule index reads up front. Its IR travels apart
 * (see ShippedRules).
 */
export interface ShippedRule {
  readonly rule: SigmaRule;
  readonly logsource?: LogsourceCondition;
  readonly eventIds?: readonly number[];
  /** Its prefilter anchor (anchorOf its IR), absent when it has none: the worker's prefilters need no IR. */
  readonly anchor?: Anchor;
}

/**
 * A rule set as data for worker threads: the rules, and each rule's IR (so a worker does not lower the rule
 * again) serialized on its own into shared memory, one after another; rule i's bytes end at `ends[i]`. A
 * worker deserializes a rule's IR when it first needs it: most rules never meet an event there.
 */
export interface ShippedRules {
  readonly rules: readonly ShippedRule[];
  readonly ir: SharedArrayBuffer;
  readonly ends: Uint32Array;
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
    /** Each rule's prefilter anchor when already known (a shipped set's), else made when first needed. */
    private readonly anchors?: ReadonlyArray<Anchor | undefined>,
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

  /** The compiled rules as data (see ShippedRules), for RuleSet.fromShipped in a worker. */
  shipped(): ShippedRules {
    const parts: Buffer[] = [];
    const ends = new Uint32Array(this.rules.length);
    let end = 0;
    const rules = this.rules.map((r, i): ShippedRule => {
      const withLogsource = r.logsourceIr !== undefined && r.logsource !== undefined;
      const part = serialize(withLogsource ? { ir: r.ir, logsourceIr: r.logsourceIr } : { ir: r.ir });
      parts.push(part);
      ends[i] = end += part.length;
      // Every rule's anchor, made here once instead of in every worker for the rules of each bucket it meets
      // (those anchors were most of the IR a worker deserialized, and a tenth of its set-up).
      const anchor = anchorOf(r.ir);
      return { rule: slimRule(r.rule), ...(withLogsource ? { logsource: r.logsource } : {}), ...(r.eventIds !== undefined ? { eventIds: [...r.eventIds] } : {}), ...(anchor !== undefined ? { anchor } : {}) };
    });
    const ir = new SharedArrayBuffer(end);
    const bytes = new Uint8Array(ir);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return { rules, ir, ends };
  }

  /** The rule set `shipped` gave, with the same rules in the same order; `logsource` is the resolver it was compiled with. */
  static fromShipped(shipped: ShippedRules, options: RuleSetOptions = {}): RuleSet {
    const bytes = new Uint8Array(shipped.ir);
    const compiled = shipped.rules.map((r, i) => {
      const load = () => deserialize(bytes.subarray(i === 0 ? 0 : shipped.ends[i - 1], shipped.ends[i])) as RuleIr;
      return compiledLazily(r.rule, load, r.eventIds === undefined ? undefined : new Set(r.eventIds), r.logsource);
    });
    const gates = new FilterGates(compiled, options.filters ?? []);
    return new RuleSet(compiled, [], [...gates.diagnostics], gates, options.logsource, shipped.rules.map((r) => r.anchor));
  }

  private index: RuleIndex | undefined;
  private cache: EventCache | undefined;

  /** The rules that match the event, in rule-set order. Only rules whose logsource can cover the event are tried. */
  match(event: Event): CompiledRule[] {
    this.index ??= new RuleIndex(this.rules, this.anchors !== undefined ? { anchors: this.anchors } : {});
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
