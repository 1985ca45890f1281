import type { SigmaRule } from '../../rule/model.js';
import { CorrelationRefused } from '../convert-planned-correlations.js';
import { DEFENDER_CATEGORIES, DEFENDER_TABLES } from './defender-tables.js';
import { kqlName, kqlString } from './kql-text.js';
import { EVENT_4688_FIELDS } from './sentinel-tables.js';

/** The KQL targets correlations convert to. */
export type KqlCorrelationTarget = 'kql-defender' | 'kql-sentinel';


/**
 * How a correlation reads the rows a referenced rule's query returns: the event time (ms since the epoch), an id
 * that orders equal times, and a Sigma field as text ("" when the event has no such field: KQL has no null string).
 */
export interface RowReader {
  readonly timeMs: string;
  readonly rid: string;
  readonly field: (name: string) => string;
}

const COLUMNS = new Map(DEFENDER_TABLES.map((t) => [t.name, t.columns]));
const epochMs = (column: string) => `datetime_diff("millisecond", ${column}, unixtime_milliseconds_todatetime(0))`;

/** The reader of one referenced rule's rows on a target (its query as the rule converter wrote it). */
export function rowReader(target: KqlCorrelationTarget, rule: SigmaRule, query: string): RowReader {
  return target === 'kql-defender' ? defenderReader(rule) : sentinelReader(query);
}

/**
 * Defender: the rule's table by its logsource category; the Sysmon field's column, and Computer as DeviceName (the
 * device's name as Defender spells it: the grouping is the same, the group value is Defender's text).
 */
function defenderReader(rule: SigmaRule): RowReader {
  const category = rule.logsource.category ?? '';
  const mapped = DEFENDER_CATEGORIES[category];
  if (mapped === undefined) throw new CorrelationRefused(`its rule '${rule.title}' has no Defender table`);
  const types = COLUMNS.get(mapped.table) ?? {};
  return {
    timeMs: epochMs('Timestamp'),
    rid: 'ReportId',
    field: (name) => {
      const col = name === 'Computer' ? 'DeviceName' : mapped.fields[name];
      const type = col === undefined ? undefined : types[col];
      if (col === undefined || type === undefined) throw new CorrelationRefused(`field '${name}' (group-by or condition field) has no exact column in ${mapped.table}`);
      return type === 'string' ? kqlName(col) : `tostring(${kqlName(col)})`;
    },
  };
}

const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const EVENT_COLUMNS: Readonly<Record<string, string>> = { Computer: 'Computer', Channel: 'EventLog', EventID: 'tostring(EventID)', Provider_Name: 'Source', Level: 'tostring(EventLevel)' };
const SECURITY_COLUMNS: Readonly<Record<string, string>> = { Computer: 'Computer', Channel: 'Channel', EventID: 'tostring(EventID)', Image: 'NewProcessName', ParentImage: 'ParentProcessName' };
const KNOWN_4688 = new Set<string>(EVENT_4688_FIELDS);

/**
 * Sentinel: an Event row's field is its event-data bag's (or one of the System columns Event has), a SecurityEvent
 * 4688 row's is its column under the engine's renames; a rule over both (a union) tells them apart by the bag,
 * which only Event rows have. Rows have no record id: equal times are ordered by rule only.
 */
function sentinelReader(query: string): RowReader {
  const both = query.startsWith('union\n');
  const security = both || query.startsWith('SecurityEvent\n');
  const event = both || query.startsWith('Event\n');
  if (!security && !event) throw new CorrelationRefused('its rule\'s query reads neither Event nor SecurityEvent');
  const eventField = (name: string): string => {
    const col = EVENT_COLUMNS[name];
    if (col !== undefined) return col;
    if (SYSTEM.test(name) || name.includes(' ') || name.includes('.')) throw new CorrelationRefused(`field '${name}' (group-by or condition field) has no column or event-data key in Event`);
    return `tostring(SigmaEventData[${kqlString(name)}])`;
  };
  const securityField = (name: string): string => {
    const col = SECURITY_COLUMNS[name];
    if (col !== undefined) return col;
    if (KNOWN_4688.has(name)) return name;
    if (name === 'User' || name === 'IntegrityLevel' || name === 'ProcessId') throw new CorrelationRefused(`field '${name}' (group-by or condition field) of a 4688 event is derived by the engine; not mapped for correlations`);
    return '""';
  };
  return {
    timeMs: epochMs('TimeGenerated'),
    rid: 'tolong(0)',
    field: (name) => (both ? `iff(isnull(SigmaEventData), ${securityField(name)}, ${eventField(name)})` : security ? securityField(name) : eventField(name)),
  };
}
