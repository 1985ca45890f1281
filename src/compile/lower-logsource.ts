import type { LogsourceCondition } from '../pipeline/logsource-condition.js';
import type { MatchNode } from './ir.js';

const anyOf = (children: MatchNode[]): MatchNode => (children.length === 1 ? (children[0] as MatchNode) : { kind: 'or', children });

/** The IR of a pipeline's logsource condition: (Channel is one of ... and EventID is one of ...) or ... */
export function lowerLogsource(condition: LogsourceCondition): MatchNode {
  return anyOf(
    condition.map(({ channels, eventIds }) => {
      const channel = anyOf(channels.map((c) => ({ kind: 'field', field: 'Channel', test: { kind: 'eq', value: c.toLowerCase(), cased: false } })));
      if (eventIds === undefined) return channel;
      const ids = anyOf(eventIds.map((value) => ({ kind: 'field', field: 'EventID', test: { kind: 'numeq', value } })));
      return { kind: 'and', children: [channel, ids] };
    }),
  );
}
