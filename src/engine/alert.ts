import type { CompiledRule } from '../compile/compile-rule.js';
import type { Event } from '../event/event.js';
import type { ProcessContext, ProcessIndex } from './process-context.js';

export interface Alert {
  readonly rule: CompiledRule['rule'];
  readonly event: Event;
  /** The creating process, when the event carries a process and its creation was found. */
  readonly process?: ProcessContext;
  /** Why there is no process: the event names a process but no creation event was in the inputs. */
  readonly processMissing?: boolean;
  readonly domain?: string;
}

/** Fills in the process story and resolved domain of an alert from the hunt's index. */
export function enrichAlert(rule: CompiledRule['rule'], event: Event, index: ProcessIndex): Alert {
  const namesProcess = event.fields['ProcessGuid'] !== undefined || event.fields['ProcessId'] !== undefined;
  const process = namesProcess ? index.processOf(event) : undefined;
  const domain = index.domainOf(event);
  return {
    rule,
    event,
    ...(process !== undefined ? { process } : {}),
    ...(namesProcess && process === undefined ? { processMissing: true } : {}),
    ...(domain !== undefined ? { domain } : {}),
  };
}
