import type { Session } from 'chdb';
import { clickhouseEventsTableDdl } from '../../src/backends/sql/clickhouse.js';
import { EVENTS_TABLE, type EventRow } from '../../src/backends/sql/events-table.js';
import type { QueryStore } from './differential.js';

/** The max_query_size the README asks of a ClickHouse server for these queries. */
export const MAX_QUERY_SIZE = 4 * 1024 * 1024;

/**
 * The events table in chDB (ClickHouse in this process, npm `chdb`, a devDependency: about 540 MB, so the tests' and
 * CI's install has it and a user's does not). One in-memory session per process (libchdb binds one data directory per
 * process; vitest runs each test file in its own fork). Queries run through queryAsync, off the event loop.
 */
export class ChdbStore implements QueryStore {
  private constructor(private readonly session: Session) {}

  /** undefined when chdb cannot be loaded here (said by the caller; under CI=true it throws instead). */
  static async open(): Promise<ChdbStore | undefined> {
    let chdb: typeof import('chdb');
    try {
      chdb = await import('chdb');
    } catch (e) {
      const message = `chdb (npm, a devDependency) cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
      if (process.env['CI'] === 'true') throw new Error(message);
      console.warn(`SKIPPED: ${message}`);
      return undefined;
    }
    const session = new chdb.Session();
    // The largest converted queries (a rule listing thousands of hashes) pass ClickHouse's default 256 KiB.
    await session.queryAsync(`SET max_query_size = ${MAX_QUERY_SIZE}`);
    return new ChdbStore(session);
  }

  async createTable(fresh: boolean): Promise<void> {
    if (fresh) await this.session.queryAsync(`DROP TABLE IF EXISTS ${EVENTS_TABLE}`);
    await this.session.queryAsync(clickhouseEventsTableDdl());
  }

  async insert(rows: readonly EventRow[]): Promise<void> {
    // JSONEachRow: the event's JSON text as a JSON string, the ISO time read by best_effort.
    const body = rows.map((r) => JSON.stringify(r)).join('\n');
    await this.session.insert({ table: EVENTS_TABLE, values: Buffer.from(body), format: 'JSONEachRow', settings: { date_time_input_format: 'best_effort' } });
  }

  /** The query's first column (the converted queries select e.record_id first), in order. */
  async recordIds(query: string): Promise<number[]> {
    const text = (await this.session.queryAsync(query, { format: 'TabSeparated' })).text();
    return text === '' ? [] : text.trimEnd().split('\n').map((line) => Number(line.split('\t')[0]));
  }

  /** A query's rows as JSON objects (JSONEachRow). */
  async json<T>(query: string): Promise<T[]> {
    const text = (await this.session.queryAsync(query, { format: 'JSONEachRow' })).text().trim();
    return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as T);
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
