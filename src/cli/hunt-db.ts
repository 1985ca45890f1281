import { convertRule } from '../backends/convert-rule.js';
import type { EventStore, StoredEventRow } from '../backends/db/event-store.js';
import { BACKENDS } from '../backends/registry.js';
import { EVENTS_TABLE } from '../backends/sql/events-table.js';
import { makeAlert, type Alert } from '../engine/alert.js';
import { contextEntryOf, contextQueryOf, keysOf, resolveContext, type ContextEntry, type EntryLookup } from '../engine/process-context.js';
import type { Event, FieldValue } from '../event/event.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { applyFilters } from '../rule/apply-filters.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';

export interface DatabaseHunt {
  readonly alerts: readonly Alert[];
  /** Rules the target could not express exactly, with why: they did not run. */
  readonly refused: ReadonlyArray<{ readonly rule: SigmaRule; readonly reason: string }>;
  readonly ran: number;
  readonly contextEvents: number;
}

/** A stored row back as the event the engine matched (the table holds the fields after the Windows pipeline). */
function rowEvent(row: StoredEventRow): Event {
  const fields = JSON.parse(row.event) as { [k: string]: FieldValue };
  const source = { file: row.source_file ?? EVENTS_TABLE, ...(row.source_record !== null ? { record: row.source_record } : {}) };
  return { fields, source, ...(row.time_ms !== null ? { timestamp: row.time_ms } : {}) };
}

/**
 * `hunt --db`: every rule converted for the database's target (filters rewritten into the rule, as for
 * `convert`) and run there; each matched row becomes an alert with its process and domain resolved from the
 * same table's process starts and DNS answers (Sysmon 1, 22, Security 4688, selected by the event_id column).
 */
export async function huntDatabase(store: EventStore, rules: readonly SigmaRule[], filters: readonly SigmaFilter[]): Promise<DatabaseHunt> {
  const backend = BACKENDS[store.target];
  const refused: Array<{ rule: SigmaRule; reason: string }> = [];
  const matched: Array<{ rule: SigmaRule; event: Event }> = [];
  let ran = 0;
  for (const rule of rules) {
    const converted = convertRule(applyFilters(rule, filters).rule, backend, store.target, resolveWindowsLogsource);
    if (converted.query === undefined) {
      refused.push({ rule, reason: converted.diagnostics.map((d) => d.message.replace(/^rule '.*?' \(.*?\): /, '')).join('; ') });
      continue;
    }
    ran++;
    for (const row of await store.eventRows(converted.query)) matched.push({ rule, event: rowEvent(row) });
  }
  // Process context from the same table: its process starts and DNS answers.
  const byKey = new Map<string, ContextEntry[]>();
  const contextRows = matched.length === 0 ? [] : await store.eventRows(`SELECT record_id FROM ${EVENTS_TABLE} WHERE event_id IN (1, 22, 4688)`);
  for (const row of contextRows) {
    const entry = contextEntryOf(rowEvent(row));
    if (entry === undefined) continue;
    for (const k of keysOf(entry)) {
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [entry]);
      else list.push(entry);
    }
  }
  const lookup: EntryLookup = (key) => byKey.get(key);
  const alerts: Alert[] = matched.map(({ rule, event }) => {
    const q = contextQueryOf(event);
    return makeAlert(rule, event, q.namesProcess, resolveContext(q, lookup));
  });
  // Time order, ties in rule then record order (the order they were found).
  const order = alerts.map((a, i) => ({ a, i }));
  order.sort((x, y) => (x.a.event.timestamp ?? 0) - (y.a.event.timestamp ?? 0) || x.i - y.i);
  return { alerts: order.map((o) => o.a), refused, ran, contextEvents: contextRows.length };
}
