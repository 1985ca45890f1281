import type { TriagedAlert } from '../store/alert-store.js';
import type { AuditEntry, Note } from '../store/triage-store.js';

type Doc = { [k: string]: unknown; kibana?: { alert?: { [k: string]: unknown } }; sigmatch?: { [k: string]: unknown } };

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export const noteJson = (n: Note) => ({ id: n.id, author: n.author, time: iso(n.time), text: n.text });
export const auditJson = (a: AuditEntry) => ({ who: a.who, time: iso(a.time), field: a.field, old: a.old, new: a.new });

/**
 * The alert's ECS document as served: its triage under `sigmatch.triage` (with the notes when given), mirrored
 * into Elastic's `kibana.alert.workflow_*` fields so an export loads into Elastic with its workflow state.
 */
export function alertDocument(a: TriagedAlert, notes?: readonly Note[]): Doc {
  const doc = JSON.parse(a.doc) as Doc;
  const t = a.triage;
  doc.kibana = {
    ...doc.kibana,
    alert: {
      ...doc.kibana?.alert,
      workflow_status: t.status,
      workflow_reason: t.reason,
      workflow_user: t.updatedBy,
      workflow_status_updated_at: iso(t.updated),
      workflow_assignee_ids: t.assignee === null ? [] : [t.assignee],
    },
  };
  doc.sigmatch = {
    ...doc.sigmatch,
    triage: { status: t.status, reason: t.reason, comment: t.comment, assignee: t.assignee, updated: iso(t.updated), updated_by: t.updatedBy, ...(notes !== undefined ? { notes: notes.map(noteJson) } : {}) },
  };
  return doc;
}
