import type { ValueTest } from '../../compile/ir.js';
import type { BackendSpec, RulePlacement } from '../backend-spec.js';
import { Refusal } from '../dialect.js';
import { DEFENDER_CATEGORIES, DEFENDER_TABLES, DEFENDER_UNMAPPED, INBOUND_ACTIONS, OUTBOUND_ACTIONS, type DefenderCategory } from './defender-tables.js';
import type { KqlField } from './kql-columns.js';
import { kqlDialect } from './kql-dialect.js';
import { kqlName, kqlString } from './kql-text.js';

const COLUMNS = new Map(DEFENDER_TABLES.map((t) => [t.name, t.columns]));

/**
 * Defender XDR advanced hunting: the table is the rule's logsource category (its ActionType values where the
 * table holds more than that category), Sysmon field names become the table's columns. The table selects the
 * events, so the pipeline's Channel/EventID condition is not rendered; a rule whose logsource has no table, or a
 * field with no exact column, is refused.
 */
export const KQL_DEFENDER: BackendSpec = {
  summary: 'Microsoft Defender XDR advanced hunting: the Device* table of the rule\'s logsource category',
  extension: 'kql',
  place: (rule): RulePlacement => {
    const { category, service } = rule.logsource;
    if (category === undefined) return { kind: 'refused', code: 'convert-logsource', reason: `logsource ${JSON.stringify(rule.logsource)}: Defender XDR has no table for ${service === undefined ? 'a logsource without a category' : `service '${service}'`}` };
    const mapped = DEFENDER_CATEGORIES[category];
    if (mapped === undefined) {
      const why = DEFENDER_UNMAPPED[category] ?? 'Defender XDR has no table for it';
      return { kind: 'refused', code: 'convert-logsource', reason: `logsource category '${category}': ${why}` };
    }
    const dialect = kqlDialect({ field: (name) => column(mapped, name, category), special: (name, test) => (name === 'Initiated' && mapped.table === 'DeviceNetworkEvents' ? initiated(test) : undefined) });
    const actions = mapped.actions === undefined ? '' : `\n| where ActionType in (${mapped.actions.map(kqlString).join(', ')})`;
    return { kind: 'placed', sources: [{ dialect, fields: {} }], query: ([condition]) => `${mapped.table}${actions}\n| where ${condition}` };
  },
};

function column(mapped: DefenderCategory, name: string, category: string): KqlField {
  const col = mapped.fields[name];
  const type = col === undefined ? undefined : COLUMNS.get(mapped.table)?.[col];
  if (col === undefined || type === undefined) throw new Refusal('convert-field', `field '${name}' has no exact column in ${mapped.table} (logsource category '${category}')`);
  return { kind: 'column', expr: kqlName(col), type };
}

/** Sysmon's Initiated ('true' outbound, 'false' inbound) as the ActionType values of those connections; never dropped. */
function initiated(test: ValueTest): string {
  const value = test.kind === 'eq' ? test.value.trim().toLowerCase() : test.kind === 'bool' ? String(test.value) : undefined;
  const actions = value === 'true' ? OUTBOUND_ACTIONS : value === 'false' ? INBOUND_ACTIONS : undefined;
  if (actions === undefined) throw new Refusal('convert-field', `field 'Initiated' is mapped for the values true and false only (to DeviceNetworkEvents' ActionType), not for this ${test.kind} test`);
  return `ActionType in (${actions.map(kqlString).join(', ')})`;
}
