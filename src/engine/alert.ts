import type { CompiledRule } from '../compile/compile-rule.js';
import type { Event } from '../event/event.js';
import type { ProcessContext, ResolvedContext } from './process-context.js';

export interface Alert {
  readonly rule: CompiledRule['rule'];
  readonly event: Event;
  /** The creating process, when the event carries a process and its creation was found. */
  readonly process?: ProcessContext;
  /** Why there is no process: the event names a process but no creation event was in the inputs. */
  readonly processMissing?: boolean;
  readonly domain?: string;
}

/** An alert with its resolved context. */
export function makeAlert(rule: CompiledRule['rule'], event: Event, namesProcess: boolean, resolved: ResolvedContext): Alert {
  return {
    rule,
    event,
    ...(resolved.process !== undefined ? { process: resolved.process } : {}),
    ...(namesProcess && resolved.process === undefined ? { processMissing: true } : {}),
    ...(resolved.domain !== undefined ? { domain: resolved.domain } : {}),
  };
}

