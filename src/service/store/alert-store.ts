import { alertQuerySql, SQLITE_QUERY } from './alert-query-sql.js';
import { HOSTS_SQL, hostSummaries, type HostLevelRow, type HostSummary } from './host-summary.js';
import type { Db } from './open-database.js';
import { TRIAGE_COLUMNS, triageOf, type TriageColumns, type TriageState, type TriageStatus } from './triage-store.js';

/** An alert as stored: the ECS document and the columns it is filtered by. */
export interface StoredAlert {
  readonly id: string;
  readonly seq: number;
  readonly ruleId: string;
  readonly ruleTitle: string;
  readonly level: string;
  readonly host: string;
  readonly eventTime: number | undefined;
  readonly created: number;
  readonly doc: string;
}

export interface AlertQuery {
  /** Event time range, ms since epoch, inclusive. */
  readonly from?: number;
  readonly to?: number;
  readonly host?: string;
  /** Rule id or title. */
  readonly rule?: string;
  readonly level?: string;
  /** Triage status (an alert never triaged is open) and assignee. */
  readonly status?: TriageStatus;
  readonly assignee?: string;
  readonly limit: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

/** A stored alert as the API reads it: with its triage state. */
export interface TriagedAlert extends StoredAlert {
  readonly triage: TriageState;
}

export interface AlertPage {
  readonly alerts: readonly TriagedAlert[];
  readonly next: string | null;
}

/** An alert row as both stores select it (SELECT below). */
export interface AlertRow extends TriageColumns {
  id: string;
  seq: number;
  rule_id: string;
  rule_title: string;
  level: string;
  host: string;
  event_time: number | null;
  created: number;
  doc: string;
}

export const fromRow = (r: AlertRow): TriagedAlert => ({ id: r.id, seq: r.seq, ruleId: r.rule_id, ruleTitle: r.rule_title, level: r.level, host: r.host, eventTime: r.event_time ?? undefined, created: r.created, doc: r.doc, triage: triageOf(r) });

/** The alerts with their triage columns, as `a` and `t`. */
export const SELECT = `SELECT a.*, ${TRIAGE_COLUMNS} FROM alerts a LEFT JOIN alert_triage t ON t.id = a.id`;

/** A page position: newest first by (created, id). Opaque to clients. */
export function encodeCursor(created: number, id: string): string {
  return Buffer.from(`${created}:${id}`).toString('base64url');
}

export function decodeCursor(text: string): { created: number; id: string } | undefined {
  const m = /^(\d+):(.+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return m === null ? undefined : { created: Number(m[1]), id: m[2] as string };
}

/** The page of `limit` alerts out of `rows` (which may hold one more: then there is a next page). */
export function pageOf(rows: readonly AlertRow[], limit: number): AlertPage {
  const page = rows.slice(0, limit).map(fromRow);
  const last = page[page.length - 1];
  return { alerts: page, next: rows.length > limit && last !== undefined ? encodeCursor(last.created, last.id) : null };
}

/** The SQLite alert store; writes happen inside the detection loop's transaction (see Journal.advance). */
export class AlertStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly countStmt;
  private readonly addSuppressedStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO alerts (id, seq, rule_id, rule_title, level, host, event_time, created, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING');
    this.getStmt = db.prepare(`${SELECT} WHERE a.id = ?`);
    this.countStmt = db.prepare('SELECT count(*) FROM alerts').pluck();
    this.addSuppressedStmt = db.prepare('INSERT INTO filter_suppressions (filter, suppressed) VALUES (?, ?) ON CONFLICT(filter) DO UPDATE SET suppressed = suppressed + excluded.suppressed');
  }

  /** Stores an alert unless one with its id exists (ids are deterministic: a replay never adds a second). */
  insert(a: StoredAlert): boolean {
    return this.insertStmt.run(a.id, a.seq, a.ruleId, a.ruleTitle, a.level, a.host, a.eventTime ?? null, a.created, a.doc).changes > 0;
  }

  get(id: string): TriagedAlert | undefined {
    const r = this.getStmt.get(id) as AlertRow | undefined;
    return r === undefined ? undefined : fromRow(r);
  }

  count(): number {
    return this.countStmt.get() as number;
  }

  /** Alerts stored per rule id. */
  countsByRule(): Map<string, number> {
    const rows = this.db.prepare('SELECT rule_id, count(*) AS n FROM alerts GROUP BY rule_id').all() as Array<{ rule_id: string; n: number }>;
    return new Map(rows.map((r) => [r.rule_id, r.n]));
  }

  /** Alerts each filter suppressed (committed by detection). */
  countsByFilter(): Map<string, number> {
    const rows = this.db.prepare('SELECT filter, suppressed FROM filter_suppressions').all() as Array<{ filter: string; suppressed: number }>;
    return new Map(rows.map((r) => [r.filter, r.suppressed]));
  }

  /** Every host with alerts, the most first. */
  hosts(): HostSummary[] {
    return hostSummaries(this.db.prepare(HOSTS_SQL).all() as HostLevelRow[]);
  }

  /** Adds a batch's suppressions (inside detection's commit transaction). */
  addSuppressed(counts: ReadonlyMap<string, number>): void {
    for (const [filter, n] of counts) this.addSuppressedStmt.run(filter, n);
  }

  /** A page of alerts, newest first, and the cursor of the next page (null on the last). */
  list(q: AlertQuery): AlertPage {
    const { sql, args } = alertQuerySql(SELECT, q, SQLITE_QUERY);
    return pageOf(this.db.prepare(sql).all(...args) as AlertRow[], q.limit);
  }
}
