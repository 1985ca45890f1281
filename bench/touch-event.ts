import type { Event } from '../src/event/event.js';

/**
 * The per-event work of the "events in workers" read benchmark, run inside the workers by mapEvtxParallel:
 * the event is built (fields flattened) and read, as the single-thread row does; only events without an
 * EventID (none, in a healthy file) are sent back.
 */
export default function touchEvent(event: Event): number | undefined {
  return event.fields['EventID'] !== undefined ? undefined : 1;
}
