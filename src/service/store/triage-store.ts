import type { Db } from './open-database.js';

export const STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type TriageStatus = (typeof STATUSES)[number];
/** Why an alert was closed (Elastic's workflow reasons, trimmed to what a Sigma hunt needs). */
export const CLOSE_REASONS = ['false_positive', 'true_positive', 'benign', 'duplicate', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** An alert's triage: open and unassigned until someone changes it. */
export interface TriageState {
  readonly status: TriageStatus;
  readonly reason: string | null;
  readonly comment: string | null;
  readonly assignee: string | null;
  /** ms since epoch of the last change, and who made it; null while never changed. */
  readonly updated: number | null;
  readonly updatedBy: string | null;
}

/** Fields left out stay as they are. */
export interface TriageChange {
  readonly status?: TriageStatus;
  readonly reason?: CloseReason;
  readonly comment?: string | null;
  readonly assignee?: string | null;
}

export interface Note {
  readonly id: number;
  readonly author: string;
  readonly time: number;
  readonly text: string;
}

export interface AuditEntry {
  readonly who: string;
  readonly time: number;
  readonly field: string;
  readonly old: string | null;
  readonly new: string | null;
}

/** The triage columns as a LEFT JOIN gives them (all null for an alert never triaged). */
export interface TriageColumns {
  t_status: string | null;
  t_reason: string | null;
  t_comment: string | null;
  t_assignee: string | null;
  t_updated: number | null;
  t_updated_by: string | null;
}

/** Select list for `LEFT JOIN alert_triage t`: what `triageOf` reads. */
export const TRIAGE_COLUMNS = 't.status AS t_status, t.reason AS t_reason, t.comment AS t_comment, t.assignee AS t_assignee, t.updated AS t_updated, t.updated_by AS t_updated_by';

/** The state of an alert never triaged. */
export const UNTRIAGED: TriageColumns = { t_status: null, t_reason: null, t_comment: null, t_assignee: null, t_updated: null, t_updated_by: null };

export const triageOf = (r: TriageColumns): TriageState => ({
  status: (r.t_status ?? 'open') as TriageStatus,
  reason: r.t_reason,
  comment: r.t_comment,
  assignee: r.t_assignee,
  updated: r.t_updated,
  updatedBy: r.t_updated_by,
});

/** A change the alert's state does not allow (closing without a reason...): the API answers 400 with it. */
export class TriageError extends Error {}

/** The triage fields a change may touch; each one changed gets an audit entry. */
export const TRIAGE_FIELDS = ['status', 'reason', 'comment', 'assignee'] as const;

/** The state after `change`; throws TriageError when it is not a valid one. */
export function applyTriageChange(old: TriageState, change: TriageChange, id: string): Omit<TriageState, 'updated' | 'updatedBy'> {
  const status = change.status ?? old.status;
  const assignee = change.assignee !== undefined ? change.assignee : old.assignee;
  if (status !== 'closed') {
    if (change.reason !== undefined || (change.comment !== undefined && change.comment !== null)) throw new TriageError(`alert ${id}: 'reason' and 'comment' go with status 'closed' (the alert would be '${status}')`);
    return { status, reason: null, comment: null, assignee };
  }
  // Closing needs a reason; an alert closed already keeps its reason (and comment) unless given new ones.
  const reason = change.reason ?? (old.status === 'closed' ? old.reason : null);
  if (reason === null) throw new TriageError(`alert ${id}: closing needs a 'reason' (one of ${CLOSE_REASONS.join(', ')})`);
  const comment = change.comment !== undefined ? change.comment : old.status === 'closed' ? old.comment : null;
  return { status, reason, comment, assignee };
}

/**
 * Triage of stored alerts: state, notes and the audit trail, in the tables beside `alerts`. Every write is one
 * short immediate transaction on the service's own connection (synchronous=FULL: a 200 means it is on disk);
 * the detection thread's batch transactions only insert alerts, so the two wait at most for each other's commit.
 */
export class TriageStore {
  private readonly stateStmt;
  private readonly existsStmt;
  private readonly upsertStmt;
  private readonly auditStmt;
  private readonly noteStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.stateStmt = db.prepare(`SELECT ${TRIAGE_COLUMNS} FROM alert_triage t WHERE t.id = ?`);
    this.existsStmt = db.prepare('SELECT 1 FROM alerts WHERE id = ?').pluck();
    this.upsertStmt = db.prepare(
      'INSERT INTO alert_triage (id, status, reason, comment, assignee, updated, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET status = excluded.status, reason = excluded.reason, comment = excluded.comment, assignee = excluded.assignee, updated = excluded.updated, updated_by = excluded.updated_by',
    );
    this.auditStmt = db.prepare('INSERT INTO alert_audit (alert, who, time, field, old, new) VALUES (?, ?, ?, ?, ?, ?)');
    this.noteStmt = db.prepare('INSERT INTO alert_notes (alert, author, time, text) VALUES (?, ?, ?, ?)');
  }

  exists(id: string): boolean {
    return this.existsStmt.get(id) !== undefined;
  }

  state(id: string): TriageState {
    const r = this.stateStmt.get(id) as TriageColumns | undefined;
    return triageOf(r ?? UNTRIAGED);
  }

  /**
   * Applies `change` to every alert in `ids`, all or none: the ids not stored come back in `missing` and
   * nothing is written; a change an alert's state refuses throws TriageError and nothing is written.
   * Each field that changed gets an audit entry; a change that changes nothing writes nothing.
   */
  update(ids: readonly string[], change: TriageChange, who: string): { readonly missing: readonly string[]; readonly states: ReadonlyMap<string, TriageState> } {
    return this.db
      .transaction(() => {
        const missing = ids.filter((id) => !this.exists(id));
        const states = new Map<string, TriageState>();
        if (missing.length > 0) return { missing, states };
        const time = this.now();
        for (const id of ids) {
          const old = this.state(id);
          const next = applyTriageChange(old, change, id);
          const changed = TRIAGE_FIELDS.filter((f) => next[f] !== old[f]);
          if (changed.length === 0) {
            states.set(id, old);
            continue;
          }
          this.upsertStmt.run(id, next.status, next.reason, next.comment, next.assignee, time, who);
          for (const f of changed) this.auditStmt.run(id, who, time, f, old[f], next[f]);
          states.set(id, { ...next, updated: time, updatedBy: who });
        }
        return { missing, states };
      })
      .immediate();
  }

  /** Adds a note (and its audit entry); undefined when the alert is not stored. */
  addNote(id: string, text: string, who: string): Note | undefined {
    return this.db
      .transaction(() => {
        if (!this.exists(id)) return undefined;
        const time = this.now();
        const noteId = Number(this.noteStmt.run(id, who, time, text).lastInsertRowid);
        this.auditStmt.run(id, who, time, 'note', null, text);
        return { id: noteId, author: who, time, text };
      })
      .immediate();
  }

  notes(id: string): Note[] {
    return this.db.prepare('SELECT id, author, time, text FROM alert_notes WHERE alert = ? ORDER BY id').all(id) as Note[];
  }

  /** Oldest first. */
  audit(id: string): AuditEntry[] {
    return this.db.prepare('SELECT who, time, field, old, new FROM alert_audit WHERE alert = ? ORDER BY id').all(id) as AuditEntry[];
  }
}
