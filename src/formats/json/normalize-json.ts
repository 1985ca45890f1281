import { addValue, flattenEvtxJson, type FieldValue } from '../../event/event.js';

type Obj = { readonly [k: string]: FieldValue };

function isObj(v: FieldValue | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** winlog.* System fields and their Sigma names. */
const WINLOG_SYSTEM: ReadonlyArray<readonly [string, string]> = [
  ['event_id', 'EventID'],
  ['channel', 'Channel'],
  ['computer_name', 'Computer'],
  ['provider_name', 'Provider_Name'],
  ['record_id', 'EventRecordID'],
  ['provider_guid', 'Provider_Guid'],
];

/**
 * One JSON record as Sigma fields, whatever exported it: the evtx_dump shape (Event.System/EventData),
 * Winlogbeat/Elastic Agent ECS (winlog.event_data.*, winlog.event_id, ...), or flat Sysmon fields.
 * The original nesting is kept too, so dotted ECS names (process.executable) still resolve.
 */
export function normalizeJsonRecord(obj: Obj): { fields: { [k: string]: FieldValue }; time?: string } {
  if (isObj(obj['Event'])) {
    const fields = flattenEvtxJson(obj);
    const t = fields['TimeCreated'];
    return typeof t === 'string' ? { fields, time: t } : { fields };
  }
  const winlog = obj['winlog'];
  if (isObj(winlog)) {
    const fields: { [k: string]: FieldValue } = { ...obj };
    // The System fields first, then the event's data: a name both carry (System 104's user_data.Channel, the
    // cleared log, beside winlog.channel) holds both values, System's first, as in the EVTX reader.
    const system = new Set<string>();
    for (const [from, to] of WINLOG_SYSTEM) {
      const v = winlog[from];
      if (v === undefined || fields[to] !== undefined) continue;
      fields[to] = from === 'event_id' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      system.add(to);
    }
    for (const section of [winlog['event_data'], winlog['user_data']]) {
      if (!isObj(section)) continue;
      for (const [k, v] of Object.entries(section)) {
        if (system.has(k)) addValue(fields, k, v);
        else fields[k] = v;
      }
    }
    const host = obj['host'];
    if (fields['Computer'] === undefined && isObj(host) && typeof host['name'] === 'string') fields['Computer'] = host['name'];
    const ts = obj['@timestamp'];
    return typeof ts === 'string' ? { fields, time: ts } : { fields };
  }
  const fields: { [k: string]: FieldValue } = { ...obj };
  const eid = fields['EventID'];
  if (typeof eid === 'string' && /^\d+$/.test(eid)) fields['EventID'] = Number(eid);
  const t = obj['@timestamp'] ?? obj['TimeCreated'] ?? obj['UtcTime'] ?? obj['timestamp'];
  return typeof t === 'string' ? { fields, time: t } : { fields };
}
