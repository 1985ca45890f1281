import { EVENTS_TABLE, type EventRow } from '../sql/events-table.js';
import type { RowBytes, RowFormat } from '../../event/row-bytes.js';

export interface StoredEventRow {
  readonly record_id: number;
  readonly source_file: string | null;
  readonly source_record: number | null;
  /** The fields as JSON text. */
  readonly event: string;
  /** event_time in ms since the epoch. */
  readonly time_ms: number | null;
}

/** The SELECT behind eventRows, given the target's cast of `event` to JSON text. */
export function eventRowsSql(eventText: string, timeMs: string, query: string | undefined): string {
  const where = query === undefined ? '' : ` WHERE s.record_id IN (SELECT record_id FROM (${query}) AS q)`;
  return `SELECT s.record_id, s.source_file, s.source_record, ${eventText} AS event, ${timeMs} AS time_ms FROM ${EVENTS_TABLE} AS s${where} ORDER BY s.record_id`;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A driver's row as a StoredEventRow (bigints and numeric strings as numbers). */
export function storedRow(row: Record<string, unknown>): StoredEventRow {
  return { record_id: Number(row['record_id']), source_file: (row['source_file'] as string | null) ?? null, source_record: num(row['source_record']), event: String(row['event']), time_ms: num(row['time_ms']) };
}

/** A database holding the events table: rows go in, a converted query's matched record ids come out. */
export interface EventStore {
  readonly target: 'postgres' | 'duckdb' | 'sqlite';
  /** Creates the events table (dropping one of that name first when `fresh`). */
  createTable(fresh: boolean): Promise<void>;
  /** Adds rows; durable when it returns, or once `commit` returns for a store that has it. */
  insert(rows: readonly EventRow[]): Promise<void>;
  /**
   * The bulk format of insertBytes, for a store that has one: `sigmatch load` then has each row written in it
   * where its event was read (worker threads), and the main thread only fills in record ids and hands the bytes on.
   */
  readonly rowFormat?: RowFormat;
  /** Adds rows given in `rowFormat`, record ids filled in, as `insert` does. */
  insertBytes?(parts: readonly RowBytes[]): Promise<void>;
  /**
   * Makes the inserts so far durable, for a store that holds them in one transaction (DuckDB: there a
   * transaction of many appends writes its row groups once, where each append committed alone goes through the
   * write-ahead log and is written again at the checkpoint). Closing without it discards them.
   */
  commit?(): Promise<void>;
  /**
   * Another connection to the same database, for queries run beside this one's (`hunt --db` runs its rules on
   * several); closing it leaves this one open. Absent where queries cannot run side by side (SQLite's client is
   * synchronous).
   */
  another?(): Promise<EventStore>;
  /** Runs a converted query and returns the record_id column of its rows, in order. */
  recordIds(query: string): Promise<number[]>;
  /**
   * The rows of the events table whose record ids the query returns (all rows when `query` is undefined), with
   * the event's fields as JSON text, in record order.
   */
  eventRows(query: string | undefined): Promise<StoredEventRow[]>;
  close(): Promise<void>;
}
