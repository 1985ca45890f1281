import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { attackOf } from '../../rule/attack-tags.js';
import type { RuleMetadata, SigmaCorrelation } from '../../rule/model.js';

/** What an analytics rule is made from: a rule's or a correlation's metadata and its file. */
type Source = RuleMetadata & { readonly file: string };

/** Sentinel's four severities for Sigma's five levels (critical has no level of its own). */
const SEVERITY: Record<string, string> = { informational: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' };

/** Sentinel's tactic names (the ATT&CK names without spaces: Command and Control → CommandAndControl). */
const sentinelTactic = (name: string) => name.replace(/\b\w/g, (c) => c.toUpperCase()).replace(/\s+/g, '');

/** A stable GUID for a rule without a UUID id (Sentinel requires one): from its title and file. */
function guidOf(rule: Source): string {
  if (rule.id !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rule.id)) return rule.id.toLowerCase();
  const h = createHash('sha256').update(`${rule.file}\u0000${rule.title}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The tables a kql-sentinel query reads (its first pipe's source, or each `union` leg's). */
export function sentinelTables(query: string): string[] {
  const found = new Set<string>();
  for (const m of query.matchAll(/(?:^|\(\s*)(SecurityEvent|Event)\b/gm)) found.add(m[1] as string);
  return [...found].sort();
}

export interface ScheduleOptions {
  /** How often the rule runs, and how far back each run looks (Sentinel's duration form: 5m, 1h, 1d). */
  readonly frequency: string;
  readonly period: string;
}

/**
 * One rule as a Microsoft Sentinel scheduled analytics rule, in the YAML form of the Azure-Sentinel repository:
 * id, name, description, severity, requiredDataConnectors (SecurityEvent's connectors; the Event table has no
 * Sentinel connector of its own: its channels come from the Windows event collection of the agent), schedule,
 * trigger (any row), tactics and relevantTechniques from the rule's ATT&CK tags (offline), the query, a Host
 * entity from Computer (a column of both tables the queries read), version and kind.
 */
export function sentinelAnalyticsRule(rule: Source, query: string, schedule: ScheduleOptions, hostColumn: string | undefined = 'Computer'): string {
  const attack = attackOf(rule.tags);
  const tables = sentinelTables(query);
  const description = [rule.description?.trim() ?? rule.title, `Converted by sigmatch from the Sigma rule ${rule.id ?? rule.title} (${rule.file}).`].join('\n');
  const doc = {
    id: guidOf(rule),
    name: rule.title,
    description,
    severity: SEVERITY[rule.level ?? 'medium'] ?? 'Medium',
    requiredDataConnectors: tables.includes('SecurityEvent')
      ? [
          { connectorId: 'SecurityEvents', dataTypes: ['SecurityEvent'] },
          { connectorId: 'WindowsSecurityEvents', dataTypes: ['SecurityEvent'] },
        ]
      : [],
    queryFrequency: schedule.frequency,
    queryPeriod: schedule.period,
    triggerOperator: 'gt',
    triggerThreshold: 0,
    tactics: attack.tactics.map(([, , name]) => sentinelTactic(name)),
    relevantTechniques: attack.techniques,
    query,
    ...(hostColumn !== undefined ? { entityMappings: [{ entityType: 'Host', fieldMappings: [{ identifier: 'FullName', columnName: hostColumn }] }] } : {}),
    version: '1.0.0',
    kind: 'Scheduled',
  };
  return stringify(doc, { lineWidth: 0 });
}

/** A Sentinel duration (the YAML form's `5m`, `1h`, `1d`) in seconds. */
function seconds(d: string): number {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (m === null) throw new Error(`not a Sentinel duration: ${d}`);
  return Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as 'm' | 'h' | 'd'];
}

/** Sentinel's longest lookback. */
const MAX_PERIOD_S = 14 * 86400;

/**
 * A converted correlation as a scheduled analytics rule. Each run looks back its schedule plus the correlation's
 * timespan (so a window that ends in the last schedule has all of its events) and alerts on the firings whose window
 * ended in the last schedule (and not after now: a window still open waits for the run after its end), so consecutive
 * runs alert on each firing once. The firings are the query's own (the
 * engine's semantics over the events of that lookback); a firing that a hunt over all history would see differently
 * because of an earlier firing (its events consumed) older than the lookback can differ. Host entity: the
 * `Computer` group-by column when the correlation groups by it.
 */
export function sentinelCorrelationRule(c: SigmaCorrelation, query: string, schedule: { readonly frequency: string }): string | { readonly reason: string } {
  const every = seconds(schedule.frequency);
  const period = every + c.timespan;
  if (period > MAX_PERIOD_S) return { reason: `its timespan plus the schedule (${period} s) is longer than Sentinel's longest lookback (14 days)` };
  const periodText = period % 86400 === 0 ? `${period / 86400}d` : period % 3600 === 0 ? `${period / 3600}h` : `${Math.ceil(period / 60)}m`;
  // Windows that ended in the last schedule: not before (the run before alerted on them), not after now (a window still
  // open is judged by the run after its end, with all of its events).
  const ms = (t: string) => `tolong((${t} - datetime(1970-01-01)) / 1ms)`;
  const recent = `${query}\n| where window_end_ms > ${ms(`ago(${schedule.frequency})`)} and window_end_ms <= ${ms('now()')}`;
  return sentinelAnalyticsRule(c, recent, { frequency: schedule.frequency, period: periodText }, c.groupBy.includes('Computer') ? 'Computer' : undefined);
}
