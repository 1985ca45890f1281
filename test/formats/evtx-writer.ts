import type { WriterEvent } from '../../src/formats/evtx/write-evtx.js';

/** A Sysmon event for the writer, with the System fields Sysmon uses. */
export function sysmonEvent(eventId: number, data: WriterEvent['data'], time = '2024-05-01T10:00:00.1234567Z', computer = 'WS01.corp.local'): WriterEvent {
  return {
    provider: 'Microsoft-Windows-Sysmon',
    providerGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}',
    eventId,
    version: 5,
    level: 4,
    task: eventId,
    time,
    processId: 3320,
    threadId: 4216,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    computer,
    userSid: 'S-1-5-18',
    data,
  };
}
