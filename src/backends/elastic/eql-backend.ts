import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import type { SigmaRule } from '../../rule/model.js';
import type { BackendSpec, RulePlacement } from '../backend-spec.js';
import { withDerived } from './derived-fields.js';
import { elasticPlaces } from './elastic-places.js';
import { eqlDialect } from './eql-dialect.js';

/** EQL over Winlogbeat's ECS documents: `any where …`, the same field mapping as the Lucene target. */
export const EQL: BackendSpec = {
  summary: "Elasticsearch EQL over Winlogbeat's ECS documents (any where …; same field mapping as lucene)",
  extension: 'eql',
  place: (_rule: SigmaRule, logsource: LogsourceCondition): RulePlacement => ({
    kind: 'placed',
    sources: elasticPlaces(logsource).map((p) => ({ dialect: withDerived(eqlDialect(p.field), p.derive), fields: {}, logsource: p.alternatives })),
    query: (conditions) => `any where ${conditions.length === 1 ? (conditions[0] as string) : conditions.map((c) => (c.startsWith('(') ? c : `(${c})`)).join(' or ')}`,
  }),
};
