import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import type { AlertQuery } from '../store/alert-store.js';
import { StoreUnavailable } from '../store/alert-store-api.js';
import { STATUSES, type TriageStatus } from '../store/triage-store.js';
import { scopeAllows } from '../store/token-store.js';
import { alertDocument } from './alert-document.js';
import type { ApiCall, ApiContext, ApiRoute } from './api-route.js';
import type { Caller } from './auth.js';
import { renderPrometheus } from './prometheus.js';
import { RULES_ROUTE } from './rules-route.js';
import { STORY_ROUTES } from './story-route.js';
import { SUPPRESS_ROUTES } from './suppress-routes.js';
import { ALERT_ID, TRIAGE_ROUTES } from './triage-routes.js';

export type { ApiContext, HealthSource } from './api-route.js';

const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];

function time(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t)) throw new RequestError(400, `query parameter '${name}': '${v}' is not a time (ISO-8601 or ms since epoch)`);
  return t;
}

function text(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  return v === null || v === '' ? undefined : v;
}

async function listAlerts({ url, res, ctx }: ApiCall): Promise<void> {
  const limitText = text(url, 'limit') ?? '100';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RequestError(400, `query parameter 'limit': '${limitText}' is not a whole number from 1 to 1000`);
  const level = text(url, 'level');
  if (level !== undefined && !LEVELS.includes(level)) throw new RequestError(400, `query parameter 'level': '${level}' is not one of ${LEVELS.join(', ')}`);
  const status = text(url, 'status');
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new RequestError(400, `query parameter 'status': '${status}' is not one of ${STATUSES.join(', ')}`);
  const q = { from: time(url, 'from'), to: time(url, 'to'), host: text(url, 'host'), rule: text(url, 'rule'), level, status: status as TriageStatus | undefined, assignee: text(url, 'assignee'), cursor: text(url, 'cursor') };
  const given = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Omit<AlertQuery, 'limit'>;
  const page = await ctx.store.list({ limit, ...given });
  sendJson(res, 200, { alerts: page.alerts.map((a) => alertDocument(a)), next: page.next });
}

async function getAlert({ params, res, ctx }: ApiCall): Promise<void> {
  const id = params[0] as string;
  const a = await ctx.store.get(id);
  if (a === undefined) throw new RequestError(404, `no alert with id ${id}`);
  sendJson(res, 200, alertDocument(a, await ctx.triage.notes(id)));
}

const isoOrNull = (t: number | null) => (t === null ? null : new Date(t).toISOString());

async function listHosts({ res, ctx }: ApiCall): Promise<void> {
  const hosts = await ctx.store.hosts();
  sendJson(res, 200, { hosts: hosts.map((h) => ({ name: h.name, alerts: h.alerts, open: h.open, levels: h.levels, first_alert: isoOrNull(h.firstAlert), last_alert: isoOrNull(h.lastAlert) })) });
}

async function metrics({ res, ctx }: ApiCall): Promise<void> {
  const body = renderPrometheus(await ctx.health.metrics());
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Every endpoint under /api (and /metrics), with the scope a token needs for it. */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: /^\/api\/health$/, name: '/api/health', scope: 'read', handle: async ({ res, ctx }) => sendJson(res, 200, await ctx.health.health()) },
  { method: 'GET', path: /^\/metrics$/, name: '/metrics', scope: 'read', handle: metrics },
  { method: 'GET', path: /^\/api\/alerts$/, name: '/api/alerts', scope: 'read', handle: listAlerts },
  { method: 'GET', path: /^\/api\/hosts$/, name: '/api/hosts', scope: 'read', handle: listHosts },
  { method: 'GET', path: new RegExp(`^/api/alerts/${ALERT_ID}$`), name: '/api/alerts/{id}', scope: 'read', handle: getAlert },
  ...TRIAGE_ROUTES,
  ...STORY_ROUTES,
  ...SUPPRESS_ROUTES,
  RULES_ROUTE,
];

/**
 * Routes an authenticated API request: 404 for a path no endpoint has, 405 for a method the path does not take,
 * 403 naming the scope when the caller's token lacks it. HEAD is answered as GET.
 */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, ctx: ApiContext): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const matching = API_ROUTES.map((route) => ({ route, m: route.path.exec(path) })).filter((x) => x.m !== null);
  if (matching.length === 0) throw new RequestError(404, `no API endpoint ${url.pathname} (see /api/alerts, /api/alerts/{id}, /api/hosts, /api/rules, /api/health)`);
  const hit = matching.find((x) => x.route.method === method);
  if (hit === undefined) throw new RequestError(405, `${req.method} is not allowed on ${url.pathname} (${matching.map((x) => x.route.method).join(', ')})`);
  const { route, m } = hit;
  if (!scopeAllows(caller.scope, route.scope)) throw new RequestError(403, `${route.method} ${route.name} needs a token with scope '${route.scope}' (or above); '${caller.name}' has '${caller.scope}'`);
  try {
    await route.handle({ req, res, url, params: (m as RegExpExecArray).slice(1), caller, ctx });
  } catch (e) {
    // PostgreSQL down or unreachable: nothing was read or changed; the client may retry.
    if (e instanceof StoreUnavailable) throw new RequestError(503, `${e.message}; nothing was changed, try again`);
    // The database refused (disk full, locked past the timeout, I/O): the transaction rolled back; the client may retry.
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) throw e;
    throw new RequestError(code === 'SQLITE_FULL' ? 507 : 503, `the alert store could not be ${method === 'GET' ? 'read' : 'written'} (${(e as Error).message}); nothing was changed, try again`);
  }
}
