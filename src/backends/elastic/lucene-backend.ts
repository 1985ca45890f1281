import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import type { SigmaRule } from '../../rule/model.js';
import type { BackendSpec, RulePlacement } from '../backend-spec.js';
import { withDerived } from './derived-fields.js';
import { elasticPlaces } from './elastic-places.js';
import { luceneDialect } from './lucene-dialect.js';

/**
 * Lucene query_string over Winlogbeat's ECS documents (winlogbeat-*): Sysmon events as the sysmon module writes them
 * (process.executable, process.command_line, destination.ip, …), every other field as winlog.event_data.<Name>;
 * the logsource as winlog.channel and event.code. One part per way of naming fields, OR-ed.
 */
export const LUCENE: BackendSpec = {
  summary: "Elasticsearch Lucene query_string over Winlogbeat's ECS documents (sysmon module field names, winlog.event_data.* for the rest)",
  extension: 'lucene',
  place: (_rule: SigmaRule, logsource: LogsourceCondition): RulePlacement => {
    const places = elasticPlaces(logsource);
    return {
      kind: 'placed',
      sources: places.map((p) => ({ dialect: withDerived(luceneDialect(p.field), p.derive), fields: {}, logsource: p.alternatives })),
      query: (conditions) => (conditions.length === 1 ? (conditions[0] as string) : conditions.map((c) => (c.startsWith('(') ? c : `(${c})`)).join(' OR ')),
    };
  },
};
