import { holdsValue, type Event, type FieldValue } from '../event/event.js';

const INTEGRITY: Record<string, string> = { 'S-1-16-4096': 'Low', 'S-1-16-8192': 'Medium', 'S-1-16-8448': 'Medium', 'S-1-16-12288': 'High', 'S-1-16-16384': 'System' };

/**
 * Field mappings of the Windows pipeline, applied to each event before matching:
 * Security 4688 gets the Sysmon process_creation names (Image, ParentImage, User, ...), and Sysmon's
 * `Hashes` is split into md5/sha1/sha256/Imphash, so one rule covers both sources; names with spaces get a
 * space-less alias.
 */
export function normalizeWindowsEvent(event: Event): Event {
  const f = event.fields;
  const extra: { [k: string]: FieldValue } = {};
  if (holdsValue(f['EventID'], 4688) && holdsValue(f['Channel'], 'security')) {
    const map: Record<string, string> = { NewProcessName: 'Image', ParentProcessName: 'ParentImage', NewProcessId: 'ProcessId' };
    for (const [from, to] of Object.entries(map)) if (f[from] !== undefined && f[to] === undefined) extra[to] = f[from] as FieldValue;
    if (typeof extra['ProcessId'] === 'string' && /^0x[0-9a-f]+$/i.test(extra['ProcessId'])) extra['ProcessId'] = parseInt(extra['ProcessId'], 16);
    if (f['User'] === undefined && f['SubjectUserName'] !== undefined) {
      extra['User'] = f['SubjectDomainName'] !== undefined ? `${String(f['SubjectDomainName'])}\\${String(f['SubjectUserName'])}` : (f['SubjectUserName'] as FieldValue);
    }
    const label = f['MandatoryLabel'];
    if (typeof label === 'string' && INTEGRITY[label] !== undefined && f['IntegrityLevel'] === undefined) extra['IntegrityLevel'] = INTEGRITY[label] as string;
  }
  // Defender and others name EventData fields with spaces ("Threat Name"); Sigma rules write them without.
  for (const k in f) {
    if (k.includes(' ')) {
      const alias = k.replace(/ /g, '');
      if (f[alias] === undefined) extra[alias] = f[k] as FieldValue;
    }
  }
  const hashes = f['Hashes'];
  if (typeof hashes === 'string' && hashes.includes('=')) {
    for (const part of hashes.split(',')) {
      const [k, v] = part.split('=');
      if (k === undefined || v === undefined) continue;
      const name = k.trim().toUpperCase() === 'IMPHASH' ? 'Imphash' : k.trim().toLowerCase();
      if (f[name] === undefined) extra[name] = v.trim();
    }
  }
  // Any extra field: a new event (a for-in over `extra` asks that without allocating a key array per event).
  for (const _ in extra) return { ...event, fields: { ...f, ...extra } };
  return event;
}
