import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventFromObject, type FieldValue } from '../../event/event.js';
import { normalizeWindowsEvent } from '../../pipeline/normalize-event.js';
import { loadRuleTexts } from '../../rule/load-rules.js';
import type { SigmaFilter, SigmaRule } from '../../rule/model.js';
import { filterVerdicts } from '../../tuning/filter-verdict.js';
import { defaultSuppressionFields, renderSuppressionFilter, suppressionCandidates, type SuppressionField, type SuppressionFilter } from '../../tuning/suppression-filter.js';
import { RequestError } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import type { TriagedAlert } from '../store/alert-store.js';
import type { ApiCall, ApiRoute } from './api-route.js';
import { readJsonBody, textField } from './json-body.js';
import { ALERT_ID } from './triage-routes.js';

const DAY = 86_400_000;
/** The preview reads at most this many of the rule's alerts (newest first) and says when it stopped there. */
const MAX_PREVIEW = 50_000;
const PAGE = 1000;
const SAMPLE = 20;

type Doc = { sigmatch?: { event?: { [k: string]: FieldValue }; correlation?: unknown } };

/** What a suppression is made from: the alert, its rule as running now, its event's fields. */
interface Subject {
  readonly alert: TriagedAlert;
  readonly rule: SigmaRule;
  readonly candidates: readonly SuppressionField[];
}

async function subjectOf(call: ApiCall): Promise<Subject> {
  const id = call.params[0] as string;
  const alert = await call.ctx.store.get(id);
  if (alert === undefined) throw new RequestError(404, `no alert with id ${id}`);
  const doc = JSON.parse(alert.doc) as Doc;
  if (doc.sigmatch?.correlation !== undefined) throw new RequestError(400, `alert ${id} is a correlation alert: a filter suppresses a rule's alerts, so suppress the alerts of the rules it correlates`);
  const fields = doc.sigmatch?.event;
  if (fields === undefined) throw new RequestError(400, `alert ${id} carries no event fields (sigmatch.event) to make a suppression from`);
  const running = call.ctx.suppressions.ruleSet().rules.find(({ rule }) => (rule.id ?? rule.title) === alert.ruleId);
  if (running === undefined) throw new RequestError(409, `the rule of alert ${id} ('${alert.ruleTitle}', ${alert.ruleId}) is not running now: a suppression for it would not load`);
  return { alert, rule: running.rule, candidates: suppressionCandidates(fields) };
}

/** The chosen fields (given names, else the default), each one the event has. */
function chosenTests(s: Subject, names: readonly string[] | undefined): SuppressionField[] {
  const byName = new Map(s.candidates.map((c) => [c.name, c]));
  const list = names ?? defaultSuppressionFields(s.candidates);
  if (list.length === 0) throw new RequestError(400, 'the alert\'s event has no field a suppression can test');
  return [...new Set(list)].map((n) => {
    const c = byName.get(n);
    if (c === undefined) throw new RequestError(400, `field '${n}' is not one a suppression of this alert can test (${s.candidates.map((x) => x.name).join(', ')})`);
    return c;
  });
}

function daysOf(v: unknown, what: string): number {
  if (v === undefined || v === null || v === '') return 7;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new RequestError(400, `${what}: ${JSON.stringify(v)} is not a whole number of days from 1 to 365`);
  return n;
}

/** The filter document parsed back by the rule loader: what the service will load, or the loader's complaint (a bug). */
function parsedFilter(dir: string, f: SuppressionFilter): SigmaFilter {
  const c = loadRuleTexts([{ file: join(dir, f.file), text: f.yaml }]);
  const filter = c.filters[0];
  const problem = c.diagnostics.find((d) => d.severity === 'error');
  if (filter === undefined || problem !== undefined) throw new Error(`the suppression filter did not parse: ${problem?.message ?? 'no filter document'}`);
  return filter;
}

/** How many of the rule's alerts over the last `days` the filter would have suppressed (its verdict on each one's event). */
async function wouldSuppress(call: ApiCall, s: Subject, filter: SigmaFilter, days: number) {
  const since = Date.now() - days * DAY;
  let alerts = 0;
  let open = 0;
  let scanned = 0;
  const hosts = new Set<string>();
  const sample: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await call.ctx.store.list({ rule: s.alert.ruleId, from: since, limit: PAGE, ...(cursor !== null ? { cursor } : {}) });
    for (const a of page.alerts) {
      scanned++;
      const fields = (JSON.parse(a.doc) as Doc).sigmatch?.event;
      if (fields === undefined || a.ruleId !== s.alert.ruleId) continue;
      const [verdict] = filterVerdicts([filter], s.rule, normalizeWindowsEvent(eventFromObject(fields)));
      if (verdict?.suppresses !== true) continue;
      alerts++;
      if (a.triage.status === 'open') open++;
      hosts.add(a.host.toLowerCase());
      if (sample.length < SAMPLE) sample.push(a.id);
    }
    cursor = page.next;
    // Between pages the event loop serves others.
    await new Promise((done) => setImmediate(done));
  } while (cursor !== null && scanned < MAX_PREVIEW);
  return { alerts, open, hosts: hosts.size, days, since: new Date(since).toISOString(), scanned, complete: cursor === null, sample };
}

function described(s: Subject, tests: readonly SuppressionField[], f: SuppressionFilter) {
  return { rule: { id: s.alert.ruleId, title: s.rule.title }, fields: tests, candidates: s.candidates, filter: { id: f.id, title: f.title, file: f.file }, yaml: f.yaml };
}

async function preview(call: ApiCall): Promise<void> {
  const s = await subjectOf(call);
  const given = call.url.searchParams.get('fields');
  const tests = chosenTests(s, given === null || given === '' ? undefined : given.split(',').map((x) => x.trim()).filter((x) => x !== ''));
  const days = daysOf(call.url.searchParams.get('days') ?? undefined, "query parameter 'days'");
  const dir = call.ctx.suppressions.dir;
  const f = renderSuppressionFilter(s.rule, tests, { alertId: s.alert.id, who: call.caller.name, at: Date.now() });
  sendJson(call.res, 200, { ...described(s, tests, f), would_suppress: await wouldSuppress(call, s, parsedFilter(dir, f), days) });
}

/** Writes the file whole (a reader never sees half of it); false when the same filter is already there. */
function writeFilterFile(path: string, text: string): boolean {
  try {
    const old = readFileSync(path, 'utf8');
    // The same tests: the same id and file; only the header comment (who, when) differs.
    if (old.split('\n').slice(1).join('\n') === text.split('\n').slice(1).join('\n')) return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}

async function save(call: ApiCall): Promise<void> {
  const body = await readJsonBody(call.req, ['fields', 'comment', 'days']);
  const names = body['fields'];
  if (names !== undefined && (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string'))) throw new RequestError(400, "'fields' must be a list of field names");
  const comment = textField(body, 'comment', 2000, true) ?? undefined;
  const days = daysOf(body['days'], "'days'");
  const s = await subjectOf(call);
  const tests = chosenTests(s, names as string[] | undefined);
  const dir = call.ctx.suppressions.dir;
  const f = renderSuppressionFilter(s.rule, tests, { alertId: s.alert.id, who: call.caller.name, at: Date.now(), ...(comment !== undefined ? { comment } : {}) });
  const filter = parsedFilter(dir, f);
  const path = join(dir, f.file);
  mkdirSync(dir, { recursive: true });
  let created: boolean;
  try {
    created = writeFilterFile(path, f.yaml);
  } catch (e) {
    throw new RequestError(507, `the suppression could not be written to ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was changed`);
  }
  try {
    await call.ctx.suppressions.reload();
  } catch (e) {
    if (created) unlinkSync(path);
    throw new RequestError(503, `the rules could not be reloaded with the suppression (${(e as Error).message}); it was not kept, the previous rules keep running`);
  }
  if (!call.ctx.suppressions.ruleSet().gates.filters.some((x) => x.id === f.id)) {
    if (created) unlinkSync(path);
    throw new Error(`the suppression ${f.id} was written and the rules reloaded, but it is not among the filters running`);
  }
  await call.ctx.triage.addNote(s.alert.id, `Suppression saved: ${f.title} (${path})${comment !== undefined ? `: ${comment}` : ''}`, call.caller.name);
  sendJson(call.res, created ? 201 : 200, { ...described(s, tests, f), file: path, created, would_suppress: await wouldSuppress(call, s, filter, days) });
}

/** Suppressions made from an alert: preview what a filter on its event's values would have suppressed, then save it. */
export const SUPPRESS_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: new RegExp(`^/api/alerts/${ALERT_ID}/suppression$`), name: '/api/alerts/{id}/suppression', scope: 'read', handle: preview },
  { method: 'POST', path: new RegExp(`^/api/alerts/${ALERT_ID}/suppression$`), name: '/api/alerts/{id}/suppression', scope: 'admin', handle: save },
];
