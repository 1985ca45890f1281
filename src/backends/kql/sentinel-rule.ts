import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { attackOf } from '../../rule/attack-tags.js';
import type { SigmaRule } from '../../rule/model.js';

/** Sentinel's four severities for Sigma's five levels (critical has no level of its own). */
const SEVERITY: Record<string, string> = { informational: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' };

/** Sentinel's tactic names (the ATT&CK names without spaces: Command and Control → CommandAndControl). */
const sentinelTactic = (name: string) => name.replace(/\b\w/g, (c) => c.toUpperCase()).replace(/\s+/g, '');

/** A stable GUID for a rule without a UUID id (Sentinel requires one): from its title and file. */
function guidOf(rule: SigmaRule): string {
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
export function sentinelAnalyticsRule(rule: SigmaRule, query: string, schedule: ScheduleOptions): string {
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
    entityMappings: [{ entityType: 'Host', fieldMappings: [{ identifier: 'FullName', columnName: 'Computer' }] }],
    version: '1.0.0',
    kind: 'Scheduled',
  };
  return stringify(doc, { lineWidth: 0 });
}
