import { EVENT_4688_FIELDS } from '../../../src/backends/kql/sentinel-tables.js';
import type { Event } from '../../../src/event/event.js';
import { undocumentedAddress } from './defender-rows.js';
import type { Row, Value } from './evaluate.js';

const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const DERIVED_HASHES = ['md5', 'sha1', 'sha256', 'Imphash'];

export interface SentinelRows {
  readonly Event: Array<{ id: number; row: Row }>;
  readonly SecurityEvent: Array<{ id: number; row: Row }>;
  readonly unrepresentable: Set<number>;
}

/**
 * The model's Log Analytics data: a Security event is a SecurityEvent row (its 4688 fields as columns), any other an
 * Event row whose SigmaEventData is what the query's parse_xml + mv-apply stage makes of EventData: the event-data
 * fields (the engine's System fields, derived hashes and 4688 renames left out) as text. A field holding several
 * values or an object has no XML text form: the event is left out, with its engine matches (so is zero-padded
 * IPv4 text, which KQL's documentation does not cover).
 */
export function sentinelRows(events: readonly Event[]): SentinelRows {
  const out: SentinelRows = { Event: [], SecurityEvent: [], unrepresentable: new Set() };
  events.forEach((event, i) => {
    const f = event.fields;
    const id = i + 1;
    if (Object.values(f).some((v) => v !== null && typeof v === 'object') || undocumentedAddress(f)) {
      out.unrepresentable.add(id);
      return;
    }
    const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
    const eid = Number(text(f['EventID']).trim());
    const eventId: Value = Number.isInteger(eid) && text(f['EventID']).trim() !== '' ? eid : null;
    if (text(f['Channel']).toLowerCase() === 'security') {
      const row: Record<string, Value> = { TimeGenerated: event.timestamp ?? null, Channel: text(f['Channel']), EventID: eventId, Computer: text(f['Computer']) };
      for (const c of EVENT_4688_FIELDS) row[c] = text(f[c]);
      out.SecurityEvent.push({ id, row });
      return;
    }
    const bag: Record<string, string> = {};
    const hashes = typeof f['Hashes'] === 'string' && f['Hashes'].includes('=');
    for (const [k, v] of Object.entries(f)) {
      if (SYSTEM.test(k) || k.includes(' ') || (hashes && DERIVED_HASHES.includes(k)) || v === null) continue;
      bag[k] = String(v);
    }
    const level = Number(text(f['Level']).trim());
    out.Event.push({ id, row: { TimeGenerated: event.timestamp ?? null, EventLog: text(f['Channel']), EventID: eventId, Computer: text(f['Computer']), Source: text(f['Provider_Name']), EventLevel: Number.isInteger(level) && text(f['Level']).trim() !== '' ? level : null, SigmaEventData: bag } });
  });
  return out;
}

