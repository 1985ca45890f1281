import { afterAll, beforeAll } from 'vitest';
import { DuckDbStore } from '../../src/backends/db/duckdb-store.js';
import { PostgresStore } from '../../src/backends/db/postgres-store.js';
import { SqliteStore } from '../../src/backends/db/sqlite-store.js';
import type { EventRow } from '../../src/backends/sql/events-table.js';
import { ChdbStore } from './chdb-store.js';
import type { QueryStore } from './differential.js';
import { startTestPostgres, type TestPostgres } from './postgres-server.js';

export type StoreTarget = 'sqlite' | 'duckdb' | 'postgres' | 'clickhouse';

/**
 * A fresh events table holding `rows` in the target's database (in memory; PostgreSQL: a test server of its own).
 * undefined when PostgreSQL or chdb is not available here (said by them; under CI=true they fail instead).
 */
export async function openStore(target: StoreTarget, rows: readonly EventRow[]): Promise<{ store: QueryStore; server?: TestPostgres } | undefined> {
  let store: QueryStore | undefined;
  let server: TestPostgres | undefined;
  if (target === 'postgres') {
    server = await startTestPostgres();
    if (server === undefined) return undefined;
    store = await PostgresStore.connect(server.url);
  } else if (target === 'clickhouse') store = await ChdbStore.open();
  else store = target === 'duckdb' ? await DuckDbStore.open(':memory:') : SqliteStore.open(':memory:');
  if (store === undefined) return undefined;
  await store.createTable(true);
  await store.insert(rows);
  return server === undefined ? { store } : { store, server };
}

/** openStore for the tests of a describe block (closed after them): the store, undefined when unavailable. */
export function useStore(target: StoreTarget, rows: readonly EventRow[]): () => QueryStore | undefined {
  let opened: { store: QueryStore; server?: TestPostgres } | undefined;
  beforeAll(async () => {
    opened = await openStore(target, rows);
  }, 60_000);
  afterAll(async () => {
    await opened?.store.close();
    opened?.server?.stop();
  });
  return () => opened?.store;
}
