import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
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

  /**
   * One COPY a batch, in COPY's binary format: the rows go as length-prefixed bytes written straight into Buffers
   * (the text format escaped every backslash of every event's JSON, a regular-expression pass over each value, and
   * the server undid it); the server parses each event's JSON once, straight into JSONB, and no per-row round trip.
   */
  async insert(rows: readonly EventRow[]): Promise<void> {
    const copy = this.client.query(copyStreams.from(`COPY ${EVENTS_TABLE} (record_id, source_file, source_record, event_time, host, channel, event_id, event) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from(copyPieces(rows)), copy);
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

/** COPY's binary header: the signature, no flags, no header extension. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Rows a piece: about a megabyte each (one write per row would cost a stream round each). */
const PIECE = 800;
/** Milliseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01 (UTC); a time as microseconds since it stays exact in a double. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * The rows in COPY's binary format, PIECE rows a Buffer: per row its field count, then each field as its byte
 * length (-1 for NULL) and its bytes: int8, text, int8, timestamptz (microseconds since 2000), text, text, int4,
 * jsonb (version 1, then the JSON text). A string is written once, into room for its worst case (3 bytes per UTF-16
 * unit, in a buffer reused from piece to piece), its length filled in after. The trailer (-1) ends the last piece.
 */
/** The worst-case room of the last pieces, reused (each piece is copied out of it before it is yielded). */
let scratch = Buffer.alloc(0);

function* copyPieces(rows: readonly EventRow[]): Generator<Buffer> {
  let first = true;
  for (let i = 0; i < rows.length || first; i += PIECE) {
    const piece = rows.slice(i, i + PIECE);
    let room = first ? HEADER.length : 0;
    for (const r of piece) room += 2 + 8 * 4 + 8 + 8 + 8 + 4 + 1 + 3 * (r.event.length + (r.source_file?.length ?? 0) + (r.host?.length ?? 0) + (r.channel?.length ?? 0));
    const last = i + PIECE >= rows.length;
    if (last) room += 2;
    if (scratch.length < room) scratch = Buffer.allocUnsafe(room);
    const buf = scratch;
    let at = 0;
    if (first) at = HEADER.copy(buf, 0);
    first = false;
    const text = (v: string | null, prefix?: number) => {
      if (v === null) {
        at = buf.writeInt32BE(-1, at);
        return;
      }
      const start = at + 4;
      let end = start;
      if (prefix !== undefined) end = buf.writeUInt8(prefix, end);
      end += buf.write(v, end, 'utf8');
      buf.writeInt32BE(end - start, at);
      at = end;
    };
    // A safe integer as int8 in two halves (no BigInt a value): the high word with its sign, then the low word.
    const int8 = (v: number | null) => {
      if (v === null) {
        at = buf.writeInt32BE(-1, at);
        return;
      }
      const high = Math.floor(v / 2 ** 32);
      at = buf.writeUInt32BE(v - high * 2 ** 32, buf.writeInt32BE(high, buf.writeInt32BE(8, at)));
    };
    for (const r of piece) {
      at = buf.writeInt16BE(8, at);
      int8(r.record_id);
      text(r.source_file);
      int8(r.source_record);
      int8(r.event_time === null ? null : (Date.parse(r.event_time) - PG_EPOCH_MS) * 1000);
      text(r.host);
      text(r.channel);
      if (r.event_id === null) at = buf.writeInt32BE(-1, at);
      else at = buf.writeInt32BE(r.event_id, buf.writeInt32BE(4, at));
      text(r.event, 1);
    }
    if (last) at = buf.writeInt16BE(-1, at);
    // A copy of the bytes written, the worst-case room being one buffer reused: a fresh worst-case buffer a piece
    // (three times the bytes) cost the main thread more (in one profile each of a 100,000-event load: garbage
    // collection 0.62 -> 0.50 s, writing the strings 0.31 -> 0.11 s).
    yield Buffer.from(buf.subarray(0, at));
  }
}
