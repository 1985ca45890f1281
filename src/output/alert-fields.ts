import type { Alert } from '../engine/alert.js';
import type { FieldValue } from '../event/event.js';

const s = (v: FieldValue | undefined): string => (v === undefined || v === null ? '' : String(v));

/** Values every writer shows, taken from the event with the process context filling gaps. */
export function alertSummary(a: Alert) {
  const f = a.event.fields;
  const image = s(f['Image']) || (a.process?.image ?? '');
  return {
    time: a.event.timestamp !== undefined ? new Date(a.event.timestamp).toISOString() : s(f['UtcTime']),
    host: s(f['Computer']),
    rule: a.rule.title,
    ruleId: a.rule.id ?? '',
    level: a.rule.level ?? 'informational',
    image,
    utility: image.split(/[\\/]/).pop() ?? '',
    destinationIp: s(f['DestinationIp']),
    destinationPort: s(f['DestinationPort']),
    domain: a.domain ?? (s(f['DestinationHostname']) === '-' ? '' : s(f['DestinationHostname'])),
    commandLine: a.process?.commandLine ?? s(f['CommandLine']),
    parentImage: a.process?.parentImage ?? s(f['ParentImage']),
    parentCommandLine: a.process?.parentCommandLine ?? s(f['ParentCommandLine']),
    user: a.process?.user ?? s(f['User']),
    file: a.event.source?.file ?? '',
    record: a.event.source?.record ?? a.event.source?.line ?? '',
  };
}
