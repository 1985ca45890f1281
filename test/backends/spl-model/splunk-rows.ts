import type { Event, FieldValue } from '../../../src/event/event.js';
import { undocumentedAddress } from '../kql-model/defender-rows.js';
import type { SplRow } from './evaluate.js';

const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const DERIVED_HASHES = ['md5', 'sha1', 'sha256', 'Imphash'];
/** What the engine's pipeline adds to a 4688 event from its own fields; Splunk has the originals only. */
const DERIVED_4688: Record<string, string> = { Image: 'NewProcessName', ParentImage: 'ParentProcessName', ProcessId: 'NewProcessId' };

/**
 * The model's Splunk data: each event as the Splunk Add-on for Microsoft Windows extracts it from the XML: _time, EventCode
 * (the System EventID), Channel, Computer, and each event-data field under its name, every value as text (a field of
 * several values is a multivalue field). Events the add-on would not give in this form are left out with their engine
 * matches: a field holding an object, a field name with a space, an EventID that is not decimal digits, an address
 * with white space around it or a zero-padded IPv4 part (cidrmatch's reading of those is not documented).
 */
export function splunkRows(events: readonly Event[]): { rows: Array<{ id: number; row: SplRow }>; unrepresentable: Set<number> } {
  const rows: Array<{ id: number; row: SplRow }> = [];
  const unrepresentable = new Set<number>();
  events.forEach((event, i) => {
    const id = i + 1;
    const f = event.fields;
    const text = (v: FieldValue): string => (typeof v === 'string' ? v : String(v));
    const eid = f['EventID'];
    const spaced = Object.keys(f).some((k) => k.includes(' '));
    const padded = [f['DestinationIp'], f['SourceIp']].some((v) => typeof v === 'string' && v !== v.trim());
    const objects = Object.values(f).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (spaced || padded || objects || undocumentedAddress(f) || (eid !== undefined && !/^[0-9]+$/.test(text(eid as FieldValue)))) {
      unrepresentable.add(id);
      return;
    }
    const row: Record<string, string[]> = {};
    const put = (name: string, v: FieldValue | undefined) => {
      if (v === undefined || v === null) return;
      const values = (Array.isArray(v) ? v : [v]).filter((x) => x !== null).map((x) => text(x as FieldValue));
      if (values.length > 0) row[name] = values;
    };
    // _time: the event's time in epoch seconds, the fraction as Splunk keeps it (here milliseconds).
    if (event.timestamp !== undefined) row['_time'] = [String(event.timestamp / 1000)];
    put('EventCode', eid as FieldValue | undefined);
    put('Channel', f['Channel']);
    put('Computer', f['Computer']);
    const is4688 = text(f['Channel'] ?? '').toLowerCase() === 'security' && text((eid as FieldValue | undefined) ?? '') === '4688';
    const hashes = typeof f['Hashes'] === 'string' && f['Hashes'].includes('=');
    for (const [k, v] of Object.entries(f)) {
      if (SYSTEM.test(k) || (hashes && DERIVED_HASHES.includes(k))) continue;
      if (is4688 && (k === 'User' || k === 'IntegrityLevel' || (DERIVED_4688[k] !== undefined && f[DERIVED_4688[k] as string] !== undefined))) continue;
      put(k, v);
    }
    rows.push({ id, row });
  });
  return { rows, unrepresentable };
}
