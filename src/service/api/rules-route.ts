import type { RuleSet } from '../../engine/rule-set.js';
import { filterTargetsRule } from '../../rule/apply-filters.js';
import { sendJson } from '../http/reply.js';
import type { AlertStoreApi } from '../store/alert-store-api.js';
import type { ApiRoute } from './api-route.js';

/** A rule or filter that did not load, and where. */
export interface LoadProblem {
  readonly rule: string;
  readonly reason: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * The `GET /api/rules` document: every rule running (with the filters that gate it and the alerts it has
 * stored), what did not load and where, and when the rules were (re)loaded.
 */
export function describeRules(ruleSet: RuleSet, problems: readonly LoadProblem[], loadedAt: number, reloads: number, alertsByRule: ReadonlyMap<string, number>, suppressedByFilter: ReadonlyMap<string, number> = new Map()): object {
  const filters = ruleSet.gates.filters;
  const suppressed = (f: (typeof filters)[number]) => suppressedByFilter.get(f.id ?? f.title) ?? 0;
  return {
    loaded_at: new Date(loadedAt).toISOString(),
    reloads,
    // Every filter running, the most suppressing first: what it gates and how many alerts it has suppressed.
    filters: filters
      .map((f) => ({ id: f.id ?? null, title: f.title, file: f.file, rules: ruleSet.rules.filter(({ rule }) => filterTargetsRule(f, rule)).length, suppressed: suppressed(f) }))
      .sort((a, b) => b.suppressed - a.suppressed),
    rules: ruleSet.rules.map(({ rule }) => {
      const id = rule.id ?? rule.title;
      return {
        id,
        title: rule.title,
        level: rule.level ?? null,
        status: rule.status ?? null,
        logsource: rule.logsource,
        tags: rule.tags,
        file: rule.file,
        alerts: alertsByRule.get(id) ?? 0,
        filters: filters.filter((f) => filterTargetsRule(f, rule)).map((f) => ({ id: f.id ?? null, title: f.title, file: f.file, suppressed: suppressed(f) })),
      };
    }),
    errors: problems.map((p) => ({ file: p.file ?? p.rule, line: p.line ?? null, column: p.column ?? null, rule: p.rule, message: p.reason })),
  };
}

/** describeRules with the store's counts. */
export async function rulesDocument(ruleSet: RuleSet, problems: readonly LoadProblem[], loadedAt: number, reloads: number, store: AlertStoreApi): Promise<object> {
  const [byRule, byFilter] = await Promise.all([store.countsByRule(), store.countsByFilter()]);
  return describeRules(ruleSet, problems, loadedAt, reloads, byRule, byFilter);
}

export const RULES_ROUTE: ApiRoute = { method: 'GET', path: /^\/api\/rules$/, name: '/api/rules', scope: 'read', handle: async (call) => sendJson(call.res, 200, await call.ctx.rules()) };
