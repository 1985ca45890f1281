import { hostOf as correlationHost, isCorrelationAlert, type AnyAlert, type CorrelationAlert } from '../alert.js';
import type { Event } from '../../event/event.js';
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

/** The rule (or correlation) fields a subject shows. */
export interface SubjectRule {
  readonly title: string;
  readonly id?: string | undefined;
  readonly level?: string | undefined;
  readonly tags: readonly string[];
}

/**
 * What a subject is made of for an event alert: the engine's Alert has these fields; the service rebuilds them
 * from a stored alert (its rule from the document, its event and context from the journal).
 */
export interface SubjectEventAlert {
  readonly kind?: undefined;
  readonly rule: SubjectRule;
  /** The normalized event, with at least its ALERT_FIELDS. */
  readonly event: Event;
  readonly process?: ProcessContext;
  readonly domain?: string;
  readonly processMissing?: boolean;
  readonly suppressedBy?: readonly { readonly title: string }[];
  readonly repeat?: { readonly count: number; readonly last: number };
}

/** What a subject is made of for a correlation alert (see CorrelationAlert; `host` as alert.ts's hostOf gives it). */
export interface SubjectCorrelationAlert {
  readonly kind: 'correlation';
  readonly correlation: SubjectRule & { readonly type: string };
  readonly host: string;
  readonly group: ReadonlyArray<readonly [string, string]>;
  readonly first: number;
  readonly last: number;
  readonly aggregate: number;
  readonly contributors: readonly SubjectParts[];
  readonly contributorCount: number;
}

export type SubjectParts = SubjectEventAlert | SubjectCorrelationAlert;

const text = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));

/** The subject of one of the hunt's alerts. */
export function subjectOf(a: AnyAlert): StorySubject {
  return subjectOfParts(partsOf(a));
}

function partsOf(a: AnyAlert): SubjectParts {
  if (!isCorrelationAlert(a)) return a;
  return { ...a, host: correlationHost(a as CorrelationAlert), contributors: a.contributors.map((x) => partsOf(x.alert)) };
}

/** The subject of an alert from its parts: the one builder behind the report's and the service's stories. */
export function subjectOfParts(a: SubjectParts): StorySubject {
  return a.kind === 'correlation' ? correlationSubject(a) : eventSubject(a);
}

function eventSubject(a: SubjectEventAlert): StorySubject {
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

function correlationSubject(a: SubjectCorrelationAlert): StorySubject {
  const c = a.correlation;
  const group = a.group.map(([k, v]) => `${k}=${v}`).join(' ');
  const alert: StoryAlert = {
    kind: 'correlation',
    at: a.last,
    host: a.host,
    rule: c.title,
    ruleId: c.id ?? '',
    level: c.level ?? 'informational',
    tags: c.tags,
    correlation: `${c.type}${group === '' ? '' : ` ${group}`}: ${a.aggregate} (${a.contributorCount} items from ${new Date(a.first).toISOString()})`,
  };
  return { alert, hostKey: a.host.toLowerCase(), contributors: a.contributors.map(subjectOfParts), contributorCount: a.contributorCount };
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
