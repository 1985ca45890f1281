import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import type { BackendSpec, RuleSource } from '../backend-spec.js';
import { Refusal } from '../dialect.js';
import type { KqlField } from './kql-columns.js';
import { kqlDialect } from './kql-dialect.js';
import { kqlString } from './kql-text.js';
import { EVENT_4688_FIELDS } from './sentinel-tables.js';

const BAG = 'SigmaEventData';

/**
 * Sentinel over the tables a workspace fills from Windows event logs, with Sysmon's own field names: a Sysmon (or
 * any non-Security channel) event is an `Event` row whose EventData XML we parse into a bag keyed by the Data
 * element's Name, so every field the engine sees is there under its own name and value; a Security 4688 event is a
 * `SecurityEvent` row, read through the same renames the engine's pipeline makes (NewProcessName → Image, …).
 * Other Security events are refused: their fields are per-event columns we do not declare.
 */
export const KQL_SENTINEL: BackendSpec = {
  summary: 'Microsoft Sentinel (Log Analytics): Sysmon and other channels from Event (EventData XML), Security 4688 from SecurityEvent',
  extension: 'kql',
  place: (_rule, logsource) => {
    const security = logsource.filter((alt) => alt.channels.some((c) => c.toLowerCase() === 'security'));
    const other = logsource.filter((alt) => !security.includes(alt));
    const only4688 = security.every((alt) => alt.channels.length === 1 && alt.eventIds !== undefined && alt.eventIds.length === 1 && alt.eventIds[0] === 4688);
    if (!only4688) return { kind: 'refused', code: 'convert-logsource', reason: 'Security channel events other than 4688 live in SecurityEvent columns that differ per event ID; only 4688 (process creation) is mapped' };
    const sources: RuleSource[] = [];
    if (other.length > 0) sources.push(eventSource(other));
    if (security.length > 0) sources.push({ dialect: kqlDialect({ field: securityField }), fields: {}, logsource: security });
    return {
      kind: 'placed',
      sources,
      query: (conditions) => {
        const parts: string[] = [];
        if (other.length > 0) parts.push(eventQuery(conditions[0] as string));
        if (security.length > 0) parts.push(`SecurityEvent\n| where ${conditions[parts.length] as string}`);
        return parts.length === 1 ? (parts[0] as string) : `union\n  (${parts.map((p) => p.replace(/\n/g, '\n   ')).join('),\n  (')})`;
      },
    };
  },
};

function eventSource(logsource: LogsourceCondition): RuleSource {
  const field = (name: string): KqlField => {
    if (name === 'Channel') return { kind: 'column', expr: 'EventLog', type: 'string' };
    if (name === 'EventID') return { kind: 'column', expr: 'EventID', type: 'int' };
    if (name === 'Computer') return { kind: 'column', expr: 'Computer', type: 'string' };
    if (name === 'Provider_Name') return { kind: 'column', expr: 'Source', type: 'string' };
    if (name === 'Level') return { kind: 'column', expr: 'EventLevel', type: 'int' };
    checkName(name);
    return { kind: 'column', expr: `tostring(${BAG}[${kqlString(name)}])`, type: 'string' };
  };
  return { dialect: kqlDialect({ field }), fields: {}, logsource };
}

/**
 * The engine's event-data fields as a bag: one pair per <Data Name="…"> element of EventData's XML, the name without
 * its spaces as the engine's pipeline aliases it ("Threat Name" → ThreatName), so rules' space-less names find it.
 */
export const SENTINEL_EVENT_ROWS =
  `Event\n| extend SigmaXml = parse_xml(EventData)\n` +
  `| mv-apply SigmaData = SigmaXml.DataItem.EventData.Data on (summarize ${BAG} = make_bag(bag_pack(replace_string(tostring(SigmaData["@Name"]), " ", ""), tostring(SigmaData["#text"]))))`;

function eventQuery(condition: string): string {
  return `${SENTINEL_EVENT_ROWS}\n| where ${condition}`;
}

const INTEGRITY = [
  ['S-1-16-4096', 'Low'],
  ['S-1-16-8192', 'Medium'],
  ['S-1-16-8448', 'Medium'],
  ['S-1-16-12288', 'High'],
  ['S-1-16-16384', 'System'],
] as const;
const KNOWN_4688 = new Set<string>(EVENT_4688_FIELDS);

/** A field of a 4688 event, as the engine's pipeline names it (normalize-event.ts); a field 4688 never has is absent. */
function securityField(name: string): KqlField {
  const col = (expr: string): KqlField => ({ kind: 'column', expr, type: 'string' });
  switch (name) {
    case 'Channel':
      return col('Channel');
    case 'EventID':
      return { kind: 'column', expr: 'EventID', type: 'int' };
    case 'Computer':
      return col('Computer');
    case 'Image':
      return col('NewProcessName');
    case 'ParentImage':
      return col('ParentProcessName');
    case 'User':
      return col(`iff(isempty(SubjectDomainName), SubjectUserName, strcat(SubjectDomainName, "\\\\", SubjectUserName))`);
    case 'IntegrityLevel':
      return col(`case(${INTEGRITY.map(([sid, level]) => `MandatoryLabel == "${sid}", "${level}"`).join(', ')}, "")`);
    case 'ProcessId':
      throw new Refusal('convert-field', "field 'ProcessId' of a 4688 event is NewProcessId as hexadecimal text, which the engine reads as a number; not mapped");
    default:
      if (KNOWN_4688.has(name)) return col(name);
      checkName(name);
      return { kind: 'absent' };
  }
}

/** The EVTX System section as the engine flattens it (flatten-event.ts); the ones Event and SecurityEvent have as columns are mapped above. */
const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;

function checkName(name: string): void {
  if (name.includes(' ')) throw new Refusal('convert-field', `field '${name}' has a space; the event data bag keys names without spaces (as the engine's aliases)`);
  if (SYSTEM.test(name)) throw new Refusal('convert-field', `field '${name}' is from the event's System section, which has no mapped column in Event or SecurityEvent`);
  if (name.includes('.')) throw new Refusal('convert-field-path', `field '${name}' is a dotted path; event data fields are flat names`);
  if (['md5', 'sha1', 'sha256', 'Imphash'].includes(name)) throw new Refusal('convert-field', `field '${name}' is split out of Sysmon's Hashes by the engine's pipeline; not mapped for Sentinel`);
}
