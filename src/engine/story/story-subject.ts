import { hostOf as correlationHost, isCorrelationAlert, type Alert, type AnyAlert, type CorrelationAlert } from '../alert.js';
import { contextQueryOf, type ContextQuery, type ProcessContext } from '../process-context.js';
import type { StoryAlert } from './story.js';

/**
 * An alert as a story is built from it: what its header shows, the keys its process is looked up by and the
 * process the hunt resolved. Plain data: the hunt renders it as one JSON line that goes through the alert sort.
 */
export interface StorySubject {
  readonly alert: StoryAlert;
  /** Lower-cased Computer, as context keys spell it. */
  readonly hostKey: string;
  readonly query?: ContextQuery;
  readonly process?: ProcessContext;
  readonly contributors: readonly StorySubject[];
  readonly contributorCount: number;
}

const text = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));

export function subjectOf(a: AnyAlert): StorySubject {
  return isCorrelationAlert(a) ? correlationSubject(a) : eventSubject(a);
}

function eventSubject(a: Alert): StorySubject {
  const f = a.event.fields;
  const host = String(f['Computer'] ?? '');
  const hostname = text(f['DestinationHostname']);
  const alert = {
    kind: 'event',
    at: a.event.timestamp ?? 0,
    host,
    rule: a.rule.title,
    ruleId: a.rule.id ?? '',
    level: a.rule.level ?? 'informational',
    tags: a.rule.tags,
    image: text(f['Image']) ?? a.process?.image,
    commandLine: a.process?.commandLine ?? text(f['CommandLine']),
    user: a.process?.user ?? text(f['User']),
    destinationIp: text(f['DestinationIp']),
    destinationPort: text(f['DestinationPort']),
    domain: a.domain ?? (hostname === '-' ? undefined : hostname),
    processMissing: a.processMissing === true ? true : undefined,
    suppressedBy: a.suppressedBy?.map((x) => x.title),
    repeat: a.repeat === undefined || a.repeat.count < 2 ? undefined : { count: a.repeat.count, last: a.repeat.last },
  } as StoryAlert;
  return { alert: dropUndefined(alert), hostKey: host.toLowerCase(), query: contextQueryOf(a.event), ...(a.process !== undefined ? { process: a.process } : {}), contributors: [], contributorCount: 0 };
}

function correlationSubject(a: CorrelationAlert): StorySubject {
  const c = a.correlation;
  const host = correlationHost(a);
  const group = a.group.map(([k, v]) => `${k}=${v}`).join(' ');
  const alert: StoryAlert = {
    kind: 'correlation',
    at: a.last,
    host,
    rule: c.title,
    ruleId: c.id ?? '',
    level: c.level ?? 'informational',
    tags: c.tags,
    correlation: `${c.type}${group === '' ? '' : ` ${group}`}: ${a.aggregate} (${a.contributorCount} items from ${new Date(a.first).toISOString()})`,
  };
  return { alert, hostKey: host.toLowerCase(), contributors: a.contributors.map((x) => subjectOf(x.alert)), contributorCount: a.contributorCount };
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
