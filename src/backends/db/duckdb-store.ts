import { DuckDBInstance, timestampTZValue, type DuckDBConnection } from '@duckdb/node-api';
import { EVENTS_TABLE, eventsTableDdl, type EventRow } from '../sql/events-table.js';
import { eventRowsSql, storedRow, type EventStore, type StoredEventRow } from './event-store.js';

/** The events table in a DuckDB database file (or ':memory:'), written through the appender. */
export class DuckDbStore implements EventStore {
  readonly target = 'duckdb';
  /** Inserts since the last commit are in an open transaction (see EventStore.commit). */
  private open = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** `threads` caps DuckDB's worker threads (default: one per core). */
  static async open(path: string, options: { threads?: number } = {}): Promise<DuckDbStore> {
    const instance = await DuckDBInstance.create(path, options.threads === undefined ? undefined : { threads: String(options.threads) });
    return new DuckDbStore(instance, await instance.connect());
  }

  async createTable(fresh: boolean): Promise<void> {
    if (fresh) await this.connection.run(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    await this.connection.run(eventsTableDdl('duckdb'));
  }

  async insert(rows: readonly EventRow[]): Promise<void> {
    if (!this.open) {
      await this.connection.run('BEGIN TRANSACTION');
      this.open = true;
    }
    const appender = await this.connection.createAppender(EVENTS_TABLE);
    // Plain branches, no closure per value: a load appends eight values a row.
    for (const r of rows) {
      appender.appendBigInt(BigInt(r.record_id));
      if (r.source_file === null) appender.appendNull();
      else appender.appendVarchar(r.source_file);
      if (r.source_record === null) appender.appendNull();
      else appender.appendBigInt(BigInt(r.source_record));
      if (r.event_time === null) appender.appendNull();
      else appender.appendTimestampTZ(timestampTZValue(BigInt(Date.parse(r.event_time) * 1000)));
      if (r.host === null) appender.appendNull();
      else appender.appendVarchar(r.host);
      if (r.channel === null) appender.appendNull();
      else appender.appendVarchar(r.channel);
      if (r.event_id === null) appender.appendNull();
      else appender.appendInteger(r.event_id);
      appender.appendVarchar(r.event);
      appender.endRow();
    }
    appender.closeSync();
  }

  async commit(): Promise<void> {
    if (!this.open) return;
    await this.connection.run('COMMIT');
    this.open = false;
  }

  async recordIds(query: string): Promise<number[]> {
    const reader = await this.connection.runAndReadAll(query);
    return reader.getRowObjects().map((row) => Number(row['record_id'] as bigint));
  }

  async eventRows(query: string | undefined): Promise<StoredEventRow[]> {
    return (await this.connection.runAndReadAll(eventRowsSql('CAST(s.event AS VARCHAR)', 'epoch_ms(s.event_time)', query))).getRowObjects().map((r) => storedRow(r as Record<string, unknown>));
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
