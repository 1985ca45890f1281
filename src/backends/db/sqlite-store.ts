import Database from 'better-sqlite3';
import { EVENTS_TABLE, eventsTableDdl, type EventRow } from '../sql/events-table.js';
import { eventRowsSql, storedRow, type EventStore, type StoredEventRow } from './event-store.js';

/** The events table in a SQLite database file (or ':memory:'). */
export class SqliteStore implements EventStore {
  readonly target = 'sqlite';
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): SqliteStore {
    return new SqliteStore(new Database(path));
  }

  async createTable(fresh: boolean): Promise<void> {
    if (fresh) this.db.exec(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    this.db.exec(eventsTableDdl('sqlite'));
  }

  async insert(rows: readonly EventRow[]): Promise<void> {
    const stmt = this.db.prepare(
      `INSERT INTO ${EVENTS_TABLE} (record_id, source_file, source_record, event_time, host, channel, event_id, event) VALUES (@record_id, @source_file, @source_record, @event_time, @host, @channel, @event_id, jsonb(@event))`,
    );
    this.db.transaction((all: readonly EventRow[]) => {
      for (const r of all) stmt.run(r);
    })(rows);
  }

  async recordIds(query: string): Promise<number[]> {
    return this.db
      .prepare(query)
      .all()
      .map((row) => Number((row as { record_id: number | bigint }).record_id));
  }

  async eventRows(query: string | undefined): Promise<StoredEventRow[]> {
    return this.db.prepare(eventRowsSql('json(s.event)', 'CAST(round((julianday(s.event_time) - 2440587.5) * 86400000) AS INTEGER)', query)).all().map((r) => storedRow(r as Record<string, unknown>));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
