import type { FieldValue } from '../../event/event.js';

type Obj = { readonly [k: string]: FieldValue };
const isObj = (v: FieldValue | undefined): v is Obj => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

/** ECS path → the Sysmon / Sigma field name it came from (Winlogbeat's Sysmon ingest pipeline, read backwards). */
const ECS_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['process.executable', 'Image'],
  ['process.command_line', 'CommandLine'],
  ['process.pid', 'ProcessId'],
  ['process.entity_id', 'ProcessGuid'],
  ['process.working_directory', 'CurrentDirectory'],
  ['process.pe.original_file_name', 'OriginalFileName'],
  ['process.pe.description', 'Description'],
  ['process.pe.company', 'Company'],
  ['process.pe.product', 'Product'],
  ['process.pe.file_version', 'FileVersion'],
  ['process.parent.executable', 'ParentImage'],
  ['process.parent.command_line', 'ParentCommandLine'],
  ['process.parent.pid', 'ParentProcessId'],
  ['process.parent.entity_id', 'ParentProcessGuid'],
  ['source.ip', 'SourceIp'],
  ['source.port', 'SourcePort'],
  ['source.domain', 'SourceHostname'],
  ['destination.ip', 'DestinationIp'],
  ['destination.port', 'DestinationPort'],
  ['destination.domain', 'DestinationHostname'],
  ['network.transport', 'Protocol'],
  ['dns.question.name', 'QueryName'],
  ['file.path', 'TargetFilename'],
  ['registry.path', 'TargetObject'],
  ['winlog.event_data.IntegrityLevel', 'IntegrityLevel'],
];

function get(obj: Obj, path: string): FieldValue | undefined {
  if (obj[path] !== undefined) return obj[path];
  let cur: FieldValue | undefined = obj;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

const text = (v: FieldValue): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The Sigma-named event data of an ECS-only Winlogbeat/Elastic Agent document (one that went through the
 * Sysmon ingest pipeline, which removes `winlog.event_data`), so that it matches the same rules as the raw
 * shape and EVTX. Returns the document with `winlog.event_data` filled in (fields already there win) and
 * `winlog.event_id`/`winlog.channel` from `event.code`/`event.provider` when absent; other documents unchanged.
 *
 * This belongs beside normalizeJsonRecord in formats/json (owned elsewhere); it lives here until it moves.
 */
export function ecsToSigma(doc: Obj): Obj {
  const hasEcs = isObj(doc['process']) || isObj(doc['destination']) || isObj(doc['dns']) || isObj(doc['source']);
  if (!hasEcs) return doc;
  const winlog: Obj = isObj(doc['winlog']) ? doc['winlog'] : {};
  const data: { [k: string]: FieldValue } = isObj(winlog['event_data']) ? { ...winlog['event_data'] } : {};
  let added = false;
  const put = (name: string, v: FieldValue | undefined) => {
    if (v === undefined || v === null || data[name] !== undefined) return;
    data[name] = typeof v === 'number' || typeof v === 'string' ? String(v) : Array.isArray(v) ? v.map((x) => text(x as FieldValue)) : text(v);
    added = true;
  };
  for (const [path, name] of ECS_FIELDS) put(name, get(doc, path));
  const user = get(doc, 'user.name');
  const domain = get(doc, 'user.domain');
  if (typeof user === 'string') put('User', typeof domain === 'string' ? `${domain}\\${user}` : user);
  // Sysmon 3's Initiated=true is what the pipeline turns into network.direction egress (outbound).
  const direction = get(doc, 'network.direction');
  if (typeof direction === 'string') put('Initiated', direction === 'egress' || direction === 'outbound' ? 'true' : 'false');
  const hash = get(doc, 'process.hash');
  if (isObj(hash)) put('Hashes', Object.entries(hash).map(([k, v]) => `${k.toUpperCase()}=${String(v)}`).join(','));
  const answers = get(doc, 'dns.resolved_ip');
  if (Array.isArray(answers)) put('QueryResults', answers.map((a) => `${String(a)};`).join(''));
  if (!added) return doc;
  const out: { [k: string]: FieldValue } = { ...winlog, event_data: data };
  const code = get(doc, 'event.code');
  if (out['event_id'] === undefined && code !== undefined) out['event_id'] = code;
  const provider = get(doc, 'event.provider');
  if (out['channel'] === undefined && provider === 'Microsoft-Windows-Sysmon') out['channel'] = 'Microsoft-Windows-Sysmon/Operational';
  if (out['computer_name'] === undefined) {
    const host = get(doc, 'host.name');
    if (host !== undefined) out['computer_name'] = host;
  }
  return { ...doc, winlog: out };
}
