import { warning, type Diagnostic } from '../diagnostics.js';
import type { DetectionNode, SigmaRule } from '../rule/model.js';
import { HASH_FIELDS, SYSMON_CATEGORIES, SYSTEM_FIELDS } from './sysmon-schema.js';
import type { DetectionItem } from '../rule/model.js';

/**
 * Warns about a Windows rule testing a field its category's events never carry (Sysmon schema):
 * such an item can never match, which is why SigmaHQ parks several rules in unsupported/.
 */
export function checkRuleFields(rule: SigmaRule): Diagnostic[] {
  const ls = rule.logsource;
  if (ls.product === 'linux' && ls.service === 'auditd') return checkAuditdFields(rule);
  if (ls.product !== 'windows' || ls.category === undefined || ls.service !== undefined) return [];
  const schema = SYSMON_CATEGORIES[ls.category];
  if (schema === undefined) return [];
  const known = new Set([...schema.fields, ...SYSTEM_FIELDS, ...HASH_FIELDS]);
  const out: Diagnostic[] = [];
  const walk = (n: DetectionNode): void => {
    if (n.kind === 'item') {
      const f = n.item.field;
      if (f !== null && !known.has(f) && !f.includes('.') && !n.item.values.every((v) => v.kind === 'null' || (v.kind === 'exists' && !v.value))) {
        out.push(warning('field-unknown', `'${f}' is not a field of ${ls.category} events (Sysmon event ${schema.eventIds.join('/')}); it never matches unless events are enriched with process context`, n.item.span));
      }
    } else n.items.forEach(walk);
  };
  for (const d of rule.detections.values()) walk(d.node);
  return out;
}

/** Fields of the auditd record types rules select on; one auditd event is one record. */
const AUDITD_RECORDS: Readonly<Record<string, readonly string[]>> = {
  SYSCALL: ['type', 'arch', 'syscall', 'success', 'exit', 'a0', 'a1', 'a2', 'a3', 'items', 'ppid', 'pid', 'auid', 'uid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid', 'tty', 'ses', 'comm', 'exe', 'key', 'subj'],
  EXECVE: ['type', 'argc', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'],
  CWD: ['type', 'cwd'],
  PROCTITLE: ['type', 'proctitle'],
};

/** A selection fixing `type: SYSCALL` (etc.) that also tests fields of another record type can never match one record. */
function checkAuditdFields(rule: SigmaRule): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of rule.detections.values()) {
    const maps = d.node.kind === 'allOf' ? [d.node.items] : d.node.kind === 'anyOf' ? d.node.items.map((i) => (i.kind === 'allOf' ? i.items : [i])) : [[d.node]];
    for (const items of maps) {
      const fieldItems = items.filter((i): i is { kind: 'item'; item: DetectionItem } => i.kind === 'item').map((i) => i.item);
      const typeItem = fieldItems.find((i) => i.field === 'type' && i.values.length === 1 && i.values[0]?.kind === 'string');
      const typeValue = typeItem?.written[0]?.toUpperCase();
      const fields = typeValue === undefined ? undefined : AUDITD_RECORDS[typeValue];
      if (fields === undefined) continue;
      for (const i of fieldItems) {
        if (i.field !== null && !fields.includes(i.field)) {
          out.push(warning('field-unknown', `'${i.field}' is not a field of auditd ${typeValue} records, and one event is one record; this selection can never match`, i.span));
        }
      }
    }
  }
  return out;
}
