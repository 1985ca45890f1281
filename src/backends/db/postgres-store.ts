import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { EVENTS_TABLE, eventsTableDdl, type EventRow } from '../sql/events-table.js';
import { encodeRows, type RowBytes } from '../../event/row-bytes.js';
import { eventRowsSql, storedRow, type EventStore, type StoredEventRow } from './event-store.js';

/** The events table in a PostgreSQL database (a connection string: postgres://user@host:port/db). */
export class PostgresStore implements EventStore {
  readonly target = 'postgres';
  private constructor(
    private readonly client: pg.Client,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<PostgresStore> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // A converted rule is one large expression: JIT-compiling it costs seconds where running it costs milliseconds.
    await client.query('SET jit = off');
    return new PostgresStore(client, url);
  }

  /** A connection of its own: the server runs each connection's query in a process of its own. */
  another(): Promise<PostgresStore> {
    return PostgresStore.connect(this.url);
  }

  async createTable(fresh: boolean): Promise<void> {
    if (fresh) await this.client.query(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    await this.client.query(eventsTableDdl('postgres'));
  }

  readonly rowFormat = 'pg-binary';

  async insert(rows: readonly EventRow[]): Promise<void> {
    await this.insertBytes(encodeRows('pg-binary', rows));
  }

  /**
   * One COPY a batch, in COPY's binary format: the rows' tuples as they were written where they were read (see
   * RowEncoder; the text format escaped every backslash of every event's JSON, a regular-expression pass over each
   * value, and the server undid it), between COPY's header and trailer; the server parses each event's JSON once,
   * straight into JSONB, and no per-row round trip.
   */
  async insertBytes(parts: readonly RowBytes[]): Promise<void> {
    const copy = this.client.query(copyStreams.from(`COPY ${EVENTS_TABLE} (record_id, source_file, source_record, event_time, host, channel, event_id, event) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from([HEADER, ...parts.map((p) => Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength)), TRAILER]), copy);
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

/** COPY's binary header: the signature, no flags, no header extension; the trailer: a field count of -1. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TRAILER = Buffer.from([0xff, 0xff]);
