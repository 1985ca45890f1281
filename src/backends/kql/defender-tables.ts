import type { KqlTable, KqlType } from './kql-columns.js';

/**
 * Defender XDR advanced-hunting tables (the columns we map to or filter on, with their documented types), and for
 * each Sigma logsource category the table, the ActionType values that are that category's events, and the Sysmon
 * field → column map. A Sysmon field is listed only where the column holds the same value in the same form;
 * anything else is refused, never approximated.
 */
const DEVICE: Readonly<Record<string, KqlType>> = { Timestamp: 'datetime', DeviceId: 'string', DeviceName: 'string', ActionType: 'string', ReportId: 'long' };
const FILE = { FileName: 'string', FolderPath: 'string', SHA1: 'string', SHA256: 'string', MD5: 'string' } as const;
const INITIATING = {
  InitiatingProcessFileName: 'string',
  InitiatingProcessFolderPath: 'string',
  InitiatingProcessCommandLine: 'string',
  InitiatingProcessId: 'long',
  InitiatingProcessAccountName: 'string',
  InitiatingProcessAccountDomain: 'string',
  InitiatingProcessIntegrityLevel: 'string',
} as const;

export const DEFENDER_TABLES: readonly KqlTable[] = [
  {
    name: 'DeviceProcessEvents',
    columns: {
      ...DEVICE,
      ...FILE,
      ProcessId: 'long',
      ProcessCommandLine: 'string',
      ProcessIntegrityLevel: 'string',
      ProcessVersionInfoCompanyName: 'string',
      ProcessVersionInfoProductName: 'string',
      ProcessVersionInfoOriginalFileName: 'string',
      ProcessVersionInfoFileDescription: 'string',
      AccountName: 'string',
      AccountDomain: 'string',
      ...INITIATING,
    },
  },
  { name: 'DeviceNetworkEvents', columns: { ...DEVICE, RemoteIP: 'string', RemotePort: 'int', RemoteUrl: 'string', LocalIP: 'string', LocalPort: 'int', Protocol: 'string', ...INITIATING } },
  { name: 'DeviceFileEvents', columns: { ...DEVICE, ...FILE, PreviousFileName: 'string', PreviousFolderPath: 'string', ...INITIATING } },
  { name: 'DeviceImageLoadEvents', columns: { ...DEVICE, ...FILE, ...INITIATING } },
  { name: 'DeviceRegistryEvents', columns: { ...DEVICE, RegistryKey: 'string', RegistryValueName: 'string', RegistryValueData: 'string', ...INITIATING } },
  { name: 'DeviceEvents', columns: { ...DEVICE, ...FILE, AdditionalFields: 'dynamic', ...INITIATING } },
];

/** The acting process of a non-process event (Sysmon's Image and ProcessId) is Defender's initiating process. */
const ACTOR = { Image: 'InitiatingProcessFolderPath', ProcessId: 'InitiatingProcessId' } as const;
const HASHES = { md5: 'MD5', sha1: 'SHA1', sha256: 'SHA256' } as const;

/** Outbound connections (Sysmon Initiated true) and inbound ones (false), as DeviceNetworkEvents' ActionType says them. */
export const OUTBOUND_ACTIONS = ['ConnectionSuccess', 'ConnectionAttempt', 'ConnectionFailed', 'ConnectionRequest'] as const;
export const INBOUND_ACTIONS = ['InboundConnectionAccepted'] as const;

export interface DefenderCategory {
  readonly table: string;
  /** The ActionType values that are this category's events (absent: every row of the table). */
  readonly actions?: readonly string[];
  readonly fields: Readonly<Record<string, string>>;
}

export const DEFENDER_CATEGORIES: Readonly<Record<string, DefenderCategory>> = {
  process_creation: {
    table: 'DeviceProcessEvents',
    fields: {
      Image: 'FolderPath',
      CommandLine: 'ProcessCommandLine',
      OriginalFileName: 'ProcessVersionInfoOriginalFileName',
      Description: 'ProcessVersionInfoFileDescription',
      Product: 'ProcessVersionInfoProductName',
      Company: 'ProcessVersionInfoCompanyName',
      IntegrityLevel: 'ProcessIntegrityLevel',
      ProcessId: 'ProcessId',
      ParentImage: 'InitiatingProcessFolderPath',
      ParentCommandLine: 'InitiatingProcessCommandLine',
      ParentProcessId: 'InitiatingProcessId',
      ...HASHES,
    },
  },
  network_connection: {
    table: 'DeviceNetworkEvents',
    actions: [...OUTBOUND_ACTIONS, ...INBOUND_ACTIONS],
    fields: { ...ACTOR, DestinationIp: 'RemoteIP', DestinationPort: 'RemotePort', SourceIp: 'LocalIP', SourcePort: 'LocalPort', Protocol: 'Protocol' },
  },
  image_load: { table: 'DeviceImageLoadEvents', fields: { ...ACTOR, ImageLoaded: 'FolderPath', ...HASHES } },
  file_event: { table: 'DeviceFileEvents', actions: ['FileCreated'], fields: { ...ACTOR, TargetFilename: 'FolderPath' } },
  file_delete: { table: 'DeviceFileEvents', actions: ['FileDeleted'], fields: { ...ACTOR, TargetFilename: 'FolderPath' } },
};

/** Why a category with a Defender table still has no exact mapping. */
export const DEFENDER_UNMAPPED: Readonly<Record<string, string>> = {
  registry_add: "Sysmon's TargetObject (HKLM\\… abbreviated hives, the value name appended) has no exact Defender column: RegistryKey spells the hive out and keeps the value name apart",
  registry_delete: "Sysmon's TargetObject (HKLM\\… abbreviated hives, the value name appended) has no exact Defender column: RegistryKey spells the hive out and keeps the value name apart",
  registry_set: "Sysmon's TargetObject and Details (`DWORD (0x…)`) have no exact Defender columns: RegistryKey spells the hive out, RegistryValueData holds the raw value",
  registry_event: "Sysmon's TargetObject (HKLM\\… abbreviated hives, the value name appended) has no exact Defender column: RegistryKey spells the hive out and keeps the value name apart",
  pipe_created: 'named pipes are DeviceEvents rows whose pipe name sits inside the AdditionalFields JSON; not mapped yet',
  dns_query: 'DNS queries are DeviceEvents DnsQueryResponse rows with the name inside AdditionalFields; not mapped yet',
};
