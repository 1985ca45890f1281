import type pg from 'pg';
import type { AlertStoreApi, DetectionSink, TriageApi } from './alert-store-api.js';
import { alertQuerySql, POSTGRES_QUERY } from './alert-query-sql.js';
import { HOSTS_SQL, hostSummaries, type HostLevelRow, type HostSummary } from './host-summary.js';
import { fromRow, pageOf, type AlertPage, type AlertQuery, type AlertRow, type StoredAlert, type TriagedAlert } from './alert-store.js';
import { PgPool } from './pg-pool.js';
import { migratePostgres } from './pg-schema.js';
import { applyTriageChange, TRIAGE_COLUMNS, TRIAGE_FIELDS, triageOf, UNTRIAGED, type AuditEntry, type Note, type TriageChange, type TriageColumns, type TriageState } from './triage-store.js';

const SELECT = `SELECT a.id, a.seq, a.rule_id, a.rule_title, a.level, a.host, a.event_time, a.created, a.doc::text AS doc, ${TRIAGE_COLUMNS} FROM alerts a LEFT JOIN alert_triage t ON t.id = a.id`;

const INSERT_ALERTS =
  'INSERT INTO alerts (id, seq, instance, rule_id, rule_title, level, host, event_time, created, doc) ' +
  'SELECT u.id, u.seq, $10, u.rule_id, u.rule_title, u.level, u.host, u.event_time, u.created, u.doc::json ' +
  'FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[]) AS u(id, seq, rule_id, rule_title, level, host, event_time, created, doc) ' +
  'ON CONFLICT (id) DO NOTHING';

const SAVE_POSITION = 'INSERT INTO detection_positions (instance, seq, updated) VALUES ($1, $2, $3) ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, updated = excluded.updated';
const SAVE_STATE = 'UPDATE detection_positions SET correlation_state = $2 WHERE instance = $1';
const ADD_SUPPRESSED =
  'INSERT INTO filter_suppressions (filter, suppressed) SELECT * FROM unnest($1::text[], $2::bigint[]) ' +
  'ON CONFLICT (filter) DO UPDATE SET suppressed = filter_suppressions.suppressed + excluded.suppressed';

/** PostgreSQL refuses NUL in text: a host name carrying one is stored without it (the document keeps it, escaped). */
const noNul = (s: string) => (s.includes('\0') ? s.replace(/\0/g, '') : s);

/**
 * The PostgreSQL alert store (`--store postgres://...`): alerts, triage, notes and audit in the schema `sigmatch`,
 * shared by every instance that names it. The schema is created on first use (and again after a failed attempt),
 * so a server that is down at start only delays it.
 */
export class PgAlertStore implements AlertStoreApi, TriageApi {
  readonly kind = 'postgres';
  readonly db: PgPool;
  private schema: Promise<void> | undefined;

  constructor(
    url: string,
    private readonly now: () => number = Date.now,
    options: { readonly max?: number } = {},
  ) {
    this.db = new PgPool(url, options);
  }

  get location(): string {
    return this.db.location;
  }

  /** Connects and brings the schema up to date, once; a failure is thrown and the next call tries again. */
  ready(): Promise<void> {
    this.schema ??= migratePostgres(this.db).catch((e: unknown) => {
      this.schema = undefined;
      throw this.db.wrap(e);
    });
    return this.schema;
  }

  private async query<R extends pg.QueryResultRow>(text: string, args: readonly unknown[] = []): Promise<R[]> {
    await this.ready();
    return this.db.query<R>(text, args);
  }

  async get(id: string): Promise<TriagedAlert | undefined> {
    const [r] = await this.query<AlertRow>(`${SELECT} WHERE a.id = $1`, [id]);
    return r === undefined ? undefined : fromRow(r);
  }

  async list(q: AlertQuery): Promise<AlertPage> {
    const { sql, args } = alertQuerySql(SELECT, q, POSTGRES_QUERY);
    return pageOf(await this.query<AlertRow>(sql, args), q.limit);
  }

  async count(): Promise<number> {
    const [r] = await this.query<{ n: number }>('SELECT count(*) AS n FROM alerts');
    return r?.n ?? 0;
  }

  async countsByRule(): Promise<Map<string, number>> {
    const rows = await this.query<{ rule_id: string; n: number }>('SELECT rule_id, count(*) AS n FROM alerts GROUP BY rule_id');
    return new Map(rows.map((r) => [r.rule_id, r.n]));
  }

  async countsByFilter(): Promise<Map<string, number>> {
    // bigint arrives as text: the counts stay far below 2^53.
    const rows = await this.query<{ filter: string; suppressed: string }>('SELECT filter, suppressed FROM filter_suppressions');
    return new Map(rows.map((r) => [r.filter, Number(r.suppressed)]));
  }

  async hosts(): Promise<HostSummary[]> {
    return hostSummaries(await this.query<HostLevelRow>(HOSTS_SQL));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.query('SELECT 1 FROM alerts WHERE id = $1', [id])).length > 0;
  }

  /** As TriageStore.update; the alerts' rows are locked, so instances changing the same alert take turns. */
  async update(ids: readonly string[], change: TriageChange, who: string): Promise<{ readonly missing: readonly string[]; readonly states: ReadonlyMap<string, TriageState> }> {
    await this.ready();
    return this.db.transaction(async (c) => {
      const found = new Set((await c.query<{ id: string }>('SELECT id FROM alerts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [ids])).rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      const states = new Map<string, TriageState>();
      if (missing.length > 0) return { missing, states };
      const old = new Map((await c.query<TriageColumns & { id: string }>(`SELECT t.id, ${TRIAGE_COLUMNS} FROM alert_triage t WHERE t.id = ANY($1::text[])`, [ids])).rows.map((r) => [r.id, triageOf(r)]));
      const time = this.now();
      for (const id of ids) {
        const before = old.get(id) ?? triageOf(UNTRIAGED);
        const next = applyTriageChange(before, change, id);
        const changed = TRIAGE_FIELDS.filter((f) => next[f] !== before[f]);
        if (changed.length === 0) {
          states.set(id, before);
          continue;
        }
        await c.query(
          'INSERT INTO alert_triage (id, status, reason, comment, assignee, updated, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ' +
            'ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason, comment = excluded.comment, assignee = excluded.assignee, updated = excluded.updated, updated_by = excluded.updated_by',
          [id, next.status, next.reason, next.comment, next.assignee, time, who],
        );
        for (const f of changed) await c.query('INSERT INTO alert_audit (alert, who, time, field, old, new) VALUES ($1, $2, $3, $4, $5, $6)', [id, who, time, f, before[f], next[f]]);
        const after = { ...next, updated: time, updatedBy: who };
        old.set(id, after);
        states.set(id, after);
      }
      return { missing, states };
    });
  }

  async addNote(id: string, text: string, who: string): Promise<Note | undefined> {
    await this.ready();
    return this.db.transaction(async (c) => {
      if ((await c.query('SELECT 1 FROM alerts WHERE id = $1 FOR UPDATE', [id])).rows.length === 0) return undefined;
      const time = this.now();
      const { rows } = await c.query<{ id: number }>('INSERT INTO alert_notes (alert, author, time, text) VALUES ($1, $2, $3, $4) RETURNING id', [id, who, time, text]);
      await c.query('INSERT INTO alert_audit (alert, who, time, field, old, new) VALUES ($1, $2, $3, $4, NULL, $5)', [id, who, time, 'note', text]);
      return { id: (rows[0] as { id: number }).id, author: who, time, text };
    });
  }

  notes(id: string): Promise<Note[]> {
    return this.query<Note>('SELECT id, author, time, text FROM alert_notes WHERE alert = $1 ORDER BY id', [id]);
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.query<AuditEntry>('SELECT who, time, field, old, new FROM alert_audit WHERE alert = $1 ORDER BY id', [id]);
  }

  /**
   * Detection's commit with this store, for the instance `instance`: the batch's alerts and the instance's position
   * in ONE PostgreSQL transaction. `local` then records the position in the local journal too (for pruning and the
   * backlog); on start detection resumes from the position stored here, never the local one.
   */
  sink(instance: string, local: (seq: number, rows: number) => void): DetectionSink {
    return {
      resume: async () => {
        const [r] = await this.query<{ seq: number }>('SELECT seq FROM detection_positions WHERE instance = $1', [instance]);
        return r?.seq ?? 0;
      },
      resumeState: async () => {
        const [r] = await this.query<{ correlation_state: string | null }>('SELECT correlation_state FROM detection_positions WHERE instance = $1', [instance]);
        return r?.correlation_state ?? undefined;
      },
      commit: async (seq, rows, alerts, state, suppressed) => {
        await this.ready();
        await this.db.transaction(async (c) => {
          if (alerts.length > 0) await c.query(INSERT_ALERTS, [...columnsOf(alerts), instance]);
          await c.query(SAVE_POSITION, [instance, seq, this.now()]);
          if (state !== undefined) await c.query(SAVE_STATE, [instance, state]);
          if (suppressed !== undefined && suppressed.size > 0) await c.query(ADD_SUPPRESSED, [[...suppressed.keys()], [...suppressed.values()]]);
        });
        local(seq, rows);
      },
      close: () => this.close(),
    };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** The alerts as nine column arrays, for one INSERT ... SELECT FROM unnest. */
function columnsOf(alerts: readonly StoredAlert[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 9 }, () => []);
  for (const a of alerts) {
    const row = [a.id, a.seq, a.ruleId, a.ruleTitle, a.level, noNul(a.host), a.eventTime ?? null, a.created, a.doc];
    row.forEach((v, i) => (cols[i] as unknown[]).push(v));
  }
  return cols;
}
