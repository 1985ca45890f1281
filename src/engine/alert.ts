import type { CompiledRule } from '../compile/compile-rule.js';
import type { Event, FieldValue } from '../event/event.js';
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
}

/** A hit on a (normalized) event. */
export function makeHit(rule: number, event: Event, withJson: boolean): Hit {
  const all = event.fields;
  const fields: { [name: string]: FieldValue } = {};
  for (const name of ALERT_FIELDS) {
    const v = all[name];
    if (v !== undefined) fields[name] = v;
  }
  const slim: Event = { fields, ...(event.source !== undefined ? { source: event.source } : {}), ...(event.timestamp !== undefined ? { timestamp: event.timestamp } : {}) };
  return withJson ? { rule, event: slim, eventJson: JSON.stringify(all) } : { rule, event: slim };
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
}

/** An alert with its resolved context. */
export function makeAlert(rule: CompiledRule['rule'], event: Event, namesProcess: boolean, resolved: ResolvedContext, eventJson?: string): Alert {
  return {
    rule,
    event,
    ...(eventJson !== undefined ? { eventJson } : {}),
    ...(resolved.process !== undefined ? { process: resolved.process } : {}),
    ...(namesProcess && resolved.process === undefined ? { processMissing: true } : {}),
    ...(resolved.domain !== undefined ? { domain: resolved.domain } : {}),
  };
}

