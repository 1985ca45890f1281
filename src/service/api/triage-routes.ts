import { RequestError } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import { CLOSE_REASONS, STATUSES, TriageError, type TriageChange, type TriageState } from '../store/triage-store.js';
import { auditJson, noteJson } from './alert-document.js';
import type { ApiCall, ApiRoute } from './api-route.js';
import { choiceField, readJsonBody, textField, type JsonObject } from './json-body.js';

export const ALERT_ID = '([0-9a-f]{32})';
const CHANGE_FIELDS = ['status', 'reason', 'comment', 'assignee'];
const MAX_BULK = 1000;

/** The triage fields of a body, each checked; a body that changes nothing is refused. */
function changeOf(body: JsonObject): TriageChange {
  const status = choiceField(body, 'status', STATUSES);
  const reason = choiceField(body, 'reason', CLOSE_REASONS);
  const comment = textField(body, 'comment', 2000, true);
  const assignee = textField(body, 'assignee', 200, true);
  if (status === undefined && reason === undefined && comment === undefined && assignee === undefined) throw new RequestError(400, `nothing to change: give one of ${CHANGE_FIELDS.join(', ')}`);
  return { ...(status !== undefined ? { status } : {}), ...(reason !== undefined ? { reason } : {}), ...(comment !== undefined ? { comment } : {}), ...(assignee !== undefined ? { assignee } : {}) };
}

const stateJson = (id: string, t: TriageState) => ({ id, status: t.status, reason: t.reason, comment: t.comment, assignee: t.assignee, updated: t.updated === null ? null : new Date(t.updated).toISOString(), updated_by: t.updatedBy });

/** Applies the change to the ids; 404 naming the ids not stored, 400 when an alert's state refuses it. */
async function applyChange(call: ApiCall, ids: readonly string[], change: TriageChange) {
  try {
    const r = await call.ctx.triage.update(ids, change, call.caller.name);
    if (r.missing.length > 0) throw new RequestError(404, `no alert with id ${r.missing.join(', ')}; nothing was changed`);
    return [...r.states].map(([id, t]) => stateJson(id, t));
  } catch (e) {
    if (e instanceof TriageError) throw new RequestError(400, `${e.message}; nothing was changed`);
    throw e;
  }
}

async function patchAlert(call: ApiCall): Promise<void> {
  const change = changeOf(await readJsonBody(call.req, CHANGE_FIELDS));
  const [state] = await applyChange(call, [call.params[0] as string], change);
  sendJson(call.res, 200, state);
}

async function bulkTriage(call: ApiCall): Promise<void> {
  const body = await readJsonBody(call.req, ['ids', ...CHANGE_FIELDS]);
  const ids = body['ids'];
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_BULK) throw new RequestError(400, `'ids' must be a list of 1 to ${MAX_BULK} alert ids`);
  const bad = ids.find((id) => typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id));
  if (bad !== undefined) throw new RequestError(400, `'ids': ${JSON.stringify(bad)} is not an alert id (32 hex digits)`);
  const { ids: _ids, ...rest } = body;
  const states = await applyChange(call, ids as string[], changeOf(rest));
  sendJson(call.res, 200, { alerts: states });
}

async function addNote(call: ApiCall): Promise<void> {
  const text = textField(await readJsonBody(call.req, ['text']), 'text', 10_000, false);
  if (text === undefined || text === null) throw new RequestError(400, "a note needs 'text'");
  const id = call.params[0] as string;
  const note = await call.ctx.triage.addNote(id, text, call.caller.name);
  if (note === undefined) throw new RequestError(404, `no alert with id ${id}`);
  sendJson(call.res, 201, noteJson(note));
}

async function audit(call: ApiCall): Promise<void> {
  const id = call.params[0] as string;
  if (!(await call.ctx.triage.exists(id))) throw new RequestError(404, `no alert with id ${id}`);
  sendJson(call.res, 200, { id, audit: (await call.ctx.triage.audit(id)).map(auditJson) });
}

/** Triage: change status, reason, comment, assignee (one alert or many), add notes, read the audit trail. */
export const TRIAGE_ROUTES: readonly ApiRoute[] = [
  { method: 'PATCH', path: new RegExp(`^/api/alerts/${ALERT_ID}$`), name: '/api/alerts/{id}', scope: 'triage', handle: patchAlert },
  { method: 'POST', path: /^\/api\/alerts\/_triage$/, name: '/api/alerts/_triage', scope: 'triage', handle: bulkTriage },
  { method: 'POST', path: new RegExp(`^/api/alerts/${ALERT_ID}/notes$`), name: '/api/alerts/{id}/notes', scope: 'triage', handle: addNote },
  { method: 'GET', path: new RegExp(`^/api/alerts/${ALERT_ID}/audit$`), name: '/api/alerts/{id}/audit', scope: 'read', handle: audit },
];
