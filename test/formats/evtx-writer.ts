import type { WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { sysmonEnvelope } from '../../bench/sysmon-events.js';

/** A Sysmon event for the writer (the bench's envelope with the tests' default time and host). */
export function sysmonEvent(eventId: number, data: WriterEvent['data'], time = '2024-05-01T10:00:00.1234567Z', computer = 'WS01.corp.local'): WriterEvent {
  return sysmonEnvelope(eventId, time, computer, data);
}
