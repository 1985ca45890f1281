import type { BackendSpec } from './backend-spec.js';
import { KQL_DEFENDER } from './kql/defender-backend.js';
import { KQL_SENTINEL } from './kql/sentinel-backend.js';
import { SPLUNK } from './splunk/splunk-backend.js';
import { EQL } from './elastic/eql-backend.js';
import { ESQL } from './elastic/esql-backend.js';
import { LUCENE } from './elastic/lucene-backend.js';
import { CLICKHOUSE } from './sql/clickhouse.js';
import { slottedSqlBackend, sqlBackend } from './sql/sql-backend.js';
import { duckdbFieldValues, duckdbSpec } from './sql/duckdb.js';
import { POSTGRES } from './sql/postgres.js';
import { SQLITE } from './sql/sqlite.js';

export const BACKENDS = {
  postgres: sqlBackend(POSTGRES, 'PostgreSQL 15+: the sigma_events table, event as JSONB'),
  duckdb: slottedSqlBackend(duckdbSpec, duckdbFieldValues, 'DuckDB: the sigma_events table, event as JSON'),
  sqlite: sqlBackend(SQLITE, 'SQLite 3.38+: the sigma_events table, event as JSON text'),
  clickhouse: sqlBackend(CLICKHOUSE, 'ClickHouse (checked on 26.7 through chDB): the sigma_events table, event as JSON text with materialized columns'),
  'kql-defender': KQL_DEFENDER,
  'kql-sentinel': KQL_SENTINEL,
  splunk: SPLUNK,
  lucene: LUCENE,
  esql: ESQL,
  eql: EQL,
} satisfies Record<string, BackendSpec>;

export type TargetName = keyof typeof BACKENDS;
export const TARGET_NAMES = Object.keys(BACKENDS) as TargetName[];
