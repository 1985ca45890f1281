import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import { Refusal } from '../dialect.js';
import { ecsField, SYSMON_CHANNEL, SYSMON_RENAMES, type EcsField, type EcsPlace } from './ecs-fields.js';

/** A part of a rule's logsource whose events name every field alike in the Elastic document. */
export interface ElasticPlace {
  readonly alternatives: LogsourceCondition;
  readonly field: (name: string) => EcsField;
}

/**
 * The logsource's alternatives by how Winlogbeat names their fields: Sysmon events split by event ID (grouped where
 * the sysmon module renames alike), Security 4688 (the engine's Image / ParentImage from NewProcessName /
 * ParentProcessName), and every other channel (event data as winlog.event_data.*). A Sysmon alternative without event
 * IDs, or a Security one that may hold 4688 among others, takes only the fields named alike in all of them.
 */
export function elasticPlaces(logsource: LogsourceCondition): ElasticPlace[] {
  const out: ElasticPlace[] = [];
  const sysmonGroups = new Map<object, number[]>();
  for (const alt of logsource) {
    const sysmon = alt.channels.some((c) => c.toLowerCase() === SYSMON_CHANNEL);
    const security = alt.channels.some((c) => c.toLowerCase() === 'security');
    if (sysmon && alt.channels.length === 1 && alt.eventIds !== undefined) {
      for (const id of alt.eventIds) {
        const key = SYSMON_RENAMES[id] ?? NONE;
        const list = sysmonGroups.get(key);
        if (list === undefined) sysmonGroups.set(key, [id]);
        else list.push(id);
      }
      continue;
    }
    if (security && alt.channels.length === 1 && alt.eventIds?.length === 1 && alt.eventIds[0] === 4688) {
      out.push({ alternatives: [alt], field: (n) => ecsField({ kind: 'security-4688' }, n) });
      continue;
    }
    const may4688 = security && (alt.eventIds === undefined || alt.eventIds.includes(4688));
    out.push({ alternatives: [alt], field: (n) => commonField(sysmon ? Object.keys(SYSMON_RENAMES).map((id) => ({ kind: 'sysmon', eventId: Number(id) }) as EcsPlace) : [], may4688, n) });
  }
  for (const ids of sysmonGroups.values()) {
    out.unshift({ alternatives: [{ channels: ['Microsoft-Windows-Sysmon/Operational'], eventIds: ids }], field: (n) => ecsField({ kind: 'sysmon', eventId: ids[0] as number }, n) });
  }
  return out;
}

const NONE = {};

/** A field named alike by every Sysmon event ID listed (and by a channel's plain events), or Refusal. */
function commonField(sysmon: readonly EcsPlace[], may4688: boolean, name: string): EcsField {
  const plain = ecsField({ kind: 'other' }, name);
  if (may4688 && ['Image', 'ParentImage', 'User', 'IntegrityLevel', 'ProcessId'].includes(name))
    throw new Refusal('convert-field', `field '${name}' is made by the engine's pipeline for Security 4688 events, which this logsource mixes with others`);
  for (const place of sysmon) {
    const f = ecsField(place, name);
    if (f.name !== plain.name) throw new Refusal('convert-field', `field '${name}' is named differently by Winlogbeat for different Sysmon events, and this logsource does not say which`);
  }
  return plain;
}
