import { DEFENDER_CATEGORIES, DEFENDER_TABLES, INBOUND_ACTIONS, OUTBOUND_ACTIONS } from '../../../src/backends/kql/defender-tables.js';
import type { Event, FieldValue } from '../../../src/event/event.js';
import type { Row, Value } from './evaluate.js';

const SYSMON = 'microsoft-windows-sysmon/operational';
const SYSMON_IDS: Readonly<Record<number, string>> = { 1: 'process_creation', 3: 'network_connection', 7: 'image_load', 11: 'file_event', 23: 'file_delete', 26: 'file_delete' };
const DECIMAL = /^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$/;

export interface DefenderRow {
  /** The event's record id in the differential corpus (its index + 1). */
  readonly id: number;
  readonly table: string;
  readonly row: Row;
}

/**
 * The model's Defender data: each corpus event of a category we map becomes one row of that category's table, the
 * Sysmon fields in their columns (typed as the column: absent is "" for a string, null for a number), ActionType as
 * Defender would write it (Initiated true → ConnectionSuccess, false → InboundConnectionAccepted). An event whose
 * mapped field holds several values or an object has no row form (a column holds one value): it is left out, and
 * so are its engine matches; likewise an event whose address text KQL's documentation does not cover.
 */
export function defenderRows(events: readonly Event[]): { rows: DefenderRow[]; unrepresentable: Set<number> } {
  const rows: DefenderRow[] = [];
  const unrepresentable = new Set<number>();
  const columns = new Map(DEFENDER_TABLES.map((t) => [t.name, t.columns]));
  events.forEach((event, i) => {
    const f = event.fields;
    // Several channels or event IDs in one event: no row form. Zero-padded IPv4 text (010.1.2.3): KQL's reading of it
    // is undocumented, so the model makes no claim about it.
    if (typeof f['Channel'] === 'object' || typeof f['EventID'] === 'object' || undocumentedAddress(f)) {
      unrepresentable.add(i + 1);
      return;
    }
    const channel = String(f['Channel'] ?? '').toLowerCase();
    const eid = Number(String(f['EventID'] ?? '').trim());
    const category = channel === SYSMON ? SYSMON_IDS[eid] : channel === 'security' && eid === 4688 ? 'process_creation' : undefined;
    const mapped = category === undefined ? undefined : DEFENDER_CATEGORIES[category];
    if (mapped === undefined) return;
    const types = columns.get(mapped.table) ?? {};
    const row: Record<string, Value> = {};
    for (const [col, type] of Object.entries(types)) row[col] = type === 'string' ? '' : null;
    let ok = true;
    for (const [field, col] of Object.entries(mapped.fields)) {
      const v = cell(f[field], types[col] === 'string');
      if (v === undefined) ok = false;
      else row[col] = v;
    }
    const initiated = String(f['Initiated'] ?? '').trim().toLowerCase();
    row['ActionType'] =
      mapped.table === 'DeviceNetworkEvents' ? (initiated === 'true' ? OUTBOUND_ACTIONS[0] : initiated === 'false' ? INBOUND_ACTIONS[0] : '') : (mapped.actions?.[0] ?? 'ProcessCreated');
    // What the correlation queries read: the event's time (ms), the device's name, an id.
    row['Timestamp'] = event.timestamp ?? null;
    row['DeviceName'] = typeof f['Computer'] === 'string' ? f['Computer'] : '';
    row['ReportId'] = i + 1;
    if (ok) rows.push({ id: i + 1, table: mapped.table, row });
    else unrepresentable.add(i + 1);
  });
  return { rows, unrepresentable };
}

function cell(v: FieldValue | undefined, text: boolean): Value | undefined {
  if (v === undefined || v === null) return text ? '' : null;
  if (typeof v === 'object') return undefined;
  if (text) return String(v);
  if (typeof v === 'number') return v;
  const t = String(v).trim();
  return DECIMAL.test(t) ? Number(t) : null;
}

/** Zero-padded IPv4 text (010.1.2.3) in an address field: KQL's reading of it is undocumented, so the model makes no claim. */
export function undocumentedAddress(f: Event['fields']): boolean {
  return [f['DestinationIp'], f['SourceIp']].some((v) => typeof v === 'string' && /(^|\.)0[0-9]/.test(v.trim()));
}
