import { basename } from 'node:path';
import type { FieldValue } from '../event/event.js';
import type { SigmaRule } from '../rule/model.js';
import { toSigmaValue } from './generalise.js';
import { filterHeadLines, nameUuid, yamlString } from './write-baseline-filters.js';

/** One field of the alert's event a suppression can test, with the value it had. */
export interface SuppressionField {
  readonly name: string;
  readonly value: string;
}

/**
 * Fields that differ on every event (ids, times, ports, the record's own envelope): a suppression on them would
 * suppress this one alert and nothing else, so they are not offered.
 */
const PER_EVENT = new Set(
  [
    'EventRecordID', 'EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'Channel', 'Provider_Name', 'Provider_Guid', 'Provider_EventSourceName',
    'TimeCreated', 'TimeCreated_SystemTime', 'UtcTime', 'CreationUtcTime', 'PreviousCreationUtcTime', 'Execution_ProcessID', 'Execution_ThreadID',
    'Security_UserID', 'ProcessGuid', 'ProcessId', 'ParentProcessGuid', 'ParentProcessId', 'SourceProcessGuid', 'SourceProcessId', 'TargetProcessGuid',
    'TargetProcessId', 'LogonGuid', 'LogonId', 'SourcePort', 'SourceIsIpv6', 'DestinationIsIpv6', 'RuleName', 'SequenceNumber', 'Correlation_ActivityID',
    'Correlation_RelatedActivityID', 'NewProcessId', 'SubjectLogonId', 'TargetLogonId',
  ].map((f) => f.toLowerCase()),
);

/** The fields a suppression picks by default, best first; the first target-like one that the event has joins Image. */
const TARGETS = ['DestinationHostname', 'QueryName', 'DestinationIp', 'TargetFilename', 'TargetObject', 'ImageLoaded', 'ParentImage', 'CommandLine'];

/** The event's fields a suppression can test: single text or number values, not per-event ids, in the event's order. */
export function suppressionCandidates(fields: { readonly [k: string]: FieldValue }): SuppressionField[] {
  const out: SuppressionField[] = [];
  for (const [name, v] of Object.entries(fields)) {
    // Only names that stand as a plain YAML key and a Sigma field name.
    if (PER_EVENT.has(name.toLowerCase()) || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const value = String(v);
    if (value === '' || value === '-' || value.length > 1000) continue;
    out.push({ name, value });
  }
  return out;
}

/** The default choice: the process image and the first target the event names (where it went, what it wrote); else the host. */
export function defaultSuppressionFields(candidates: readonly SuppressionField[]): string[] {
  const has = new Set(candidates.map((c) => c.name));
  const chosen = [...(has.has('Image') ? ['Image'] : []), ...TARGETS.filter((t) => has.has(t)).slice(0, 1)];
  return chosen.length > 0 ? chosen : has.has('Computer') ? ['Computer'] : candidates.slice(0, 1).map((c) => c.name);
}

export interface SuppressionFilter {
  readonly id: string;
  readonly title: string;
  /** The file name the filter is written to (`sf_<rule file>_<id>.yml`). */
  readonly file: string;
  readonly yaml: string;
}

/** Who made the suppression, from which alert, and why: written as comments and the description. */
export interface SuppressionOrigin {
  readonly alertId: string;
  readonly who: string;
  readonly at: number;
  readonly comment?: string;
}

/** The same rule and tests (values without case): the same id, so the same suppression is the same file. */
const suppressionId = (rule: SigmaRule, tests: readonly SuppressionField[]): string => nameUuid(`suppression\n${rule.id ?? rule.title}\n${JSON.stringify(tests.map((t) => [t.name, t.value.toLowerCase()]))}`);

/**
 * The Sigma filter that suppresses the rule's alerts whose event has every chosen field equal to the alert's value
 * (Sigma's equality: case-insensitive, wildcards in the value escaped): `condition: not selection`.
 */
export function renderSuppressionFilter(rule: SigmaRule, tests: readonly SuppressionField[], origin: SuppressionOrigin): SuppressionFilter {
  const id = suppressionId(rule, tests);
  const summary = tests.map((t) => `${t.name}=${t.value}`).join(', ');
  const title = `Suppressed: ${rule.title} where ${summary}`.slice(0, 256);
  const stem = basename(rule.file).replace(/\.ya?ml$/i, '').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const note = origin.comment === undefined || origin.comment === '' ? '' : ` Reason: ${origin.comment}`;
  const lines = [
    `# Made from alert ${origin.alertId} by ${origin.who} at ${new Date(origin.at).toISOString()} (sigmatch serve); delete this file to alert again.`,
    `title: ${yamlString(title)}`,
    `id: ${id}`,
    `description: ${yamlString(`Suppression made from an alert of '${rule.title}': every alert of the rule whose event has these values is suppressed.${note}`.replace(/\n/g, ' '))}`,
    ...filterHeadLines(rule),
    ...tests.map((t) => `        ${t.name}: ${yamlString(toSigmaValue([{ kind: 'text', text: t.value }]))}`),
    '    condition: not selection',
  ];
  return { id, title, file: `sf_${stem}_${id.slice(0, 8)}.yml`, yaml: lines.join('\n') + '\n' };
}
