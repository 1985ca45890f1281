import { isCorrelationAlert, type AnyAlert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';
import { correlationSummary } from './correlation-fields.js';

/**
 * The CSV columns, in order; stable across versions (documented in the README). The last six describe a
 * correlation alert (kind `correlation`); an event alert has kind `rule` and leaves them empty. With
 * --show-suppressed, a suppressed alert has kind `suppressed` and its filters' titles in suppressedBy.
 */
export const CSV_COLUMNS = [
  'time', 'level', 'rule', 'ruleId', 'host', 'utility', 'image', 'destinationIp', 'destinationPort', 'domain',
  'commandLine', 'parentImage', 'parentCommandLine', 'user', 'file', 'record',
  'kind', 'correlationType', 'group', 'windowStart', 'windowEnd', 'aggregate', 'contributors', 'suppressedBy',
  'count', 'firstSeen', 'lastSeen',
] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>;

function cell(v: unknown): string {
  const s = String(v ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\n';
}

export function alertToCsv(a: AnyAlert): string {
  let row: Row;
  if (isCorrelationAlert(a)) {
    const s = correlationSummary(a);
    row = { time: s.time, level: s.level, rule: s.rule, ruleId: s.ruleId, host: s.host, kind: 'correlation', correlationType: s.type, group: s.group, windowStart: s.windowStart, windowEnd: s.windowEnd, aggregate: `${s.aggregateName}=${s.aggregate}`, contributors: s.contributors };
  } else row = { ...alertSummary(a), kind: a.suppressedBy === undefined ? 'rule' : 'suppressed', ...(a.suppressedBy !== undefined ? { suppressedBy: a.suppressedBy.map((f) => f.title).join('; ') } : {}), ...(a.repeat !== undefined ? { count: a.repeat.count, firstSeen: new Date(a.repeat.first).toISOString(), lastSeen: new Date(a.repeat.last).toISOString() } : {}) };
  return CSV_COLUMNS.map((c) => cell(row[c])).join(',') + '\n';
}
