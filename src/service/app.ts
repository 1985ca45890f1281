import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApi, type ApiContext } from './api/api-routes.js';
import { authenticate, ingestAllowed } from './api/auth.js';
import { RequestError } from './http/read-body.js';
import { sendJson } from './http/reply.js';
import type { IngestContext, IngestProtocolSpec } from './ingest/ingest-protocol.js';
import type { TokenAuthority } from './store/token-store.js';
import { isUiPath, serveUi } from './ui/serve-ui.js';

export interface AppDeps {
  readonly ingest: IngestContext;
  readonly protocols: readonly IngestProtocolSpec[];
  /** What the API reads and writes. */
  readonly api: ApiContext;
  /** The named API tokens (`sigmatch token`), asked on each API request. */
  readonly tokens: TokenAuthority;
  readonly ingestToken?: string;
  readonly apiToken?: string;
  /** A handler failed (a bug): logged, the client gets a 500, the service goes on. */
  readonly onError: (e: unknown, req: IncomingMessage) => void;
}

/** The request handler: the API under /api (and /metrics), the dashboard's files under /ui/, then each ingest protocol's routes. Builds nothing, listens nowhere. */
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
      const caller = authenticate(req, { tokens: deps.tokens, ...(deps.apiToken !== undefined ? { apiToken: deps.apiToken } : {}) });
      await handleApi(req, res, url, caller, deps.api);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      req.resume();
      sendJson(res, e.status, { error: e.message }, e.status === 401 ? { 'www-authenticate': 'Bearer realm="sigmatch"' } : {});
    }
    return;
  }
  if (isUiPath(url.pathname)) return serveUi(req, res, url);
  for (const protocol of deps.protocols) {
    for (const route of protocol.routes) {
      const m = route.path.exec(url.pathname);
      if (m === null || !route.methods.includes(method)) continue;
      if (route.open !== true && !ingestAllowed(req, deps.ingestToken, deps.tokens)) {
        deps.ingest.metrics.reject(401);
        req.resume();
        return sendJson(res, 401, { error: 'ingest needs a token: SIGMATCH_INGEST_TOKEN or one made with sigmatch token create --scope ingest (Bearer, Basic password, ApiKey or Splunk)' }, { 'www-authenticate': 'Basic realm="sigmatch"', 'x-elastic-product': 'Elasticsearch' });
      }
      return route.handle(req, res, url, m.slice(1), deps.ingest);
    }
  }
  req.resume();
  sendJson(res, 404, { error: `no endpoint ${method} ${url.pathname}` });
}
