import { flattenEvtxJson, type FieldValue } from '../../event/event.js';

type Obj = { readonly [k: string]: FieldValue };

function isObj(v: FieldValue | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

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
    const data = winlog['event_data'];
    if (isObj(data)) Object.assign(fields, data);
    const user = winlog['user_data'];
    if (isObj(user)) Object.assign(fields, user);
    const map: Record<string, string> = { event_id: 'EventID', channel: 'Channel', computer_name: 'Computer', provider_name: 'Provider_Name', record_id: 'EventRecordID', provider_guid: 'Provider_Guid' };
    for (const [from, to] of Object.entries(map)) {
      const v = winlog[from];
      if (v !== undefined && fields[to] === undefined) fields[to] = from === 'event_id' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
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
