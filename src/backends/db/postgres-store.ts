import pg from 'pg';
import { EVENTS_TABLE, eventsTableDdl, type EventRow } from '../sql/events-table.js';
import { eventRowsSql, storedRow, type EventStore, type StoredEventRow } from './event-store.js';

/** The events table in a PostgreSQL database (a connection string: postgres://user@host:port/db). */
export class PostgresStore implements EventStore {
  readonly target = 'postgres';
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<PostgresStore> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // A converted rule is one large expression: JIT-compiling it costs seconds where running it costs milliseconds.
    await client.query('SET jit = off');
    return new PostgresStore(client);
  }

  async createTable(fresh: boolean): Promise<void> {
    if (fresh) await this.client.query(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    await this.client.query(eventsTableDdl('postgres'));
  }

  /** One statement a batch: the rows as one JSON array expanded by json_populate_recordset (no per-row round trip). */
  async insert(rows: readonly EventRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 2000) {
      const batch = rows.slice(i, i + 2000);
      const json = `[${batch.map(rowJson).join(',')}]`;
      await this.client.query(`INSERT INTO ${EVENTS_TABLE} SELECT * FROM json_populate_recordset(NULL::${EVENTS_TABLE}, $1::json)`, [json]);
    }
  }

  async recordIds(query: string): Promise<number[]> {
    const r = await this.client.query<{ record_id: string }>(query);
    return r.rows.map((row) => Number(row.record_id));
  }

  async eventRows(query: string | undefined): Promise<StoredEventRow[]> {
    return (await this.client.query<Record<string, unknown>>(eventRowsSql('s.event::text', 'floor(extract(epoch from s.event_time) * 1000)', query))).rows.map(storedRow);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** A row as a JSON object whose `event` is the fields object itself (not a string), for json_populate_recordset. */
function rowJson(row: EventRow): string {
  const { event, ...rest } = row;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"event":${event}}`;
}
