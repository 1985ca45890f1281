import type { KqlTable } from './kql-columns.js';

/**
 * The Log Analytics tables a Sentinel workspace fills from Windows event logs (AMA or the legacy agent): every
 * channel but Security lands in `Event`, its event data as XML in `EventData`; Security lands in `SecurityEvent`,
 * its event data as typed columns. Only the columns we read are declared.
 */
export const EVENT_TABLE: KqlTable = {
  name: 'Event',
  columns: { TimeGenerated: 'datetime', Source: 'string', EventLog: 'string', Computer: 'string', EventID: 'int', EventLevel: 'int', EventLevelName: 'string', UserName: 'string', RenderedDescription: 'string', EventData: 'string' },
};

/** The fields of a Security 4688 event (as the engine reads them from EventData), each a SecurityEvent column of that name. */
export const EVENT_4688_FIELDS = [
  'SubjectUserSid',
  'SubjectUserName',
  'SubjectDomainName',
  'SubjectLogonId',
  'NewProcessId',
  'NewProcessName',
  'TokenElevationType',
  'ProcessId',
  'CommandLine',
  'TargetUserSid',
  'TargetUserName',
  'TargetDomainName',
  'TargetLogonId',
  'ParentProcessName',
  'MandatoryLabel',
] as const;

export const SECURITY_EVENT_TABLE: KqlTable = {
  name: 'SecurityEvent',
  columns: { TimeGenerated: 'datetime', Computer: 'string', Channel: 'string', EventID: 'int', EventData: 'string', ...Object.fromEntries(EVENT_4688_FIELDS.map((f) => [f, 'string' as const])) },
};
