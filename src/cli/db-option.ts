import type { EventStore } from '../backends/db/event-store.js';
import { UsageError } from './usage-error.js';

/** The database a --db URL names (postgres://…, duckdb:FILE or sqlite:FILE); a usage error when it cannot be opened. */
export async function openDbOption(url: string): Promise<EventStore> {
  const m = /^(duckdb|sqlite):(.+)$/i.exec(url);
  if (!/^postgres(ql)?:\/\//i.test(url) && m === null) throw new UsageError(`--db ${url}: expected postgres://USER@HOST:PORT/DB, duckdb:FILE or sqlite:FILE`);
  // Each client is imported when its URL is used: DuckDB's alone costs ~150 ms of every CLI start otherwise.
  try {
    if (m === null) return await (await import('../backends/db/postgres-store.js')).PostgresStore.connect(url);
    if (m[1]?.toLowerCase() === 'duckdb') return await (await import('../backends/db/duckdb-store.js')).DuckDbStore.open(m[2] as string);
    return (await import('../backends/db/sqlite-store.js')).SqliteStore.open(m[2] as string);
  } catch (e) {
    throw new UsageError(`--db ${url}: cannot open it (${(e as Error).message})`);
  }
}

/** The URL as printed: without the user part (which may hold a password). */
export const shownDbUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//…@');
