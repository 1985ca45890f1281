import type { Alert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';

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
    event: { kind: 'alert', module: 'sigmatch', severity: ['informational', 'low', 'medium', 'high', 'critical'].indexOf(s.level) * 25 },
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
    sigmatch: { event: a.event.fields },
  };
}

/** One alert as a line of ECS JSON; the event's fields come from `eventJson` when the alert carries it. */
export function alertToEcsLine(a: Alert): string {
  const doc = alertToEcs(a) as { sigmatch: unknown };
  if (a.eventJson === undefined) return JSON.stringify(doc) + '\n';
  // `sigmatch` is the document's last key: its text is the event's JSON, rendered where the event was read.
  doc.sigmatch = undefined;
  const head = JSON.stringify(doc);
  return `${head.slice(0, -1)},"sigmatch":{"event":${a.eventJson}}}\n`;
}
