import { convertRule } from '../backends/convert-rule.js';
import type { EventStore, StoredEventRow } from '../backends/db/event-store.js';
import { BACKENDS } from '../backends/registry.js';
import { EVENTS_TABLE } from '../backends/sql/events-table.js';
import { eventHits, type Hit } from '../engine/alert.js';
import type { MatchBatch } from '../engine/hunt-session.js';
import { contextEntryOf, packEntry } from '../engine/process-context.js';
import type { Event, FieldValue } from '../event/event.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { applyFilters } from '../rule/apply-filters.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';

export interface DatabaseQueries {
  /** Each convertible rule's query, with the rule's index into the hunt's rule list. */
  readonly queries: ReadonlyArray<{ readonly rule: number; readonly query: string }>;
  /** Rules the target could not express exactly, with why: they do not run. */
  readonly refused: ReadonlyMap<SigmaRule, string>;
}

export interface DatabaseMatches {
  /** The matches as one batch for the hunt session: hits in record order (one event's hits together), context entries. */
  readonly batch: MatchBatch;
  readonly contextEvents: number;
}

/** A stored row back as the event the engine matched (the table holds the fields after the Windows pipeline). */
function rowEvent(row: StoredEventRow): Event {
  const fields = JSON.parse(row.event) as { [k: string]: FieldValue };
  const source = { file: row.source_file ?? EVENTS_TABLE, ...(row.source_record !== null ? { record: row.source_record } : {}) };
  return { fields, source, ...(row.time_ms !== null ? { timestamp: row.time_ms } : {}) };
}

/** `hunt --db`'s rules for the database's target: filters rewritten into each rule, as for `convert`. */
export function convertForDatabase(target: EventStore['target'], rules: readonly SigmaRule[], filters: readonly SigmaFilter[]): DatabaseQueries {
  const backend = BACKENDS[target];
  const refused = new Map<SigmaRule, string>();
  const queries: Array<{ rule: number; query: string }> = [];
  for (const [index, rule] of rules.entries()) {
    const converted = convertRule(applyFilters(rule, filters).rule, backend, target, resolveWindowsLogsource);
    if (converted.query === undefined) refused.set(rule, converted.diagnostics.map((d) => d.message.replace(/^rule '.*?' \(.*?\): /, '')).join('; '));
    else queries.push({ rule: index, query: converted.query });
  }
  return { queries, refused };
}

/**
 * `hunt --db`'s matching: the converted rules run in the database. What comes back is what a file hunt's reader
 * hands the hunt session: the hits (rule index, the slim event, its JSON when `eventJson`) and the process starts and
 * DNS answers of the same table (Sysmon 1, 22, Security 4688, by the event_id column) as context entries.
 * Everything after matching (process context, correlations, grouping, sorting, output) is the file hunt's.
 *
 * The queries run on every connection in `stores` at once (the first is the one the rest came from), each taking the
 * next query when its last is done; their rows are taken in query order, so the result is the one connection's.
 */
export async function matchInDatabase(
  stores: readonly EventStore[],
  queries: DatabaseQueries['queries'],
  options: { readonly eventJson: boolean; readonly fields: readonly string[] },
): Promise<DatabaseMatches> {
  const store = stores[0];
  if (store === undefined) throw new Error('matchInDatabase: no connection');
  // Per matched record: its event and the indexes of the rules that matched it.
  const matched = new Map<number, { event: Event; rules: number[] }>();
  // Rows of queries done out of order wait here until the queries before them are taken.
  const done = new Map<number, StoredEventRow[]>();
  let taken = 0;
  const take = () => {
    for (let rows = done.get(taken); rows !== undefined; rows = done.get(taken)) {
      done.delete(taken);
      const rule = (queries[taken] as { rule: number }).rule;
      for (const row of rows) {
        const m = matched.get(row.record_id);
        if (m === undefined) matched.set(row.record_id, { event: rowEvent(row), rules: [rule] });
        else m.rules.push(rule);
      }
      taken++;
    }
  };
  // A query that fails stops the others taking more; its error is thrown once every connection is idle.
  let next = 0;
  const settled = await Promise.allSettled(
    stores.map(async (s) => {
      while (next < queries.length) {
        const i = next++;
        try {
          done.set(i, await s.eventRows((queries[i] as { query: string }).query));
        } catch (e) {
          next = queries.length;
          throw e;
        }
        take();
      }
    }),
  );
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const hits: Hit[] = [];
  for (const [, m] of [...matched].sort((a, b) => a[0] - b[0])) hits.push(...eventHits(m.rules, m.event, options.eventJson, options.fields));
  const contextRows = hits.length === 0 ? [] : await store.eventRows(`SELECT record_id FROM ${EVENTS_TABLE} WHERE event_id IN (1, 22, 4688)`);
  const context: string[] = [];
  for (const row of contextRows) {
    const entry = contextEntryOf(rowEvent(row));
    if (entry !== undefined) context.push(packEntry(entry).line);
  }
  const [events] = await store.recordIds(`SELECT COUNT(*) AS record_id FROM ${EVENTS_TABLE}`);
  return { batch: { events: events ?? 0, context: context.join('\n'), hits }, contextEvents: contextRows.length };
}
