/**
 * Sysmon event IDs and the EventData fields each carries (Sysmon 15 schema), by Sigma category.
 * The rule pipeline maps categories to event IDs with it, and the field check flags rules
 * that test fields their events never have.
 */
export interface SysmonCategory {
  readonly eventIds: readonly number[];
  readonly fields: readonly string[];
}

const PROCESS = ['RuleName', 'UtcTime', 'ProcessGuid', 'ProcessId', 'Image'];

export const SYSMON_CATEGORIES: Readonly<Record<string, SysmonCategory>> = {
  process_creation: {
    eventIds: [1],
    fields: [
      ...PROCESS,
      'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'CommandLine', 'CurrentDirectory', 'User',
      'LogonGuid', 'LogonId', 'TerminalSessionId', 'IntegrityLevel', 'Hashes', 'ParentProcessGuid', 'ParentProcessId',
      'ParentImage', 'ParentCommandLine', 'ParentUser',
    ],
  },
  file_change: { eventIds: [2], fields: [...PROCESS, 'TargetFilename', 'CreationUtcTime', 'PreviousCreationUtcTime', 'User'] },
  network_connection: {
    eventIds: [3],
    fields: [
      ...PROCESS, 'User', 'Protocol', 'Initiated', 'SourceIsIpv6', 'SourceIp', 'SourceHostname', 'SourcePort', 'SourcePortName',
      'DestinationIsIpv6', 'DestinationIp', 'DestinationHostname', 'DestinationPort', 'DestinationPortName',
    ],
  },
  sysmon_status: { eventIds: [4, 16], fields: ['UtcTime', 'State', 'Version', 'SchemaVersion', 'Configuration', 'ConfigurationFileHash'] },
  process_termination: { eventIds: [5], fields: [...PROCESS, 'User'] },
  driver_load: { eventIds: [6], fields: ['RuleName', 'UtcTime', 'ImageLoaded', 'Hashes', 'Signed', 'Signature', 'SignatureStatus'] },
  image_load: {
    eventIds: [7],
    fields: [
      ...PROCESS, 'ImageLoaded', 'FileVersion', 'Description', 'Product', 'Company', 'OriginalFileName', 'Hashes', 'Signed',
      'Signature', 'SignatureStatus', 'User',
    ],
  },
  create_remote_thread: {
    eventIds: [8],
    fields: [
      'RuleName', 'UtcTime', 'SourceProcessGuid', 'SourceProcessId', 'SourceImage', 'TargetProcessGuid', 'TargetProcessId',
      'TargetImage', 'NewThreadId', 'StartAddress', 'StartModule', 'StartFunction', 'SourceUser', 'TargetUser',
    ],
  },
  raw_access_thread: { eventIds: [9], fields: [...PROCESS, 'Device', 'User'] },
  process_access: {
    eventIds: [10],
    fields: [
      'RuleName', 'UtcTime', 'SourceProcessGUID', 'SourceProcessId', 'SourceThreadId', 'SourceImage', 'TargetProcessGUID',
      'TargetProcessId', 'TargetImage', 'GrantedAccess', 'CallTrace', 'SourceUser', 'TargetUser',
    ],
  },
  file_event: { eventIds: [11], fields: [...PROCESS, 'TargetFilename', 'CreationUtcTime', 'User'] },
  registry_add: { eventIds: [12], fields: [...PROCESS, 'EventType', 'TargetObject', 'User'] },
  registry_delete: { eventIds: [12], fields: [...PROCESS, 'EventType', 'TargetObject', 'User'] },
  registry_set: { eventIds: [13], fields: [...PROCESS, 'EventType', 'TargetObject', 'Details', 'User'] },
  registry_rename: { eventIds: [14], fields: [...PROCESS, 'EventType', 'TargetObject', 'NewName', 'User'] },
  registry_event: { eventIds: [12, 13, 14], fields: [...PROCESS, 'EventType', 'TargetObject', 'Details', 'NewName', 'User'] },
  create_stream_hash: { eventIds: [15], fields: [...PROCESS, 'TargetFilename', 'CreationUtcTime', 'Hash', 'Contents', 'User'] },
  pipe_created: { eventIds: [17, 18], fields: [...PROCESS, 'EventType', 'PipeName', 'User'] },
  wmi_event: {
    eventIds: [19, 20, 21],
    fields: ['RuleName', 'EventType', 'UtcTime', 'Operation', 'User', 'EventNamespace', 'Name', 'Query', 'Type', 'Destination', 'Consumer', 'Filter'],
  },
  dns_query: { eventIds: [22], fields: [...PROCESS, 'QueryName', 'QueryStatus', 'QueryResults', 'User'] },
  file_delete: { eventIds: [23, 26], fields: [...PROCESS, 'User', 'TargetFilename', 'Hashes', 'IsExecutable', 'Archived'] },
  clipboard_capture: { eventIds: [24], fields: [...PROCESS, 'Session', 'ClientInfo', 'Hashes', 'Archived', 'User'] },
  process_tampering: { eventIds: [25], fields: [...PROCESS, 'Type', 'User'] },
  file_delete_detected: { eventIds: [26], fields: [...PROCESS, 'User', 'TargetFilename', 'Hashes', 'IsExecutable'] },
  file_block_executable: { eventIds: [27], fields: [...PROCESS, 'User', 'TargetFilename', 'Hashes'] },
  file_block_shredding: { eventIds: [28], fields: [...PROCESS, 'User', 'TargetFilename', 'Hashes', 'IsExecutable'] },
  file_executable_detected: { eventIds: [29], fields: [...PROCESS, 'User', 'TargetFilename', 'Hashes'] },
  sysmon_error: { eventIds: [255], fields: ['UtcTime', 'ID', 'Description'] },
};

/** Fields of the System element that every Windows event has, flattened as our readers flatten them. */
export const SYSTEM_FIELDS = [
  'EventID', 'Provider_Name', 'Provider_Guid', 'Channel', 'Computer', 'Level', 'Task', 'Opcode', 'Keywords', 'Version',
  'EventRecordID', 'TimeCreated', 'Correlation_ActivityID', 'Execution_ProcessID', 'Execution_ThreadID', 'Security_UserID',
];

/** Hash sub-fields that Sigma rules test and pipelines split out of `Hashes`. */
export const HASH_FIELDS = ['md5', 'sha1', 'sha256', 'Imphash', 'IMPHASH', 'MD5', 'SHA1', 'SHA256'];
