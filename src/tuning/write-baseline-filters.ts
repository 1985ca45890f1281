import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { SigmaRule } from '../rule/model.js';
import type { Activity, EntryTest } from './learn-baseline.js';

export interface BaselineMinimums {
  /** Fewest events for an entry (default 1). */
  readonly minCount: number;
  /** Fewest distinct hosts for an entry (default 1). */
  readonly minHosts: number;
}

export interface BaselineFile {
  /** File name, `mf_baseline_<rule file name>.yml`. */
  readonly name: string;
  readonly rule: SigmaRule;
  readonly entries: readonly Activity[];
  readonly text: string;
}

/** A YAML single-quoted string: backslashes stay as they are, a quote is doubled. */
export const yamlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

const iso = (ms: number | undefined) => (ms === undefined ? 'unknown' : new Date(ms).toISOString().replace(/\.000Z$/, 'Z'));

/** A stable id for an entry, so a baseline learned again from the same logs gives the same files (a name-based UUID, version 5 layout). */
export function entryId(rule: SigmaRule, a: Activity): string {
  return nameUuid(`${rule.id ?? rule.title}\n${a.summary}\n${JSON.stringify(a.tests)}`);
}

/** A name-based UUID of the text (the version 5 layout over SHA-1): the same text, the same id. */
export function nameUuid(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A filter document's logsource (the rule's) and the head of its `filter:` naming the rule, up to `selection:`. */
export function filterHeadLines(rule: SigmaRule): string[] {
  return [
    'logsource:',
    ...(['category', 'product', 'service'] as const).filter((k) => rule.logsource[k] !== undefined).map((k) => `    ${k}: ${rule.logsource[k] as string}`),
    'filter:',
    '    rules:',
    `        - ${rule.id ?? yamlString(rule.title)}`,
    '    selection:',
  ];
}

function testLines(t: EntryTest): string[] {
  if (t.kind === 'cidr') return [`        ${t.field}|cidr:`, ...t.ranges.map((r) => `            - ${yamlString(r)}`)];
  const v = t.value === null ? 'null' : typeof t.value === 'number' ? String(t.value) : yamlString(t.value);
  const mods = t.modifiers ?? '';
  // A generalised value is a regular expression; the comment shows it with * where it varied.
  return [...(mods !== '' ? [`        # ${t.field}: ${t.shown.replace(/\n/g, ' ')}`] : []), `        ${t.field}${mods}: ${v}`];
}

/** One known-good entry as a Sigma filter document: `condition: not selection`, so the alert stands unless it is this activity. */
export function renderFilterDocument(a: Activity): string {
  const rule = a.rule;
  const hosts = a.hosts.length <= 5 ? a.hosts.join(', ') : `${a.hosts.slice(0, 5).join(', ')}, ...`;
  const lines = [
    `# ${a.count} event${a.count === 1 ? '' : 's'} on ${a.hosts.length} host${a.hosts.length === 1 ? '' : 's'} (${hosts}), first seen ${iso(a.first)}, last seen ${iso(a.last)}`,
  ];
  if (a.destination === 'dns') lines.push(`# destination ${a.domain ?? '?'} (from DNS): a filter sees only the event, so the entry names the networks it resolved to`);
  if (a.destination === 'network') lines.push('# destination: no host name or DNS answer was seen, so the entry names the network of the address');
  lines.push(
    `title: ${yamlString(`Known good: ${a.summary}`.slice(0, 256))}`,
    `id: ${entryId(rule, a)}`,
    `description: ${yamlString(`Learned by sigmatch baseline: ${rule.title}. Review before use: every alert of this rule matching the selection is suppressed.`)}`,
    ...filterHeadLines(rule),
    ...a.tests.flatMap(testLines),
    '    condition: not selection',
  );
  return lines.join('\n') + '\n';
}

const keeps = (a: Activity, m: BaselineMinimums) => a.count >= m.minCount && a.hosts.length >= m.minHosts;

/**
 * The filter files of a baseline, one per rule (one document per activity); the activities left out by the
 * minimums; and the rules whose alerts carried no field that defines an activity (not learned: see Activity.describable).
 */
export function renderBaselineFilters(activities: readonly Activity[], minimums: BaselineMinimums): { files: BaselineFile[]; leftOut: Activity[]; undescribed: Activity[] } {
  const byRule = new Map<SigmaRule, Activity[]>();
  const leftOut: Activity[] = [];
  const undescribed: Activity[] = [];
  for (const a of activities) {
    if (!a.describable) {
      undescribed.push(a);
      continue;
    }
    if (!keeps(a, minimums)) {
      leftOut.push(a);
      continue;
    }
    const list = byRule.get(a.rule);
    if (list === undefined) byRule.set(a.rule, [a]);
    else list.push(a);
  }
  const names = new Set<string>();
  const files: BaselineFile[] = [];
  for (const [rule, entries] of byRule) {
    const stem = basename(rule.file).replace(/\.ya?ml$/i, '').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
    let name = `mf_baseline_${stem}.yml`;
    if (names.has(name)) name = `mf_baseline_${stem}_${(rule.id ?? String(names.size)).slice(0, 8)}.yml`;
    names.add(name);
    const head = `# Known-good activity of '${rule.title}' (${rule.id ?? 'no id'}), learned by sigmatch baseline.\n# One filter per activity; delete an entry to alert on it again.\n`;
    files.push({ name, rule, entries, text: head + entries.map(renderFilterDocument).join('---\n') });
  }
  return { files, leftOut, undescribed };
}
