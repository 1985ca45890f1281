import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import type { SigmaRule } from '../../rule/model.js';
import type { BackendSpec, RulePlacement } from '../backend-spec.js';
import { withDerived } from './derived-fields.js';
import { elasticPlaces } from './elastic-places.js';
import { esqlDialect } from './esql-dialect.js';

/** The indices Winlogbeat writes; the ES|QL query reads them with the metadata a detection rule needs to deduplicate alerts. */
export const ESQL_SOURCE = 'FROM winlogbeat-* METADATA _id, _index, _version';

/**
 * ES|QL over Winlogbeat's ECS documents: `FROM winlogbeat-* … | WHERE …`, the same field mapping as the Lucene
 * target, one part per way of naming fields, OR-ed.
 */
export const ESQL: BackendSpec = {
  summary: "Elasticsearch ES|QL over Winlogbeat's ECS documents (FROM winlogbeat-* | WHERE …; same field mapping as lucene)",
  extension: 'esql',
  place: (_rule: SigmaRule, logsource: LogsourceCondition): RulePlacement => {
    const places = elasticPlaces(logsource);
    return {
      kind: 'placed',
      sources: places.map((p) => ({ dialect: withDerived(esqlDialect(p.field), p.derive), fields: {}, logsource: p.alternatives })),
      query: (conditions) => `${ESQL_SOURCE}\n| WHERE ${conditions.length === 1 ? (conditions[0] as string) : conditions.map((c) => (c.startsWith('(') ? c : `(${c})`)).join(' OR ')}`,
    };
  },
};
