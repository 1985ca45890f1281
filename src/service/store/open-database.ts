import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order by `PRAGMA user_version`. The journal, the detection cursor and the
 * alerts live in one database file so that one transaction can cover "alerts written + cursor advanced":
 * SQLite does not make a transaction over ATTACHed databases atomic in WAL mode.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE journal (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     key BLOB NOT NULL UNIQUE,      -- dedup key: hash of host | channel | record id | event time
     received INTEGER NOT NULL,     -- ms since epoch, when the request was accepted
     doc TEXT NOT NULL              -- the document as the shipper sent it (JSON text)
   );
   CREATE TABLE quarantine (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     received INTEGER NOT NULL,
     protocol TEXT NOT NULL,
     reason TEXT NOT NULL,
     text TEXT NOT NULL
   );
   CREATE TABLE state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,          -- journal position of the event
     rule_id TEXT NOT NULL,
     rule_title TEXT NOT NULL,
     level TEXT NOT NULL,
     host TEXT NOT NULL,
     event_time INTEGER,            -- ms since epoch, the event's own time
     created INTEGER NOT NULL,      -- ms since epoch, when detection stored it
     doc TEXT NOT NULL              -- ECS alert document
   ) WITHOUT ROWID;
   CREATE INDEX alerts_by_created ON alerts(created, id);
   CREATE INDEX alerts_by_host ON alerts(host, created);
   CREATE INDEX alerts_by_rule ON alerts(rule_id, created);`,
  // Triage lives beside the alerts, never in them: detection only ever inserts alert rows (ON CONFLICT DO
  // NOTHING), so a replayed batch cannot overwrite an analyst's change, and triage writes are short
  // transactions of their own. An alert without a triage row is open and unassigned.
  `CREATE TABLE alert_triage (
     id TEXT PRIMARY KEY,           -- alerts.id
     status TEXT NOT NULL,          -- open | acknowledged | closed
     reason TEXT,                   -- why it was closed (only when closed)
     comment TEXT,                  -- free text given with the close
     assignee TEXT,
     updated INTEGER NOT NULL,      -- ms since epoch
     updated_by TEXT NOT NULL       -- token name, 'api-token' or 'loopback'
   ) WITHOUT ROWID;
   CREATE INDEX alert_triage_by_status ON alert_triage(status);
   CREATE INDEX alert_triage_by_assignee ON alert_triage(assignee);
   CREATE TABLE alert_notes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     alert TEXT NOT NULL,
     author TEXT NOT NULL,
     time INTEGER NOT NULL,
     text TEXT NOT NULL
   );
   CREATE INDEX alert_notes_by_alert ON alert_notes(alert, id);
   CREATE TABLE alert_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     alert TEXT NOT NULL,
     who TEXT NOT NULL,
     time INTEGER NOT NULL,
     field TEXT NOT NULL,           -- status | reason | comment | assignee | note
     old TEXT,
     new TEXT
   );
   CREATE INDEX alert_audit_by_alert ON alert_audit(alert, id);
   CREATE TABLE api_tokens (
     name TEXT PRIMARY KEY,
     scope TEXT NOT NULL,           -- read | triage | admin
     hash BLOB NOT NULL UNIQUE,     -- sha256 of the token; the token itself is never stored
     created INTEGER NOT NULL,
     last_used INTEGER,
     revoked INTEGER                -- ms since epoch when revoked; a revoked token is refused
   );`,
  // The live correlations' state, written in the transaction that advances the cursor (LiveDetector.correlationState).
  `CREATE TABLE detector_state (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  // Alerts each Sigma filter suppressed, added to in the transaction that advances the cursor.
  `CREATE TABLE filter_suppressions (filter TEXT PRIMARY KEY, suppressed INTEGER NOT NULL) WITHOUT ROWID;`,
];

/**
 * Opens (creating if need be) the service's database under `dir`, in WAL mode. The ingest connection uses
 * synchronous=FULL: an acknowledged commit survives power loss. Detection's own connection may use NORMAL
 * (`durable: false`): a commit it loses to a power cut takes its alerts and its cursor together, and the
 * events are matched again from the journal; the next FULL commit syncs the WAL holding it anyway.
 */
export function openDatabase(dir: string, options: { readonly durable?: boolean } = {}): Db {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'sigmatch.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(options.durable === false ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // The version is read inside an immediate (write-locked) transaction: the service, its detection thread and
  // `sigmatch token` may open an old data dir at the same moment, and only one of them may migrate it.
  const migrate = db.transaction(() => {
    for (let v = db.pragma('user_version', { simple: true }) as number; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  });
  if ((db.pragma('user_version', { simple: true }) as number) < MIGRATIONS.length) migrate.immediate();
  return db;
}
