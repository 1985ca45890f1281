import { clickhouseEventsTableDdl } from '../../src/backends/sql/clickhouse.js';
import { EVENTS_TABLE, type EventRow } from '../../src/backends/sql/events-table.js';
import type { QueryStore } from './differential.js';

/**
 * The part of chdb's Session these tests use. chdb is not in package.json (its lockfile entries break `npm ci`: the
 * registry holds only its linux-x64 library, and npm ci wants the other platforms' too; and a user's `npm install`
 * should not fetch 540 MB for a test engine): .ci/run installs it with `npm install --no-save chdb@3.4.0`.
 */
interface Session {
  queryAsync(query: string, options?: { format?: string }): Promise<{ text(): string }>;
  insert(options: { table: string; values: Buffer; format: string; settings?: Record<string, string> }): Promise<unknown>;
  close(): void;
}
const CHDB = 'chdb';

/**
 * The events table in chDB (ClickHouse in this process, npm `chdb`, about 540 MB, installed by .ci/run only). One in-memory session per process (libchdb binds one data directory per
 * process; vitest runs each test file in its own fork). Queries run through queryAsync, off the event loop.
 */
export class ChdbStore implements QueryStore {
  private constructor(private readonly session: Session) {}

  /** undefined when chdb cannot be loaded here (said by the caller; under CI=true it throws instead). */
  static async open(): Promise<ChdbStore | undefined> {
    let chdb: { Session: new () => Session };
    try {
      // A module name the compiler does not resolve: the tests typecheck without chdb installed.
      chdb = (await import(CHDB)) as { Session: new () => Session };
    } catch (e) {
      const message = `chdb cannot be loaded (install it with 'npm install --no-save chdb@3.4.0', as .ci/run does): ${(e as Error).message.split('\n')[0]}`;
      if (process.env['CI'] === 'true') throw new Error(message);
      console.warn(`SKIPPED: ${message}`);
      return undefined;
    }
    // ClickHouse's default settings (max_query_size 256 KiB: the largest converted query is 238 KB).
    return new ChdbStore(new chdb.Session());
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
