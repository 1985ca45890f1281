/** Winlogbeat-shaped Sysmon documents (raw shape: winlog.event_data.*), written here for the tests. */

export interface StoryIds {
  readonly host: string;
  readonly record: number;
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly time: number;
}

const iso = (t: number) => new Date(t).toISOString();
const utc = (t: number) => iso(t).replace('T', ' ').replace('Z', '');

export function processCreate(s: StoryIds, commandLine: string): object {
  return {
    '@timestamp': iso(s.time),
    agent: { type: 'winlogbeat', version: '9.1.3' },
    host: { name: s.host.toLowerCase() },
    event: { code: '1', kind: 'event', provider: 'Microsoft-Windows-Sysmon' },
    winlog: {
      channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: s.host, event_id: '1', record_id: s.record, provider_name: 'Microsoft-Windows-Sysmon',
      event_data: { UtcTime: utc(s.time), ProcessGuid: s.guid, ProcessId: String(s.pid), Image: s.image, OriginalFileName: s.image.split('\\').pop()?.toUpperCase(), CommandLine: commandLine, ParentImage: 'C:\\Windows\\System32\\cmd.exe', ParentProcessId: '5120', User: 'CORP\\jdoe', IntegrityLevel: 'Medium', Hashes: 'SHA256=5F1C,IMPHASH=9A3B' },
    },
  };
}

export function networkConnect(s: StoryIds, destination: string): object {
  return {
    '@timestamp': iso(s.time),
    agent: { type: 'winlogbeat', version: '9.1.3' },
    host: { name: s.host.toLowerCase() },
    event: { code: '3', kind: 'event', provider: 'Microsoft-Windows-Sysmon' },
    winlog: {
      channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: s.host, event_id: '3', record_id: s.record, provider_name: 'Microsoft-Windows-Sysmon',
      event_data: { UtcTime: utc(s.time), ProcessGuid: s.guid, ProcessId: String(s.pid), Image: s.image, User: 'CORP\\jdoe', Protocol: 'tcp', Initiated: 'true', SourceIp: '10.20.4.42', SourcePort: '51873', DestinationIp: destination, DestinationPort: '443' },
    },
  };
}

/** The same network connection after Winlogbeat's Sysmon ingest pipeline: ECS only, no winlog.event_data. */
export function networkConnectEcs(s: StoryIds, destination: string): object {
  return {
    '@timestamp': iso(s.time),
    host: { name: s.host.toLowerCase() },
    event: { code: '3', kind: 'event', provider: 'Microsoft-Windows-Sysmon', category: ['network'], type: ['connection', 'start', 'protocol'] },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: s.host, event_id: '3', record_id: s.record, provider_name: 'Microsoft-Windows-Sysmon' },
    process: { entity_id: s.guid, pid: s.pid, executable: s.image, name: s.image.split('\\').pop() },
    user: { domain: 'CORP', name: 'jdoe' },
    network: { transport: 'tcp', direction: 'egress', type: 'ipv4' },
    source: { ip: '10.20.4.42', port: 51873 },
    destination: { ip: destination, port: 443 },
  };
}

/** An unremarkable process start (no rule of the pack fires on it). */
export function noise(host: string, record: number, time: number): object {
  return processCreate({ host, record, guid: `{00000000-0000-0000-0000-${String(record).padStart(12, '0')}}`, pid: 1000 + (record % 5000), image: 'C:\\Windows\\System32\\svchost.exe', time }, 'svchost.exe -k netsvcs');
}
