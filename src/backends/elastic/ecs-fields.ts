import { Refusal } from '../dialect.js';

/**
 * How an Elastic document holds a Sigma field: its name there and the type that decides which queries are exact on it.
 * `keyword` holds the event's text verbatim (case kept); `long` the number Winlogbeat converted the text to; `ip` the
 * address (Elasticsearch's ip type); `direction` is Sysmon's Initiated as ECS network.direction (egress / ingress);
 * `domain-user` is Sysmon's User, which Winlogbeat splits into user.domain and user.name when it is DOMAIN\\name.
 */
export type EcsType = 'keyword' | 'long' | 'ip' | 'direction' | 'domain-user';
export interface EcsField {
  readonly name: string;
  readonly type: EcsType;
  /** domain-user: the ES|QL expression that joins the halves again into the engine's DOMAIN\\name. */
  readonly esql?: string;
}

export const SYSMON_CHANNEL = 'microsoft-windows-sysmon/operational';

type Renames = Readonly<Record<string, EcsField>>;
const kw = (name: string): EcsField => ({ name, type: 'keyword' });
const long = (name: string): EcsField => ({ name, type: 'long' });

/** The renames every Sysmon event with a process of its own gets (Image, ProcessId, ProcessGuid). */
const PROCESS: Renames = { Image: kw('process.executable'), ProcessId: long('process.pid'), ProcessGuid: kw('process.entity_id') };
const FILE: Renames = { ...PROCESS, TargetFilename: kw('file.path') };

/**
 * Winlogbeat's sysmon module (x-pack/winlogbeat/module/sysmon, read as documentation): the event-data fields it renames
 * to ECS, per Sysmon event ID, each value copied verbatim (or converted to long / ip). A field it moves, splits or
 * translates is in DROPPED below; every other field stays as winlog.event_data.<Name>.
 */
export const SYSMON_RENAMES: Readonly<Record<number, Renames>> = {
  1: {
    ...PROCESS,
    CommandLine: kw('process.command_line'),
    CurrentDirectory: kw('process.working_directory'),
    ParentProcessGuid: kw('process.parent.entity_id'),
    ParentProcessId: long('process.parent.pid'),
    ParentImage: kw('process.parent.executable'),
    ParentCommandLine: kw('process.parent.command_line'),
    OriginalFileName: kw('process.pe.original_file_name'),
  },
  2: FILE,
  // Service state, configuration and WMI events: only UtcTime, RuleName and User are handled by the module.
  4: {},
  16: {},
  19: {},
  21: {},
  3: {
    ...PROCESS,
    Protocol: kw('network.transport'),
    SourceIp: { name: 'source.ip', type: 'ip' },
    SourceHostname: kw('source.domain'),
    SourcePort: long('source.port'),
    DestinationIp: { name: 'destination.ip', type: 'ip' },
    DestinationHostname: kw('destination.domain'),
    DestinationPort: long('destination.port'),
    DestinationPortName: kw('network.protocol'),
    Initiated: { name: 'network.direction', type: 'direction' },
  },
  5: PROCESS,
  6: { ImageLoaded: kw('file.path') },
  7: { ...PROCESS, ImageLoaded: kw('file.path'), OriginalFileName: kw('file.pe.original_file_name') },
  8: { SourceImage: kw('process.executable'), SourceProcessId: long('process.pid'), SourceProcessGuid: kw('process.entity_id') },
  9: { ...PROCESS, Device: kw('file.path') },
  10: { SourceImage: kw('process.executable'), SourceProcessId: long('process.pid'), SourceProcessGUID: kw('process.entity_id'), SourceThreadId: long('process.thread.id') },
  11: FILE,
  12: PROCESS,
  13: PROCESS,
  14: PROCESS,
  15: FILE,
  17: { ...PROCESS, PipeName: kw('file.name') },
  18: { ...PROCESS, PipeName: kw('file.name') },
  20: { Destination: kw('process.executable') },
  22: { ...PROCESS, QueryName: kw('dns.question.name') },
  23: FILE,
  24: PROCESS,
  25: PROCESS,
  26: FILE,
};

/** Sysmon event-data fields the module deletes, splits or rewrites: no field holds the event's text. */
const DROPPED: Readonly<Record<string, string>> = {
  RuleName: 'Winlogbeat moves it to rule.name and drops "-"',
  UtcTime: 'Winlogbeat parses it into @timestamp',
  Hashes: 'Winlogbeat splits it into lower-cased hash fields',
  Hash: 'Winlogbeat splits it into lower-cased hash fields',
  QueryResults: 'Winlogbeat splits it into dns.answers and dns.resolved_ip',
  QueryStatus: 'Winlogbeat translates the code into a name (sysmon.dns.status)',
  SourceIsIpv6: 'Winlogbeat turns it into network.type',
  DestinationIsIpv6: 'Winlogbeat drops it',
  Archived: 'Winlogbeat converts it to a boolean',
  IsExecutable: 'Winlogbeat converts it to a boolean',
};

/** The Sysmon events whose User Winlogbeat splits (its addUser); elsewhere User stays as winlog.event_data.User. */
export const USER_SPLIT_EVENTS: ReadonlySet<number> = new Set([1, 3, 19, 20, 21, 23, 24, 26]);

/** The System section as the engine flattens it; Winlogbeat's names for the three we map. */
const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const SYSTEM_FIELDS: Renames = { EventID: kw('event.code'), Channel: kw('winlog.channel'), Computer: kw('winlog.computer_name'), Provider_Name: kw('winlog.provider_name') };
const DERIVED = new Set(['md5', 'sha1', 'sha256', 'Imphash']);

/** Where the events of one logsource alternative keep their fields: Sysmon with one event ID, Security 4688, any other. */
export type EcsPlace = { readonly kind: 'sysmon'; readonly eventId: number } | { readonly kind: 'security-4688' } | { readonly kind: 'other' };

/** A Sigma field (as the engine names it) in the Elastic document of a place, or Refusal. */
export function ecsField(place: EcsPlace, name: string): EcsField {
  // An ECS field named as itself (the derived fields' rewrites).
  if (name.startsWith('@ecs:')) return kw(name.slice(5));
  const system = SYSTEM_FIELDS[name];
  if (system !== undefined) return system;
  if (SYSTEM.test(name)) throw new Refusal('convert-field', `field '${name}' is from the event's System section; only EventID, Channel, Computer and Provider_Name are mapped for Elastic`);
  if (DERIVED.has(name)) throw new Refusal('convert-field', `field '${name}' is split out of Sysmon's Hashes by the engine's pipeline; not mapped for Elastic`);
  if (name.includes(' ')) throw new Refusal('convert-field', `field '${name}' has a space; not mapped for Elastic`);
  if (name.includes('.')) throw new Refusal('convert-field-path', `field '${name}' is a dotted path; event data fields are flat names`);
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Refusal('convert-field', `field '${name}' is not a plain event data name`);
  if (place.kind === 'sysmon') {
    const renamed = SYSMON_RENAMES[place.eventId]?.[name];
    if (renamed !== undefined) return renamed;
    if (name === 'User' && USER_SPLIT_EVENTS.has(place.eventId))
      return { name: 'winlog.event_data.User', type: 'domain-user', esql: 'COALESCE(winlog.event_data.User, CONCAT(user.domain, "\\\\", user.name))' };
    const dropped = DROPPED[name];
    if (dropped !== undefined && SYSMON_RENAMES[place.eventId] !== undefined) throw new Refusal('convert-field', `field '${name}' of Sysmon event ${place.eventId}: ${dropped}`);
  }
  if (place.kind === 'security-4688') {
    if (name === 'Image') return kw('winlog.event_data.NewProcessName');
    if (name === 'ParentImage') return kw('winlog.event_data.ParentProcessName');
    // The engine's SubjectDomainName\SubjectUserName (SubjectUserName alone without a domain).
    if (name === 'User')
      return { name: 'winlog.event_data.SubjectUserName', type: 'domain-user', esql: 'COALESCE(CONCAT(winlog.event_data.SubjectDomainName, "\\\\", winlog.event_data.SubjectUserName), winlog.event_data.SubjectUserName)' };
    if (name === 'IntegrityLevel' || name === 'ProcessId')
      throw new Refusal('convert-field', `field '${name}' of a 4688 event is made by the engine's pipeline from other fields; not mapped for Elastic`);
  }
  return kw(`winlog.event_data.${name}`);
}
