import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order by `PRAGMA user_version`. The journal, the detection cursor and the
 * alerts live in one database file so that one transaction can cover "alerts written + cursor advanced":
 * SQLite does not make a transaction over ATTACHed databases atomic in WAL mode.
 */
const MIGRATIONS: readonly string[] = [
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
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
