import type { WriterEvent } from '../src/formats/evtx/write-evtx.js';
import type { WriterValue } from '../src/formats/evtx/write-values.js';

/** Builders of realistic Sysmon events for our EVTX writer: the example logs, test fixtures and benchmark corpora. */
export interface ProcessSpec {
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly commandLine: string;
  readonly user: string;
  readonly integrity?: string;
  readonly parent?: ProcessSpec;
}

const SYSMON_GUID = '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}';

/** A Sysmon event with the System fields Sysmon writes and the given EventData. */
export function sysmonEnvelope(eventId: number, time: string, host: string, data: ReadonlyArray<readonly [string, WriterValue]>): WriterEvent {
  return {
    provider: 'Microsoft-Windows-Sysmon',
    providerGuid: SYSMON_GUID,
    eventId,
    version: eventId === 1 ? 5 : eventId === 3 ? 5 : 2,
    level: 4,
    task: eventId,
    time,
    processId: 3320,
    threadId: 4216,
    channel: 'Microsoft-Windows-Sysmon/Operational',
    computer: host,
    userSid: 'S-1-5-18',
    data,
  };
}

const utc = (iso: string) => iso.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1');
const guid = (g: string): WriterValue => ({ type: 'guid', value: g });

export function processCreate(time: string, host: string, p: ProcessSpec, hashes = 'MD5=0C0A46AAA84E8689D9EE731E6799283B,SHA256=2EF794C4940AFEA56C6D6D3B9BC9E66965BC7333E79C5DCB2DEF3C0E36F0834C,IMPHASH=68F5781FF188454492D1B3FD57484D85'): WriterEvent {
  const name = p.image.split('\\').pop() ?? '';
  return sysmonEnvelope(1, time, host, [
    ['RuleName', '-'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['Image', p.image],
    ['FileVersion', '10.0.19041.1 (WinBuild.160101.0800)'],
    ['Description', name],
    ['Product', 'Microsoft® Windows® Operating System'],
    ['Company', 'Microsoft Corporation'],
    ['OriginalFileName', name],
    ['CommandLine', p.commandLine],
    ['CurrentDirectory', 'C:\\Windows\\system32\\'],
    ['User', p.user],
    ['LogonGuid', guid('{0197231E-5032-6940-AAE2-070000000000}')],
    ['LogonId', { type: 'hex64', value: '0x7e2aa' }],
    ['TerminalSessionId', 1],
    ['IntegrityLevel', p.integrity ?? 'Medium'],
    ['Hashes', hashes],
    ['ParentProcessGuid', guid(p.parent?.guid ?? '{00000000-0000-0000-0000-000000000000}')],
    ['ParentProcessId', p.parent?.pid ?? 0],
    ['ParentImage', p.parent?.image ?? ''],
    ['ParentCommandLine', p.parent?.commandLine ?? ''],
    ['ParentUser', p.parent?.user ?? ''],
  ]);
}

export function networkConnect(time: string, host: string, p: ProcessSpec, dst: string, port: number, opts: { initiated?: boolean; src?: string; hostname?: string } = {}): WriterEvent {
  const v6 = dst.includes(':');
  return sysmonEnvelope(3, time, host, [
    ['RuleName', '-'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['Image', p.image],
    ['User', p.user],
    ['Protocol', 'tcp'],
    ['Initiated', opts.initiated === false ? 'false' : 'true'],
    ['SourceIsIpv6', v6 ? 'true' : 'false'],
    ['SourceIp', opts.src ?? (v6 ? 'fe80::5d1:aa2:3b4:c5d6' : '10.20.1.15')],
    ['SourceHostname', host],
    ['SourcePort', { type: 'uint16', value: 49152 + (p.pid % 16000) }],
    ['SourcePortName', '-'],
    ['DestinationIsIpv6', v6 ? 'true' : 'false'],
    ['DestinationIp', dst],
    ['DestinationHostname', opts.hostname ?? '-'],
    ['DestinationPort', { type: 'uint16', value: port }],
    ['DestinationPortName', port === 443 ? 'https' : port === 80 ? 'http' : '-'],
  ]);
}

export function dnsQuery(time: string, host: string, p: ProcessSpec, name: string, answers: readonly string[]): WriterEvent {
  return sysmonEnvelope(22, time, host, [
    ['RuleName', '-'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['QueryName', name],
    ['QueryStatus', '0'],
    ['QueryResults', answers.map((a) => (a.includes(':') ? a : `::ffff:${a}`)).join(';') + ';'],
    ['Image', p.image],
    ['User', p.user],
  ]);
}

export function fileCreate(time: string, host: string, p: ProcessSpec, target: string): WriterEvent {
  return sysmonEnvelope(11, time, host, [
    ['RuleName', '-'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['Image', p.image],
    ['TargetFilename', target],
    ['CreationUtcTime', utc(time)],
    ['User', p.user],
  ]);
}

/** A GUID in Sysmon's shape for a host and a counter. */
export function sysmonGuid(hostTag: number, n: number): string {
  const h = (x: number, w: number) => x.toString(16).toUpperCase().padStart(w, '0');
  return `{${h(0x0197231e + hostTag, 8)}-${h(n & 0xffff, 4)}-693F-${h((n >>> 16) & 0xffff, 4)}-000000000D00}`;
}

export function registrySet(time: string, host: string, p: ProcessSpec, key: string, details: string): WriterEvent {
  return sysmonEnvelope(13, time, host, [
    ['RuleName', '-'],
    ['EventType', 'SetValue'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['Image', p.image],
    ['TargetObject', key],
    ['Details', details],
    ['User', p.user],
  ]);
}

export function imageLoad(time: string, host: string, p: ProcessSpec, dll: string): WriterEvent {
  const name = dll.split('\\').pop() ?? '';
  return sysmonEnvelope(7, time, host, [
    ['RuleName', '-'],
    ['UtcTime', utc(time)],
    ['ProcessGuid', guid(p.guid)],
    ['ProcessId', p.pid],
    ['Image', p.image],
    ['ImageLoaded', dll],
    ['FileVersion', '10.0.19041.1'],
    ['Description', name],
    ['Product', 'Microsoft® Windows® Operating System'],
    ['Company', 'Microsoft Corporation'],
    ['OriginalFileName', name],
    ['Hashes', 'SHA256=9F2B4C1D0E3A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C'],
    ['Signed', 'true'],
    ['Signature', 'Microsoft Windows'],
    ['SignatureStatus', 'Valid'],
    ['User', p.user],
  ]);
}

const SECURITY_GUID = '{54849625-5478-4994-A5BA-3E3B0328C30D}';

function securityEnvelope(eventId: number, time: string, host: string, data: ReadonlyArray<readonly [string, WriterValue]>): WriterEvent {
  return {
    provider: 'Microsoft-Windows-Security-Auditing',
    providerGuid: SECURITY_GUID,
    eventId,
    version: eventId === 4688 ? 2 : 2,
    level: 0,
    task: eventId === 4624 ? 12544 : 13312,
    time,
    processId: 644,
    threadId: 712,
    channel: 'Security',
    computer: host,
    data,
  };
}

export function securityLogon(time: string, host: string, user: string, logonType: number, ip: string): WriterEvent {
  const [domain, name] = user.includes('\\') ? (user.split('\\') as [string, string]) : ['CORP', user];
  return securityEnvelope(4624, time, host, [
    ['SubjectUserSid', { type: 'sid', value: 'S-1-5-18' }],
    ['SubjectUserName', `${host.split('.')[0] ?? host}$`],
    ['SubjectDomainName', 'CORP'],
    ['SubjectLogonId', { type: 'hex64', value: '0x3e7' }],
    ['TargetUserSid', { type: 'sid', value: 'S-1-5-21-3623811015-3361044348-30300820-1013' }],
    ['TargetUserName', name],
    ['TargetDomainName', domain],
    ['TargetLogonId', { type: 'hex64', value: '0x8d2f31' }],
    ['LogonType', logonType],
    ['LogonProcessName', 'User32 '],
    ['AuthenticationPackageName', 'Negotiate'],
    ['WorkstationName', host.split('.')[0] ?? host],
    ['LogonGuid', guid('{00000000-0000-0000-0000-000000000000}')],
    ['TransmittedServices', '-'],
    ['LmPackageName', '-'],
    ['KeyLength', 0],
    ['ProcessId', { type: 'hex64', value: '0x2a8' }],
    ['ProcessName', 'C:\\Windows\\System32\\svchost.exe'],
    ['IpAddress', ip],
    ['IpPort', '0'],
  ]);
}

export function securityProcessCreate(time: string, host: string, p: ProcessSpec): WriterEvent {
  return securityEnvelope(4688, time, host, [
    ['SubjectUserSid', { type: 'sid', value: 'S-1-5-21-3623811015-3361044348-30300820-1013' }],
    ['SubjectUserName', p.user.split('\\').pop() ?? p.user],
    ['SubjectDomainName', 'CORP'],
    ['SubjectLogonId', { type: 'hex64', value: '0x8d2f31' }],
    ['NewProcessId', { type: 'hex64', value: `0x${p.pid.toString(16)}` }],
    ['NewProcessName', p.image],
    ['TokenElevationType', '%%1938'],
    ['ProcessId', { type: 'hex64', value: `0x${(p.parent?.pid ?? 4).toString(16)}` }],
    ['CommandLine', p.commandLine],
    ['TargetUserSid', { type: 'sid', value: 'S-1-0-0' }],
    ['TargetUserName', '-'],
    ['TargetDomainName', '-'],
    ['TargetLogonId', { type: 'hex64', value: '0x0' }],
    ['ParentProcessName', p.parent?.image ?? 'C:\\Windows\\explorer.exe'],
    ['MandatoryLabel', { type: 'sid', value: 'S-1-16-8192' }],
  ]);
}

/** Security 4672 (special privileges assigned to a new logon): the privilege list real logs carry. */
export function securitySpecialLogon(time: string, host: string, user: string, privileges: string): WriterEvent {
  const [domain, name] = user.includes('\\') ? (user.split('\\') as [string, string]) : ['CORP', user];
  return securityEnvelope(4672, time, host, [
    ['SubjectUserSid', { type: 'sid', value: 'S-1-5-21-3623811015-3361044348-30300820-1013' }],
    ['SubjectUserName', name],
    ['SubjectDomainName', domain],
    ['SubjectLogonId', { type: 'hex64', value: '0x8d2f31' }],
    ['PrivilegeList', privileges],
  ]);
}

/** Security 5145 (a network share object was checked for access). */
export function securityShareAccess(time: string, host: string, user: string, share: string, target: string, ip: string): WriterEvent {
  const [domain, name] = user.includes('\\') ? (user.split('\\') as [string, string]) : ['CORP', user];
  return securityEnvelope(5145, time, host, [
    ['SubjectUserSid', { type: 'sid', value: 'S-1-5-21-3623811015-3361044348-30300820-1013' }],
    ['SubjectUserName', name],
    ['SubjectDomainName', domain],
    ['SubjectLogonId', { type: 'hex64', value: '0x8d2f31' }],
    ['ObjectType', 'File'],
    ['IpAddress', ip],
    ['IpPort', '49770'],
    ['ShareName', `\\\\*\\${share}`],
    ['ShareLocalPath', `\\??\\C:\\${share}`],
    ['RelativeTargetName', target],
    ['AccessMask', '0x120089'],
    ['AccessList', '%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4419\r\n\t\t\t\t'],
    ['AccessReason', '-'],
  ]);
}

const POWERSHELL_GUID = '{A0C1853B-5C40-4B15-8766-3CF1C58F985A}';

function powershellEnvelope(eventId: number, time: string, host: string, data: ReadonlyArray<readonly [string, WriterValue]>): WriterEvent {
  return {
    provider: 'Microsoft-Windows-PowerShell',
    providerGuid: POWERSHELL_GUID,
    eventId,
    version: 1,
    level: eventId === 4104 ? 5 : 4,
    task: eventId === 4104 ? 2 : 106,
    opcode: eventId === 4104 ? 15 : 20,
    keywords: '0x0',
    time,
    processId: 5120,
    threadId: 6244,
    channel: 'Microsoft-Windows-PowerShell/Operational',
    computer: host,
    userSid: 'S-1-5-21-3623811015-3361044348-30300820-1013',
    data,
  };
}

/** PowerShell 4104: a script block as logged (long values: the main test of many SigmaHQ rules). */
export function powershellScriptBlock(time: string, host: string, text: string, id: string, path = ''): WriterEvent {
  return powershellEnvelope(4104, time, host, [
    ['MessageNumber', 1],
    ['MessageTotal', 1],
    ['ScriptBlockText', text],
    ['ScriptBlockId', id],
    ['Path', path],
  ]);
}

/** PowerShell 4103 (module logging): the context block and the pipeline's payload. */
export function powershellModule(time: string, host: string, command: string, payload: string, user: string): WriterEvent {
  const context = [
    'Severity = Informational', 'Host Name = ConsoleHost', 'Host Version = 5.1.19041.1682', `Host ID = ${'3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'}`,
    'Host Application = C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'Engine Version = 5.1.19041.1682',
    'Runspace ID = 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', 'Pipeline ID = 147', `Command Name = ${command}`, 'Command Type = Cmdlet', 'Script Name = ',
    'Command Path = ', 'Sequence Number = 1221', `User = ${user}`, 'Connected User = ', 'Shell ID = Microsoft.PowerShell',
  ].map((l) => `        ${l}\r\n`).join('');
  return powershellEnvelope(4103, time, host, [
    ['ContextInfo', context],
    ['UserData', ''],
    ['Payload', payload],
  ]);
}

/** System 7045: a service was installed (Service Control Manager). */
export function serviceInstall(time: string, host: string, name: string, imagePath: string, account = 'LocalSystem'): WriterEvent {
  return {
    provider: 'Service Control Manager',
    providerGuid: '{555908D1-A6D7-4695-8E1E-26931D2012F4}',
    eventId: 7045,
    level: 4,
    keywords: '0x8080000000000000',
    time,
    processId: 668,
    threadId: 2840,
    channel: 'System',
    computer: host,
    userSid: 'S-1-5-18',
    data: [
      ['ServiceName', name],
      ['ImagePath', imagePath],
      ['ServiceType', 'user mode service'],
      ['StartType', 'demand start'],
      ['AccountName', account],
    ],
  };
}
