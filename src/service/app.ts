import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApi, type HealthSource } from './api/api-routes.js';
import { isLoopback, presentedToken } from './api/auth.js';
import { RequestError } from './http/read-body.js';
import { sendJson } from './http/reply.js';
import type { IngestContext, IngestProtocolSpec } from './ingest/ingest-protocol.js';
import type { AlertStore } from './store/alert-store.js';

export interface AppDeps {
  readonly ingest: IngestContext;
  readonly protocols: readonly IngestProtocolSpec[];
  readonly store: AlertStore;
  readonly health: HealthSource;
  readonly ingestToken?: string;
  readonly apiToken?: string;
  /** A handler failed (a bug): logged, the client gets a 500, the service goes on. */
  readonly onError: (e: unknown, req: IncomingMessage) => void;
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The request handler: the API under /api (and /metrics), then each ingest protocol's routes. Builds nothing, listens nowhere. */
export function createApp(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(req, res, deps).catch((e: unknown) => {
      deps.onError(e, req);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error (a bug); the service goes on' });
      else res.destroy();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: AppDeps): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://sigmatch');
  } catch {
    return sendJson(res, 400, { error: `request target '${req.url}' is not a path` });
  }
  const method = req.method ?? 'GET';
  deps.ingest.metrics.requests++;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname === '/metrics') {
    try {
      if (deps.apiToken !== undefined) {
        const t = presentedToken(req);
        if (t === undefined || !same(t, deps.apiToken)) throw new RequestError(401, 'the API needs the token given with --api-token (Authorization: Bearer TOKEN)');
      } else if (!isLoopback(req)) throw new RequestError(403, 'the API answers this machine only unless the service was started with --api-token');
      handleApi(req, res, url, deps.store, deps.health);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      sendJson(res, e.status, { error: e.message });
    }
    return;
  }
  for (const protocol of deps.protocols) {
    for (const route of protocol.routes) {
      const m = route.path.exec(url.pathname);
      if (m === null || !route.methods.includes(method)) continue;
      if (deps.ingestToken !== undefined && route.open !== true) {
        const t = presentedToken(req);
        if (t === undefined || !same(t, deps.ingestToken)) {
          deps.ingest.metrics.reject(401);
          req.resume();
          return sendJson(res, 401, { error: 'ingest needs the token given with --ingest-token (Bearer, Basic password, ApiKey or Splunk)' }, { 'www-authenticate': 'Basic realm="sigmatch"', 'x-elastic-product': 'Elasticsearch' });
        }
      }
      return route.handle(req, res, url, m.slice(1), deps.ingest);
    }
  }
  req.resume();
  sendJson(res, 404, { error: `no endpoint ${method} ${url.pathname}` });
}
