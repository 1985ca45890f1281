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
export function describeRules(ruleSet: RuleSet, problems: readonly LoadProblem[], loadedAt: number, reloads: number, alertsByRule: ReadonlyMap<string, number>): object {
  const filters = ruleSet.gates.filters;
  return {
    loaded_at: new Date(loadedAt).toISOString(),
    reloads,
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
        filters: filters.filter((f) => filterTargetsRule(f, rule)).map((f) => ({ id: f.id ?? null, title: f.title, file: f.file })),
      };
    }),
    errors: problems.map((p) => ({ file: p.file ?? p.rule, line: p.line ?? null, column: p.column ?? null, rule: p.rule, message: p.reason })),
  };
}

/** describeRules with the store's counts. */
export async function rulesDocument(ruleSet: RuleSet, problems: readonly LoadProblem[], loadedAt: number, reloads: number, store: AlertStoreApi): Promise<object> {
  return describeRules(ruleSet, problems, loadedAt, reloads, await store.countsByRule());
}

export const RULES_ROUTE: ApiRoute = { method: 'GET', path: /^\/api\/rules$/, name: '/api/rules', scope: 'read', handle: async (call) => sendJson(call.res, 200, await call.ctx.rules()) };
