import { DuckDBDataChunk, DuckDBInstance, timestampTZValue, type DuckDBConnection, type DuckDBTimestampTZValue, type DuckDBVector } from '@duckdb/node-api';
import { EVENTS_TABLE, eventsTableDdl, type EventRow } from '../sql/events-table.js';
import { eventRowsSql, storedRow, type EventStore, type StoredEventRow } from './event-store.js';

/** Rows a data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/** The events table in a DuckDB database file (or ':memory:'), written through the appender. */
export class DuckDbStore implements EventStore {
  readonly target = 'duckdb';
  /** Inserts since the last commit are in an open transaction (see EventStore.commit). */
  private open = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Whether closing this store closes the database too (not for a connection made by `another`). */
    private readonly ownsInstance = true,
  ) {}

  /** A connection of its own on the same database: DuckDB runs the connections' queries side by side. */
  async another(): Promise<DuckDbStore> {
    return new DuckDbStore(this.instance, await this.instance.connect(), false);
  }

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
    // Whole data chunks, a vector a column: the numbers and times go into the vectors' arrays (no call per value),
    // the texts one call each; the appender takes a chunk in one call (its row-by-row appends cost a call per value,
    // a Value object per time and a call per row).
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    const chunk = DuckDBDataChunk.create(types);
    const size = Math.min(CHUNK_ROWS, rows.length);
    for (let start = 0; start < rows.length; start += size) {
      const n = Math.min(size, rows.length - start);
      chunk.reset();
      chunk.rowCount = n;
      const v = types.map((_, i) => chunk.getColumnVector(i));
      const [id, file, record, time, host, channel, eventId, event] = v as [DuckDBVector<bigint>, DuckDBVector<string>, DuckDBVector<bigint>, DuckDBVector<DuckDBTimestampTZValue>, DuckDBVector<string>, DuckDBVector<string>, DuckDBVector<number>, DuckDBVector<string>];
      for (let k = 0; k < n; k++) {
        const r = rows[start + k] as EventRow;
        id.setItem(k, BigInt(r.record_id));
        file.setItem(k, r.source_file);
        record.setItem(k, r.source_record === null ? null : BigInt(r.source_record));
        time.setItem(k, r.event_time === null ? null : timestampTZValue(BigInt(Date.parse(r.event_time) * 1000)));
        host.setItem(k, r.host);
        channel.setItem(k, r.channel);
        eventId.setItem(k, r.event_id);
        event.setItem(k, r.event);
      }
      for (const vector of v) vector.flush();
      appender.appendDataChunk(chunk);
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
    if (this.ownsInstance) this.instance.closeSync();
  }
}
