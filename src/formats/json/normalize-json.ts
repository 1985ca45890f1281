import { addValue, flattenEvtxJson, type FieldValue } from '../../event/event.js';

type Obj = { readonly [k: string]: FieldValue };

function isObj(v: FieldValue | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** Sets a field; `__proto__` (a name JSON may carry) becomes a field of its own, never the object's prototype. */
function put(fields: { [k: string]: FieldValue }, k: string, v: FieldValue): void {
  if (k === '__proto__') Object.defineProperty(fields, k, { value: v, writable: true, enumerable: true, configurable: true });
  else fields[k] = v;
}

/** winlog.* System fields and their Sigma names. */
export const WINLOG_SYSTEM: ReadonlyArray<readonly [string, string]> = [
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
    // A fresh object filled key by key: a copy of the document (`{ ...obj }`) grown by the event's own data names
    // walked V8 through a new hidden class per document shape, 15 times slower on the service's hot path.
    const fields: { [k: string]: FieldValue } = {};
    for (const k in obj) put(fields, k, obj[k] as FieldValue);
    // The System fields first, then the event's data: a name both carry (System 104's user_data.Channel, the
    // cleared log, beside winlog.channel) holds both values, System's first, as in the EVTX reader.
    const system: string[] = [];
    for (let i = 0; i < WINLOG_SYSTEM.length; i++) {
      const [from, to] = WINLOG_SYSTEM[i] as readonly [string, string];
      const v = winlog[from];
      if (v === undefined || fields[to] !== undefined) continue;
      fields[to] = from === 'event_id' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      system.push(to);
    }
    for (const section of [winlog['event_data'], winlog['user_data']]) {
      if (!isObj(section)) continue;
      for (const k in section) {
        const v = section[k] as FieldValue;
        if (system.includes(k)) addValue(fields, k, v);
        else put(fields, k, v);
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
