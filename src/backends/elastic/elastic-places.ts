import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import { Refusal } from '../dialect.js';
import { INTEGRITY_4688, SYSMON_HASHES, sysmonHashes, type Derivation } from './derived-fields.js';
import { ecsField, SYSMON_CHANNEL, SYSMON_RENAMES, type EcsField, type EcsPlace } from './ecs-fields.js';

/** A part of a rule's logsource whose events name every field alike in the Elastic document. */
export interface ElasticPlace {
  readonly alternatives: LogsourceCondition;
  readonly field: (name: string) => EcsField;
  /** Fields said through others (Security 4688's IntegrityLevel, Sysmon's split hashes); undefined for the rest. */
  readonly derive: (name: string) => Derivation | undefined;
}

const NO_DERIVED = () => undefined;

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
        // Events whose fields are renamed alike and whose hashes are split alike share a part.
        const renames = SYSMON_RENAMES[id] ?? NONE;
        const hashes = SYSMON_HASHES[id];
        const key = hashes === undefined ? renames : groupKey(renames, hashes);
        const list = sysmonGroups.get(key);
        if (list === undefined) sysmonGroups.set(key, [id]);
        else list.push(id);
      }
      continue;
    }
    if (security && alt.channels.length === 1 && alt.eventIds?.length === 1 && alt.eventIds[0] === 4688) {
      out.push({ alternatives: [alt], field: (n) => ecsField({ kind: 'security-4688' }, n), derive: (n) => (n === 'IntegrityLevel' ? INTEGRITY_4688 : undefined) });
      continue;
    }
    const may4688 = security && (alt.eventIds === undefined || alt.eventIds.includes(4688));
    out.push({ alternatives: [alt], derive: NO_DERIVED, field: (n) => commonField(sysmon ? Object.keys(SYSMON_RENAMES).map((id) => ({ kind: 'sysmon', eventId: Number(id) }) as EcsPlace) : [], may4688, n) });
  }
  for (const ids of sysmonGroups.values()) {
    const first = ids[0] as number;
    out.unshift({ alternatives: [{ channels: ['Microsoft-Windows-Sysmon/Operational'], eventIds: ids }], field: (n) => ecsField({ kind: 'sysmon', eventId: first }, n), derive: (n) => sysmonHashes(first, n) });
  }
  return out;
}

const NONE = {};
const keys = new Map<object, Map<string, object>>();

/** One object per (renames, hash split) pair, so a Map groups the event IDs that name fields alike. */
function groupKey(renames: object, hashes: { readonly field: string; readonly namespace: string }): object {
  let byHashes = keys.get(renames);
  if (byHashes === undefined) keys.set(renames, (byHashes = new Map()));
  const id = `${hashes.field}:${hashes.namespace}`;
  let key = byHashes.get(id);
  if (key === undefined) byHashes.set(id, (key = {}));
  return key;
}

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
