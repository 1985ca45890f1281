import { DuckDbStore } from '../backends/db/duckdb-store.js';
import type { EventStore } from '../backends/db/event-store.js';
import { PostgresStore } from '../backends/db/postgres-store.js';
import { SqliteStore } from '../backends/db/sqlite-store.js';
import { UsageError } from './usage-error.js';

/** The database a --db URL names (postgres://…, duckdb:FILE or sqlite:FILE); a usage error when it cannot be opened. */
export async function openDbOption(url: string): Promise<EventStore> {
  const m = /^(duckdb|sqlite):(.+)$/i.exec(url);
  if (!/^postgres(ql)?:\/\//i.test(url) && m === null) throw new UsageError(`--db ${url}: expected postgres://USER@HOST:PORT/DB, duckdb:FILE or sqlite:FILE`);
  try {
    if (m === null) return await PostgresStore.connect(url);
    return m[1]?.toLowerCase() === 'duckdb' ? await DuckDbStore.open(m[2] as string) : SqliteStore.open(m[2] as string);
  } catch (e) {
    throw new UsageError(`--db ${url}: cannot open it (${(e as Error).message})`);
  }
}

/** The URL as printed: without the user part (which may hold a password). */
export const shownDbUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//…@');
