import { lowerLogsource } from '../../compile/lower-logsource.js';
import type { LogsourceCondition } from '../../pipeline/logsource-condition.js';
import type { SigmaRule } from '../../rule/model.js';
import type { BackendSpec, RulePlacement, RuleSource } from '../backend-spec.js';
import { Refusal } from '../dialect.js';
import { mapFields } from '../map-fields.js';
import { renderCondition } from '../render-condition.js';
import { splSearchDialect, splWhereDialect, type SplField } from './spl-dialects.js';

/** The System section as the engine flattens it: only EventID (EventCode), Channel and Computer are Splunk fields here. */
const SYSTEM = /^(Provider|EventID|Version|Level|Task|Opcode|Keywords|TimeCreated|EventRecordID|Correlation|Execution|Channel|Computer|Security)(_|$)/;
const DERIVED_HASHES = new Set(['md5', 'sha1', 'sha256', 'Imphash']);

/** A field of a non-4688 event: the event-data name itself (the Windows add-on's XML extraction), three System fields. */
function eventField(name: string): string {
  if (name === 'EventID') return 'EventCode';
  if (name === 'Channel' || name === 'Computer') return name;
  if (SYSTEM.test(name)) throw new Refusal('convert-field', `field '${name}' is from the event's System section; only EventID (EventCode), Channel and Computer are mapped for Splunk`);
  if (DERIVED_HASHES.has(name)) throw new Refusal('convert-field', `field '${name}' is split out of Sysmon's Hashes by the engine's pipeline; not mapped for Splunk (test Hashes)`);
  if (name.includes(' ')) throw new Refusal('convert-field', `field '${name}' has a space; not mapped for Splunk`);
  if (name.includes('.')) throw new Refusal('convert-field-path', `field '${name}' is a dotted path; event data fields are flat names`);
  return name;
}

/** A field of a Security 4688 event, as the engine's pipeline names it (normalize-event.ts). */
function field4688(name: string): string {
  if (name === 'Image') return 'NewProcessName';
  if (name === 'ParentImage') return 'ParentProcessName';
  if (name === 'User' || name === 'IntegrityLevel' || name === 'ProcessId') throw new Refusal('convert-field', `field '${name}' of a 4688 event is made by the engine's pipeline from other fields (${name === 'User' ? 'SubjectDomainName\\SubjectUserName' : name === 'IntegrityLevel' ? 'MandatoryLabel' : 'NewProcessId, hexadecimal'}); not mapped for Splunk`);
  return eventField(name);
}

/** The logsource's alternatives by how their fields are named: Security 4688, and every other channel (a string: refused, why). */
export function splunkFieldGroups(logsource: LogsourceCondition): Array<{ readonly alternatives: LogsourceCondition; readonly field: SplField }> | string {
  const is4688 = (alt: LogsourceCondition[number]) => alt.channels.some((c) => c.toLowerCase() === 'security') && alt.eventIds?.length === 1 && alt.eventIds[0] === 4688;
  const mixed = logsource.find((alt) => alt.channels.some((c) => c.toLowerCase() === 'security') && alt.eventIds?.includes(4688) === true && !(alt.channels.length === 1 && is4688(alt)));
  if (mixed !== undefined) return 'Security 4688 shares a logsource alternative with other events, whose fields the engine names differently';
  const security = logsource.filter(is4688);
  const other = logsource.filter((alt) => !is4688(alt));
  return [...(other.length > 0 ? [{ alternatives: other, field: eventField }] : []), ...(security.length > 0 ? [{ alternatives: security, field: field4688 }] : [])];
}

const or = (parts: readonly string[]) => (parts.length === 1 ? (parts[0] as string) : parts.map((p) => (p.startsWith('(') ? p : `(${p})`)).join(' OR '));

/**
 * Splunk SPL over Windows events as the Splunk Add-on for Microsoft Windows extracts them from XML (the Sysmon
 * add-on alike): every EventData field under its own name, EventID as EventCode, Channel and Computer. A rule is a
 * search of terms when every test is one the search command says exactly (case-insensitive text with `*`
 * wildcards); otherwise its logsource stays a search (for the index) and its whole condition goes to `| where`,
 * exact on eval's terms (PCRE through mvfind, numbers through tonumber, cidrmatch), never a wider search.
 */
export const SPLUNK: BackendSpec = {
  summary: 'Splunk SPL: Windows events as the Splunk Add-on for Microsoft Windows extracts them (XML; EventCode, Channel, Computer, event data by name)',
  extension: 'spl',
  place: (rule: SigmaRule, logsource: LogsourceCondition): RulePlacement => {
    const g = splunkFieldGroups(logsource);
    if (typeof g === 'string') return { kind: 'refused', code: 'convert-logsource', reason: g };
    const searchSources: RuleSource[] = g.map((x) => ({ dialect: splSearchDialect(x.field), fields: {}, logsource: x.alternatives }));
    // With one kind of field naming the search in front already selects the logsource exactly; with two, the where
    // tells them apart too (each part's fields are its own).
    const whereSources: RuleSource[] = g.map((x) => ({ dialect: splWhereDialect(x.field), fields: {}, ...(g.length > 1 ? { logsource: x.alternatives } : {}) }));
    // The logsource as search terms in front of `| where`, so Splunk reads only those events from its index.
    const prefilter = or(g.map((x) => renderCondition(rule, mapFields(lowerLogsource(x.alternatives), {}), splSearchDialect(x.field), 'splunk').condition ?? '*'));
    return {
      kind: 'placed',
      sources: searchSources,
      query: (conditions) => or(conditions),
      fallback: { sources: whereSources, query: (conditions) => `${prefilter}\n| where ${or(conditions)}` },
    };
  },
};
