import type { CompiledRule } from '../compile/compile-rule.js';
import { lookupField, type Event, type FieldValue } from '../event/event.js';
import type { SigmaCorrelation, SigmaFilter } from '../rule/model.js';
import type { ProcessContext, ResolvedContext } from './process-context.js';

/**
 * The fields of a matched event that alerts show or resolve process context by (see alertSummary,
 * contextQueryOf and the writers). A hit carries only these across threads and through spill files.
 */
export const ALERT_FIELDS = [
  'Computer', 'UtcTime', 'Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'User',
  'ProcessId', 'ProcessGuid', 'DestinationIp', 'DestinationPort', 'DestinationHostname',
] as const;

/** A rule's match on an event, as matching hands it to the hunt session. */
export interface Hit {
  /** Index into the rule list both sides compiled. */
  readonly rule: number;
  /** The event with only its ALERT_FIELDS. */
  readonly event: Event;
  /** Every field of the event as JSON text, when the output shows them (rendered where the event was read). */
  readonly eventJson?: string;
  /** Filters (indexes into the rule set's filters) that suppress this alert. */
  readonly suppressedBy?: readonly number[];
}

/** A hit on a (normalized) event; `extra` names the fields correlations group or count by (dotted paths allowed). */
export function makeHit(rule: number, event: Event, withJson: boolean, extra: readonly string[] = []): Hit {
  const all = event.fields;
  const fields: { [name: string]: FieldValue } = {};
  for (const name of ALERT_FIELDS) {
    const v = all[name];
    if (v !== undefined) fields[name] = v;
  }
  for (const name of extra) {
    const v = all[name] ?? lookupField(event, name);
    if (v !== undefined) fields[name] = v;
  }
  const slim: Event = { fields, ...(event.source !== undefined ? { source: event.source } : {}), ...(event.timestamp !== undefined ? { timestamp: event.timestamp } : {}) };
  return withJson ? { rule, event: slim, eventJson: JSON.stringify(all) } : { rule, event: slim };
}

/** The hits of several rules on one event: consecutive, sharing one slim event object (what correlations' selectors rely on). */
export function eventHits(rules: readonly number[], event: Event, withJson: boolean, extra: readonly string[] = []): Hit[] {
  if (rules.length === 0) return [];
  const first = makeHit(rules[0] as number, event, withJson, extra);
  return [first, ...rules.slice(1).map((rule) => ({ ...first, rule }))];
}

export interface Alert {
  readonly rule: CompiledRule['rule'];
  /** The matched event; in a hunt, only its ALERT_FIELDS. */
  readonly event: Event;
  /** Every field of the event as JSON text, when the event above holds only some of them. */
  readonly eventJson?: string;
  /** The creating process, when the event carries a process and its creation was found. */
  readonly process?: ProcessContext;
  /** Why there is no process: the event names a process but no creation event was in the inputs. */
  readonly processMissing?: boolean;
  readonly domain?: string;
  /** Shown with --show-suppressed: the filters that suppress it. */
  readonly suppressedBy?: readonly SigmaFilter[];
  /** With --group-window: how many alerts this one stands for, and the times (ms) of the first and last. */
  readonly repeat?: AlertRepeat;
}

export interface AlertRepeat {
  readonly count: number;
  readonly first: number;
  readonly last: number;
}

/** An alert with its resolved context. */
export function makeAlert(rule: CompiledRule['rule'], event: Event, namesProcess: boolean, resolved: ResolvedContext, eventJson?: string, suppressedBy?: readonly SigmaFilter[]): Alert {
  return {
    rule,
    event,
    ...(suppressedBy !== undefined && suppressedBy.length > 0 ? { suppressedBy } : {}),
    ...(eventJson !== undefined ? { eventJson } : {}),
    ...(resolved.process !== undefined ? { process: resolved.process } : {}),
    ...(namesProcess && resolved.process === undefined ? { processMissing: true } : {}),
    ...(resolved.domain !== undefined ? { domain: resolved.domain } : {}),
  };
}


/** An alert of a Sigma correlation: the group, the window, the aggregate and the events (or inner alerts) behind it. */
export interface CorrelationAlert {
  readonly kind: 'correlation';
  readonly correlation: SigmaCorrelation;
  /** The group-by values, under alias names where the correlation uses aliases. */
  readonly group: ReadonlyArray<readonly [string, string]>;
  /** Time (ms) of the earliest raw event behind the alert, and of the item that made the condition true. */
  readonly first: number;
  readonly last: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The count, distinct values, distinct rules, sum, average or percentile the condition was met by. */
  readonly aggregate: number;
  /** The window's contributors (at most 50), each with its own rule, event and process context. */
  readonly contributors: readonly Contribution[];
  readonly contributorCount: number;
  /** value_count: the distinct values seen. */
  readonly values?: readonly string[];
}

export type Contribution = { readonly kind: 'event'; readonly alert: Alert } | { readonly kind: 'correlation'; readonly alert: CorrelationAlert };

export type AnyAlert = Alert | CorrelationAlert;

export const isCorrelationAlert = (a: AnyAlert): a is CorrelationAlert => (a as { kind?: string }).kind === 'correlation';

/** The host of a correlation alert: its Computer group value, else the one host all its events share. */
export function hostOf(a: CorrelationAlert): string {
  const g = a.group.find(([k]) => k === 'Computer');
  if (g !== undefined) return g[1];
  const hosts = new Set<string>();
  const walk = (x: CorrelationAlert) => {
    for (const c of x.contributors) {
      if (c.kind === 'event') hosts.add(String(c.alert.event.fields['Computer'] ?? '?'));
      else walk(c.alert);
    }
  };
  walk(a);
  return hosts.size === 1 ? ([...hosts][0] as string) : hosts.size === 0 ? '?' : `${hosts.size} hosts`;
}
