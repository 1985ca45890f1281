import type { BackendSpec } from './backend-spec.js';
import { sqlBackend } from './sql/sql-backend.js';
import { DUCKDB } from './sql/duckdb.js';
import { POSTGRES } from './sql/postgres.js';
import { SQLITE } from './sql/sqlite.js';

export const BACKENDS = {
  postgres: sqlBackend(POSTGRES, 'PostgreSQL 15+: the sigma_events table, event as JSONB'),
  duckdb: sqlBackend(DUCKDB, 'DuckDB: the sigma_events table, event as JSON'),
  sqlite: sqlBackend(SQLITE, 'SQLite 3.38+: the sigma_events table, event as JSON text'),
} satisfies Record<string, BackendSpec>;

export type TargetName = keyof typeof BACKENDS;
export const TARGET_NAMES = Object.keys(BACKENDS) as TargetName[];
