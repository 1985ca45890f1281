import { LEVELS, type Level, type RuleMetadata, type SigmaCorrelation, type SigmaRule } from '../../rule/model.js';
import type { WindowSpec } from './group-window.js';

/**
 * sigmatch's extension to a correlation's `rules`: `sigmatch:level>=high` stands for every loaded detection
 * rule of that level or above that the correlation does not otherwise reference (the mission's "correlate with
 * other alerts"). A hit on the same event as another member's hit does not count for it.
 */
export const SELECTOR = /^sigmatch:level>=(informational|low|medium|high|critical)$/;

export type Member =
  | { readonly kind: 'rule'; readonly rule: number }
  | { readonly kind: 'correlation'; readonly correlation: number }
  | { readonly kind: 'selector'; readonly minLevel: Level };

export interface PlannedCorrelation {
  /** Index into the plan's correlations (topological order: a correlation comes after those it references). */
  readonly index: number;
  readonly correlation: SigmaCorrelation;
  readonly members: readonly Member[];
  /** Per member, the event field (or inner group name) each group-by name reads: aliases resolved. */
  readonly groupFields: ReadonlyArray<readonly string[]>;
  readonly spec: WindowSpec;
  /** Its alerts are output (else it only feeds the correlations that reference it). */
  readonly emit: boolean;
  /** Rules it references, directly or through inner correlations: a selector member stands for the others. */
  readonly named: ReadonlySet<number>;
}

export interface CorrelationPlan {
  readonly correlations: readonly PlannedCorrelation[];
  /** Rule index → the (correlation, member) pairs its hits feed. */
  readonly feeds: ReadonlyMap<number, ReadonlyArray<{ readonly correlation: number; readonly member: number }>>;
  /** Rule indexes whose own hits raise no alert (referenced with generate false, or loaded only for a correlation). */
  readonly silentRules: ReadonlySet<number>;
  /** Event fields a hit must carry for the correlations (group-by, aliases, condition fields). */
  readonly fields: readonly string[];
  /** Correlations that cannot run, with the reason (the load diagnostics say where). */
  readonly dropped: ReadonlyArray<{ readonly correlation: SigmaCorrelation; readonly reason: string }>;
}

export interface PlanOptions {
  /** The correlations the user selected (level, status, tags, --no-correlations): only theirs are output. */
  readonly selected: ReadonlySet<SigmaCorrelation>;
  /** Rules the user selected for their own alerts; other compiled rules are there only for correlations. */
  readonly selectedRules: ReadonlySet<SigmaRule>;
  /** --only-correlations: no rule raises its own alert. */
  readonly onlyCorrelations?: boolean;
  /** Rules that are loaded but cannot run (`hunt --db`: not converted for the database), with why: a correlation on one is dropped. */
  readonly unavailable?: ReadonlyMap<SigmaRule, string>;
}

type Target = { readonly kind: 'rule'; readonly rule: SigmaRule } | { readonly kind: 'correlation'; readonly correlation: SigmaCorrelation };

/** Looks a reference up as pySigma does: a UUID among ids only, otherwise a name (never a title). */
export function referenceResolver(rules: readonly SigmaRule[], correlations: readonly SigmaCorrelation[]): (ref: string) => Target | undefined {
  const ids = new Map<string, Target>();
  const names = new Map<string, Target>();
  for (const rule of rules) {
    if (rule.id !== undefined && !ids.has(rule.id)) ids.set(rule.id, { kind: 'rule', rule });
    if (rule.name !== undefined && !names.has(rule.name)) names.set(rule.name, { kind: 'rule', rule });
  }
  for (const correlation of correlations) {
    if (correlation.id !== undefined && !ids.has(correlation.id)) ids.set(correlation.id, { kind: 'correlation', correlation });
    if (correlation.name !== undefined && !names.has(correlation.name)) names.set(correlation.name, { kind: 'correlation', correlation });
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return (ref) => (uuid.test(ref) ? ids.get(ref.toLowerCase()) : names.get(ref));
}

/**
 * The correlations to run for the selected ones (those they reference, transitively) and the rules they
 * need, in collection order. Unresolvable references and cycles are left to planCorrelations to drop.
 */
export function correlationClosure(selected: readonly SigmaCorrelation[], rules: readonly SigmaRule[], correlations: readonly SigmaCorrelation[]): { correlations: SigmaCorrelation[]; rules: Set<SigmaRule> } {
  const resolve = referenceResolver(rules, correlations);
  const seen = new Set<SigmaCorrelation>();
  const needed = new Set<SigmaRule>();
  const visit = (c: SigmaCorrelation) => {
    if (seen.has(c)) return;
    seen.add(c);
    for (const ref of c.rules) {
      const m = SELECTOR.exec(ref);
      if (m !== null) continue;
      const t = resolve(ref);
      if (t?.kind === 'rule') needed.add(t.rule);
      else if (t?.kind === 'correlation') visit(t.correlation);
    }
  };
  for (const c of selected) visit(c);
  return { correlations: correlations.filter((c) => seen.has(c)), rules: needed };
}

const atLeast = (m: RuleMetadata, level: Level) => LEVELS.indexOf(m.level ?? 'informational') >= LEVELS.indexOf(level);

/**
 * Resolves each correlation's references against the compiled rules and the other correlations, orders them
 * so that inner correlations come first, and decides whose alerts are output. A correlation with a reference
 * to nothing (or to a rule that did not compile), or in a reference cycle, is dropped with its reason; the
 * others still run.
 */
export function planCorrelations(rules: readonly SigmaRule[], correlations: readonly SigmaCorrelation[], options: PlanOptions): CorrelationPlan {
  const resolve = referenceResolver(rules, correlations);
  const ruleIndex = new Map(rules.map((r, i) => [r, i]));
  const dropped: Array<{ correlation: SigmaCorrelation; reason: string }> = [];
  const droppedSet = new Set<SigmaCorrelation>();
  const drop = (c: SigmaCorrelation, reason: string) => {
    if (droppedSet.has(c)) return;
    droppedSet.add(c);
    dropped.push({ correlation: c, reason });
  };

  // Topological order by depth-first search; a correlation met again while on the stack closes a cycle.
  const order: SigmaCorrelation[] = [];
  const state = new Map<SigmaCorrelation, 'open' | 'done'>();
  const visit = (c: SigmaCorrelation, stack: SigmaCorrelation[]): boolean => {
    const s = state.get(c);
    if (s === 'done') return !droppedSet.has(c);
    if (s === 'open') {
      for (const x of stack.slice(stack.indexOf(c))) drop(x, 'it is part of a reference cycle');
      return false;
    }
    state.set(c, 'open');
    let ok = true;
    for (const ref of c.rules) {
      if (SELECTOR.test(ref)) continue;
      const t = resolve(ref);
      if (t === undefined) {
        drop(c, `'${ref}' resolves to no loaded rule or correlation`);
        ok = false;
      } else if (t.kind === 'rule' && !ruleIndex.has(t.rule)) {
        drop(c, `its rule '${t.rule.title}' was not loaded`);
        ok = false;
      } else if (t.kind === 'rule' && options.unavailable?.has(t.rule) === true) {
        drop(c, `its rule '${t.rule.title}' cannot run: ${options.unavailable.get(t.rule)}`);
        ok = false;
      } else if (t.kind === 'correlation' && !visit(t.correlation, [...stack, c])) {
        drop(c, `it references '${t.correlation.title}', which cannot run`);
        ok = false;
      }
    }
    state.set(c, 'done');
    if (ok && !droppedSet.has(c)) order.push(c);
    return ok && !droppedSet.has(c);
  };
  for (const c of correlations) visit(c, []);
  const live = order.filter((c) => !droppedSet.has(c));
  const corrIndex = new Map(live.map((c, i) => [c, i]));

  // Who references whom, for generate.
  const referrers = new Map<SigmaRule | SigmaCorrelation, SigmaCorrelation[]>();
  const feeds = new Map<number, Array<{ correlation: number; member: number }>>();
  const fields = new Set<string>();
  const planned: PlannedCorrelation[] = [];
  live.forEach((c, index) => {
    const members: Member[] = [];
    const named = new Set<number>();
    for (const ref of c.rules) {
      const sel = SELECTOR.exec(ref);
      if (sel !== null) {
        members.push({ kind: 'selector', minLevel: sel[1] as Level });
        continue;
      }
      const t = resolve(ref) as Target;
      const key = t.kind === 'rule' ? t.rule : t.correlation;
      const list = referrers.get(key) ?? [];
      list.push(c);
      referrers.set(key, list);
      if (t.kind === 'rule') {
        const rule = ruleIndex.get(t.rule) as number;
        named.add(rule);
        members.push({ kind: 'rule', rule });
      } else {
        const inner = corrIndex.get(t.correlation) as number;
        for (const r of (planned[inner] as PlannedCorrelation).named) named.add(r);
        members.push({ kind: 'correlation', correlation: inner });
      }
    }
    const groupFields = members.map((m, k) => c.groupBy.map((g) => (m.kind === 'correlation' ? g : aliasField(c, g, m.kind === 'rule' ? (rules[m.rule] as SigmaRule) : undefined, c.rules[k] as string))));
    members.forEach((m, k) => {
      if (m.kind === 'correlation') return;
      for (const f of groupFields[k] as string[]) fields.add(f);
      const add = (rule: number) => {
        const list = feeds.get(rule) ?? [];
        list.push({ correlation: index, member: k });
        feeds.set(rule, list);
      };
      if (m.kind === 'rule') add(m.rule);
      else rules.forEach((r, i) => atLeast(r, m.minLevel) && !named.has(i) && add(i));
    });
    for (const f of c.condition?.field ?? []) fields.add(f);
    const temporal = c.type === 'temporal' || c.type === 'temporal_ordered';
    const comparisons = c.condition !== undefined && c.condition.comparisons.length > 0 ? c.condition.comparisons : temporal ? [{ op: 'gte' as const, value: members.length }] : [];
    const spec: WindowSpec = { type: c.type, timespanMs: c.timespan * 1000, comparisons, members: members.length, ...(c.condition?.percentile !== undefined ? { percentile: c.condition.percentile } : {}) };
    planned.push({ index, correlation: c, members, groupFields, spec, emit: false, named });
  });

  // generate: a referenced rule or correlation stays silent when a correlation of its own file references it
  // with generate false and none asks for its alerts (the draft's rule: generate does not reach other files).
  const silencedBy = (target: SigmaRule | SigmaCorrelation) => {
    const refs = referrers.get(target) ?? [];
    return refs.some((c) => c.file === target.file) && !refs.some((c) => c.generate);
  };
  const result = planned.map((p) => ({ ...p, emit: options.selected.has(p.correlation) && !silencedBy(p.correlation) }));
  const silentRules = new Set<number>();
  rules.forEach((r, i) => {
    if (options.onlyCorrelations === true || !options.selectedRules.has(r) || silencedBy(r)) silentRules.add(i);
  });
  return { correlations: result, feeds, silentRules, fields: [...fields], dropped };
}

/** The field an alias gives a group-by name for one referenced rule (by its name, id or the reference as written). */
function aliasField(c: SigmaCorrelation, group: string, rule: SigmaRule | undefined, written: string): string {
  const mapping = c.aliases.get(group);
  if (mapping === undefined) return group;
  const keys = [written, rule?.name, rule?.id].filter((k): k is string => k !== undefined);
  for (const [k, field] of mapping) if (keys.includes(k) || keys.includes(k.toLowerCase())) return field;
  return group;
}
