import type { Alert } from '../engine/alert.js';
import { alertSummary } from './alert-fields.js';

const num = (v: string): number | undefined => (/^\d+$/.test(v) ? Number(v) : undefined);

/** One alert as an ECS document, with the original event under `event.original`-style `sigmatch.event`. */
export function alertToEcs(a: Alert): object {
  const s = alertSummary(a);
  const p = a.process;
  const drop = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
  return drop({
    '@timestamp': s.time,
    event: { kind: 'alert', module: 'sigmatch', severity: ['informational', 'low', 'medium', 'high', 'critical'].indexOf(s.level) * 25 },
    rule: drop({ name: s.rule, id: s.ruleId, level: s.level, tags: a.rule.tags, ruleset: 'sigma', author: a.rule.author, reference: a.rule.references[0] }),
    host: { name: s.host },
    process: drop({
      executable: s.image,
      name: s.utility,
      command_line: s.commandLine,
      pid: num(String(a.event.fields['ProcessId'] ?? '')),
      entity_id: p?.processGuid ?? a.event.fields['ProcessGuid'],
      start: p?.started,
      hash: p?.hashes !== undefined ? Object.fromEntries(p.hashes.split(',').map((kv) => kv.split('=')).map(([k, v]) => [String(k).toLowerCase(), v])) : undefined,
      parent: drop({ executable: s.parentImage, command_line: s.parentCommandLine, pid: p?.parentProcessId }),
      user: s.user === '' ? undefined : { name: s.user },
      integrity_level: p?.integrityLevel,
      context: p === undefined ? (a.processMissing === true ? 'no process creation event found' : undefined) : `found by ${p.matchedBy}`,
    }),
    destination: drop({ ip: s.destinationIp, port: num(s.destinationPort), domain: s.domain }),
    dns: a.domain !== undefined ? { question: { name: a.domain } } : undefined,
    log: drop({ file: { path: s.file }, record: s.record }),
    sigmatch: { event: a.event.fields },
  });
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
