import type { PgPool } from './pg-pool.js';

/**
 * The PostgreSQL store's schema, in the schema `sigmatch`: migrations applied in order, each once, recorded in
 * sigmatch.schema_version. The tables mirror the SQLite store's (alerts, triage, notes, audit) plus one detection
 * position per instance: the journal stays local to each instance, its position is committed here with the alerts.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE alerts (
     id text COLLATE "C" PRIMARY KEY,   -- hash(rule id, event key): the same event and rule give the same id anywhere
     seq bigint NOT NULL,               -- journal position of the event, in the journal of the instance that wrote it
     instance text NOT NULL,            -- that instance (its id, kept in its data dir)
     rule_id text NOT NULL,
     rule_title text NOT NULL,
     level text NOT NULL,
     host text NOT NULL,
     event_time bigint,                 -- ms since epoch, the event's own time
     created bigint NOT NULL,           -- ms since epoch, when detection stored it
     doc json NOT NULL                  -- ECS alert document, as written (json keeps the text; jsonb refuses \\u0000)
   );
   CREATE INDEX alerts_by_created ON alerts (created, id);
   CREATE INDEX alerts_by_host ON alerts (lower(host), created);
   CREATE INDEX alerts_by_rule ON alerts (rule_id, created);
   CREATE TABLE detection_positions (
     instance text PRIMARY KEY,
     seq bigint NOT NULL,               -- the last journal position whose alerts are committed
     updated bigint NOT NULL
   );
   CREATE TABLE alert_triage (
     id text COLLATE "C" PRIMARY KEY,
     status text NOT NULL,
     reason text,
     comment text,
     assignee text,
     updated bigint NOT NULL,
     updated_by text NOT NULL
   );
   CREATE INDEX alert_triage_by_status ON alert_triage (status);
   CREATE INDEX alert_triage_by_assignee ON alert_triage (assignee);
   CREATE TABLE alert_notes (
     id bigserial PRIMARY KEY,
     alert text NOT NULL,
     author text NOT NULL,
     time bigint NOT NULL,
     text text NOT NULL
   );
   CREATE INDEX alert_notes_by_alert ON alert_notes (alert, id);
   CREATE TABLE alert_audit (
     id bigserial PRIMARY KEY,
     alert text NOT NULL,
     who text NOT NULL,
     time bigint NOT NULL,
     field text NOT NULL,
     old text,
     new text
   );
   CREATE INDEX alert_audit_by_alert ON alert_audit (alert, id);`,
  // 2: the live correlations' state, committed with the position it belongs to (LiveDetector.correlationState).
  `ALTER TABLE detection_positions ADD COLUMN correlation_state text;`,
  // Alerts each Sigma filter suppressed, added to in detection's commit transaction (all instances together).
  `CREATE TABLE filter_suppressions (filter text PRIMARY KEY, suppressed bigint NOT NULL);`,
  // 4: the named API tokens shared by the instances of one store (`sigmatch token --store URL`); only the hashes.
  `CREATE TABLE api_tokens (
     name text PRIMARY KEY,
     scope text NOT NULL,
     hash bytea NOT NULL UNIQUE,        -- sha256 of the token; the token itself is never stored
     created bigint NOT NULL,           -- ms since epoch
     last_used bigint,                  -- ms since epoch, written at most once a minute per instance
     revoked bigint                     -- ms since epoch when revoked; a revoked token is refused
   );`,
];

/** Any constant of ours: instances starting together take turns migrating. */
const MIGRATION_LOCK = 0x5167_6d61;

/** Creates or updates the schema: idempotent, safe when several instances start at once (an advisory lock). */
export async function migratePostgres(db: PgPool): Promise<void> {
  await db.transaction(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE SCHEMA IF NOT EXISTS sigmatch');
    await c.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied bigint NOT NULL)');
    const { rows } = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
    const have = rows[0]?.v ?? 0;
    if (have > PG_MIGRATIONS.length) throw new Error(`the alert store's schema is version ${have}, newer than this sigmatch knows (${PG_MIGRATIONS.length}): upgrade sigmatch`);
    for (let v = have; v < PG_MIGRATIONS.length; v++) {
      await c.query(PG_MIGRATIONS[v] as string);
      await c.query('INSERT INTO schema_version (version, applied) VALUES ($1, $2)', [v + 1, Date.now()]);
    }
  });
}
