import ipaddr from 'ipaddr.js';
import { SYSMON_HASHES } from '../../../src/backends/elastic/derived-fields.js';
import { SYSMON_RENAMES, USER_SPLIT_EVENTS, type EcsField } from '../../../src/backends/elastic/ecs-fields.js';
import type { Event, FieldValue } from '../../../src/event/event.js';

/** An address as Elasticsearch's ip type keeps it: 16 bytes, IPv4 as IPv4-mapped IPv6. */
export class IpValue {
  constructor(readonly address: ipaddr.IPv6) {}
}
export type DocValue = string | number | IpValue;
/** A document as the model sees it: each field's values (a JSON array is several). */
export type EsDoc = Readonly<Record<string, readonly DocValue[]>>;

const SYSMON = 'microsoft-windows-sysmon/operational';
const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const SYSTEM_NAMES: Readonly<Record<string, string>> = { Channel: 'winlog.channel', EventID: 'event.code', Computer: 'winlog.computer_name', Provider_Name: 'winlog.provider_name' };
const DERIVED_HASHES = ['md5', 'sha1', 'sha256', 'Imphash'];
const DERIVED_4688: Readonly<Record<string, string>> = { Image: 'NewProcessName', ParentImage: 'ParentProcessName', ProcessId: 'NewProcessId' };
/** Sysmon fields the module moves, splits or rewrites: not in the document as the event's text. */
const SYSMON_DROPPED = ['RuleName', 'UtcTime', 'Hashes', 'Hash', 'QueryResults', 'QueryStatus', 'SourceIsIpv6', 'DestinationIsIpv6', 'Archived', 'IsExecutable'];

/**
 * The address as Elasticsearch's ip type takes it: dotted-quad IPv4 without leading zeros, or IPv6 text without a zone
 * index; anything else the field would reject (the document is not indexed), so the event has no document.
 */
export function esAddress(text: string): IpValue | undefined {
  if (/^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/.test(text)) return new IpValue(ipaddr.IPv4.parse(text).toIPv4MappedAddress());
  if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  // Dotted IPv4 inside IPv6 text (::ffff:1.2.3.4, 1:2:3:4:5:6:1.2.3.4) with leading zeros: undocumented; left out.
  if (/(^|[.:])0[0-9]/.test(text.replace(/^.*:/, ':'))) return undefined;
  return new IpValue(ipaddr.IPv6.parse(text));
}

/**
 * The model's Elastic data: each event as Winlogbeat's ECS document (our reading of its sysmon module: the renames in
 * SYSMON_RENAMES, numbers converted to long, addresses to ip, Initiated to network.direction; every other field as
 * winlog.event_data.<Name> text; winlog.channel, event.code, winlog.computer_name). Events Winlogbeat would not write
 * in this form are left out with their engine matches: a JSON null or an object value (event data is text), a field
 * name with a space, several channels or event IDs, an EventID that is not decimal digits, a number field that is not
 * canonical digits, an address the ip type rejects, an Initiated that is not "true" / "false".
 */
export function ecsDocs(events: readonly Event[]): { docs: Array<{ id: number; doc: EsDoc }>; unrepresentable: Set<number> } {
  const docs: Array<{ id: number; doc: EsDoc }> = [];
  const unrepresentable = new Set<number>();
  events.forEach((event, i) => {
    const doc = ecsDoc(event);
    if (doc === undefined) unrepresentable.add(i + 1);
    else docs.push({ id: i + 1, doc });
  });
  return { docs, unrepresentable };
}

function ecsDoc(event: Event): EsDoc | undefined {
  const f = event.fields;
  const scalar = (v: FieldValue | undefined) => v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (!scalar(f['Channel']) || !scalar(f['EventID'])) return undefined;
  for (const [k, v] of Object.entries(f)) {
    if (k.includes(' ')) return undefined;
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => x === null || (typeof x === 'object' && typeof x !== 'bigint') || Array.isArray(x))) return undefined;
  }
  const eid = f['EventID'] === undefined ? undefined : String(f['EventID']);
  if (eid !== undefined && !/^(0|[1-9][0-9]*)$/.test(eid)) return undefined;
  const channel = String(f['Channel'] ?? '').toLowerCase();
  const is4688 = channel === 'security' && eid === '4688';
  const renames = channel === SYSMON && eid !== undefined ? SYSMON_RENAMES[Number(eid)] : undefined;
  const hashes = typeof f['Hashes'] === 'string' && f['Hashes'].includes('=');
  const doc: Record<string, DocValue[]> = {};
  for (const [k, v] of Object.entries(f)) {
    const texts = (Array.isArray(v) ? v : [v]).map((x) => String(x));
    if (SYSTEM_NAMES[k] !== undefined) {
      doc[SYSTEM_NAMES[k] as string] = texts;
      continue;
    }
    if (SYSTEM.test(k) || (hashes && DERIVED_HASHES.includes(k))) continue;
    if (is4688 && (k === 'User' || k === 'IntegrityLevel' || (DERIVED_4688[k] !== undefined && f[DERIVED_4688[k] as string] !== undefined))) continue;
    if (k === 'User' && channel === SYSMON && USER_SPLIT_EVENTS.has(Number(eid))) {
      // Winlogbeat's addUser: DOMAIN\name (exactly two parts) becomes user.domain and user.name; else it stays.
      if (texts.length !== 1) return undefined;
      const parts = (texts[0] as string).split('\\');
      if (parts.length === 2) Object.assign(doc, { 'user.domain': [parts[0] as string], 'user.name': [parts[1] as string] });
      else doc['winlog.event_data.User'] = texts;
      continue;
    }
    if (renames !== undefined && SYSMON_DROPPED.includes(k)) continue;
    const to: EcsField | undefined = renames?.[k];
    if (to === undefined) {
      doc[`winlog.event_data.${k}`] = texts;
      continue;
    }
    const values = texts.map((t) => typed(to, t));
    if (values.some((x) => x === undefined)) return undefined;
    doc[to.name] = values as DocValue[];
  }
  const split = channel === SYSMON && eid !== undefined ? SYSMON_HASHES[Number(eid)] : undefined;
  if (split !== undefined) Object.assign(doc, winlogbeatHashes(f[split.field], split.namespace));
  return doc;
}

/**
 * Winlogbeat's hash split (its addHashes): the text cut at commas, each piece at `=` (a piece that is not two parts
 * skipped), key and value lower-cased, an empty or all-zero value dropped, to <ns>.hash.<key> or <ns>.pe.imphash.
 */
function winlogbeatHashes(v: FieldValue | undefined, namespace: string): Record<string, DocValue[]> {
  const out: Record<string, DocValue[]> = {};
  if (typeof v !== 'string' || v === '') return out;
  for (const piece of v.split(',')) {
    const parts = piece.split('=');
    if (parts.length !== 2) continue;
    const key = (parts[0] as string).toLowerCase();
    const value = (parts[1] as string).toLowerCase();
    if (/^0*$/.test(value)) continue;
    out[key === 'imphash' ? `${namespace}.pe.imphash` : `${namespace}.hash.${key}`] = [value];
  }
  return out;
}

function typed(to: EcsField, text: string): DocValue | undefined {
  switch (to.type) {
    case 'keyword':
      return text;
    case 'long':
      return /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : undefined;
    case 'ip':
      return esAddress(text);
    case 'direction':
      return text === 'true' ? 'egress' : text === 'false' ? 'ingress' : undefined;
    case 'domain-user':
      throw new Error('ecs model: User is split before the renames');
    default: {
      const never: never = to.type;
      return never;
    }
  }
}
