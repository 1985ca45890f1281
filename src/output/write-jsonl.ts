import { isCorrelationAlert, type Alert, type AnyAlert, type CorrelationAlert } from '../engine/alert.js';
import { spilledJson } from '../engine/spill.js';
import { alertSummary } from './alert-fields.js';
import { AGGREGATE_NAMES, correlationSummary } from './correlation-fields.js';

const num = (v: string): number | undefined => (/^\d+$/.test(v) ? Number(v) : undefined);

/** Leaves out empty text: JSON.stringify leaves out undefined values (cheaper than filtering objects). */
const x = <T>(v: T): T | undefined => (v === '' ? undefined : v);

/**
 * One alert as an ECS document, with the original event under `event.original`-style `sigmatch.event`.
 * Empty values are undefined (absent once serialized).
 */
export function alertToEcs(a: Alert): object {
  const s = alertSummary(a);
  const p = a.process;
  return {
    '@timestamp': x(s.time),
    event: {
      kind: 'alert',
      module: 'sigmatch',
      severity: ['informational', 'low', 'medium', 'high', 'critical'].indexOf(s.level) * 25,
      action: a.suppressedBy !== undefined ? 'suppressed' : undefined,
      ...(a.repeat !== undefined ? { start: new Date(a.repeat.first).toISOString(), end: new Date(a.repeat.last).toISOString() } : {}),
    },
    rule: { name: x(s.rule), id: x(s.ruleId), level: x(s.level), tags: a.rule.tags, ruleset: 'sigma', author: x(a.rule.author), reference: x(a.rule.references[0]) },
    host: { name: s.host },
    process: {
      executable: x(s.image),
      name: x(s.utility),
      command_line: x(s.commandLine),
      pid: num(String(a.event.fields['ProcessId'] ?? '')),
      entity_id: x(p?.processGuid ?? a.event.fields['ProcessGuid']),
      start: x(p?.started),
      hash: p?.hashes !== undefined ? Object.fromEntries(p.hashes.split(',').map((kv) => kv.split('=')).map(([k, v]) => [String(k).toLowerCase(), v])) : undefined,
      parent: { executable: x(s.parentImage), command_line: x(s.parentCommandLine), pid: p?.parentProcessId },
      user: s.user === '' ? undefined : { name: s.user },
      integrity_level: x(p?.integrityLevel),
      context: p === undefined ? (a.processMissing === true ? 'no process creation event found' : undefined) : `found by ${p.matchedBy}`,
    },
    destination: { ip: x(s.destinationIp), port: num(s.destinationPort), domain: x(s.domain) },
    dns: a.domain !== undefined ? { question: { name: a.domain } } : undefined,
    log: { file: { path: s.file }, record: x(s.record) },
    sigmatch: {
      ...(a.suppressedBy !== undefined ? { suppressed_by: a.suppressedBy.map((f) => f.title), suppressed_by_ids: a.suppressedBy.map((f) => f.id ?? null) } : {}),
      ...(a.repeat !== undefined ? { group: { count: a.repeat.count, first: new Date(a.repeat.first).toISOString(), last: new Date(a.repeat.last).toISOString() } } : {}),
      event: a.event.fields,
    },
  };
}

const SEVERITY = ['informational', 'low', 'medium', 'high', 'critical'];

/**
 * A correlation alert as an ECS document: `rule.*` of the correlation, `@timestamp` the moment its condition
 * became true, and under `sigmatch.correlation` the type, group, window, aggregate and its contributors, each
 * an alert document of its own (an event's with its rule, time, host, record and process; an inner
 * correlation's as this one).
 */
export function correlationToEcs(a: CorrelationAlert): object {
  const s = correlationSummary(a);
  const c = a.correlation;
  return {
    '@timestamp': s.time,
    event: { kind: 'alert', module: 'sigmatch', category: ['correlation'], severity: SEVERITY.indexOf(s.level) * 25, start: s.first, end: s.time },
    rule: { name: s.rule, id: x(s.ruleId), level: s.level, tags: c.tags, ruleset: 'sigma', author: x(c.author ?? ''), reference: x(c.references[0] ?? ''), description: x(c.description ?? '') },
    host: { name: s.host },
    sigmatch: {
      correlation: {
        type: c.type,
        name: c.name,
        group: Object.fromEntries(a.group),
        window: { start: s.windowStart, end: s.windowEnd, timespan_seconds: c.timespan },
        first: s.first,
        last: s.time,
        aggregate: { name: AGGREGATE_NAMES[c.type], value: a.aggregate },
        condition: Object.fromEntries((c.condition?.comparisons ?? [{ op: 'gte', value: c.rules.length }]).map((k) => [k.op, k.value])),
        values: a.values,
        contributor_count: a.contributorCount,
        contributors: a.contributors.map((k) => (k.kind === 'event' ? alertToEcs(k.alert) : correlationToEcs(k.alert))),
      },
    },
  };
}

/** One alert as a line of ECS JSON; the event's fields come from `eventJson` when the alert carries it. */
export function alertToEcsLine(a: AnyAlert): string {
  if (isCorrelationAlert(a)) return spilledJson(correlationToEcs(a)) + '\n';
  const doc = alertToEcs(a) as { sigmatch: unknown };
  if (a.eventJson === undefined) return JSON.stringify(doc) + '\n';
  // `sigmatch` is the document's last key: its text is the event's JSON, rendered where the event was read.
  const sm = doc.sigmatch as { event?: unknown };
  doc.sigmatch = undefined;
  const head = JSON.stringify(doc);
  const rest = JSON.stringify({ ...sm, event: undefined });
  return `${head.slice(0, -1)},"sigmatch":${rest === '{}' ? '{' : `${rest.slice(0, -1)},`}"event":${a.eventJson}}}\n`;
}
