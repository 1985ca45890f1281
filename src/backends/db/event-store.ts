import type { EventRow } from '../sql/events-table.js';

/** A database holding the events table: rows go in, a converted query's matched record ids come out. */
export interface EventStore {
  readonly target: 'postgres' | 'duckdb' | 'sqlite';
  /** Creates the events table (dropping one of that name first when `fresh`). */
  createTable(fresh: boolean): Promise<void>;
  insert(rows: readonly EventRow[]): Promise<void>;
  /** Runs a converted query and returns the record_id column of its rows, in order. */
  recordIds(query: string): Promise<number[]>;
  close(): Promise<void>;
}
