import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import type { AlertStore, StoredAlert } from '../store/alert-store.js';
import { renderPrometheus, type MetricFamily } from './prometheus.js';

/** What the health endpoint reads. */
export interface HealthSource {
  readonly health: () => object;
  /** The same numbers as Prometheus metric families (`GET /metrics`). */
  readonly metrics: () => readonly MetricFamily[];
}

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

const doc = (a: StoredAlert): unknown => JSON.parse(a.doc);

/**
 * `GET /api/alerts?from&to&host&rule&level&limit&cursor` → `{"alerts": [ECS documents], "next": cursor|null}`,
 * newest first; `GET /api/alerts/{id}` → one ECS document; `GET /api/health`; `GET /metrics` (Prometheus).
 */
export function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, store: AlertStore, health: HealthSource): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new RequestError(405, `${req.method} is not allowed on ${url.pathname}`);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/api/health') return sendJson(res, 200, health.health());
  if (path === '/metrics') {
    const text = renderPrometheus(health.metrics());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  if (path === '/api/alerts') {
    const limitText = text(url, 'limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RequestError(400, `query parameter 'limit': '${limitText}' is not a whole number from 1 to 1000`);
    const level = text(url, 'level');
    if (level !== undefined && !LEVELS.includes(level)) throw new RequestError(400, `query parameter 'level': '${level}' is not one of ${LEVELS.join(', ')}`);
    const from = time(url, 'from');
    const to = time(url, 'to');
    const host = text(url, 'host');
    const rule = text(url, 'rule');
    const cursor = text(url, 'cursor');
    const page = store.list({ limit, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(host !== undefined ? { host } : {}), ...(rule !== undefined ? { rule } : {}), ...(level !== undefined ? { level } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    return sendJson(res, 200, { alerts: page.alerts.map(doc), next: page.next });
  }
  const one = /^\/api\/alerts\/([0-9a-f]{32})$/.exec(path);
  if (one !== null) {
    const a = store.get(one[1] as string);
    if (a === undefined) throw new RequestError(404, `no alert with id ${one[1]}`);
    return sendJson(res, 200, doc(a));
  }
  throw new RequestError(404, `no API endpoint ${url.pathname} (see /api/alerts, /api/alerts/{id}, /api/health)`);
}
