import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestError, utf8 } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import { accept, httpSource, isRefusal, type IngestContext, type IngestProtocolSpec, type Route } from './ingest-protocol.js';
import { prepareText, type Prepared } from './prepare-document.js';

const PRODUCT = { 'x-elastic-product': 'Elasticsearch' };

/** An Elasticsearch-shaped error reply (clients log `error.reason`). */
function esError(res: ServerResponse, status: number, type: string, reason: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status }, { ...PRODUCT, ...headers });
}

/**
 * The version to report: the client's own when its User-Agent names one (Beats refuse an Elasticsearch older
 * than themselves unless allow_older_versions; Elastic-Winlogbeat/9.1.3, elasticsearch-js/9.5.1, Logstash/8.15.0),
 * else the configured one.
 */
export function versionFor(req: IncomingMessage, fallback: string): string {
  const m = /^(?:Elastic-[A-Za-z]+|elasticsearch-js|Logstash|elastic-agent)\/(\d+\.\d+\.\d+)/i.exec(String(req.headers['user-agent'] ?? ''));
  return m?.[1] ?? fallback;
}

function info(req: IncomingMessage, res: ServerResponse, _u: URL, _p: readonly string[], ctx: IngestContext): void {
  const number = versionFor(req, ctx.esVersion);
  const major = Number(number.split('.')[0]);
  sendJson(
    res,
    200,
    {
      name: 'sigmatch',
      cluster_name: 'sigmatch',
      cluster_uuid: 'c2lnbWF0Y2gtc2VydmljZQ',
      version: { number, build_flavor: 'default', build_type: 'tar', lucene_version: major >= 9 ? '10.2.2' : '9.12.0', minimum_wire_compatibility_version: `${major - 1}.18.0`, minimum_index_compatibility_version: `${major - 1}.0.0` },
      tagline: 'You Know, for Search',
    },
    PRODUCT,
  );
}

function license(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { license: { status: 'active', uid: 'sigmatch', type: 'basic', issue_date: '2026-01-01T00:00:00.000Z', issue_date_in_millis: 1767225600000, max_nodes: 1000, issued_to: 'sigmatch', issuer: 'sigmatch', start_date_in_millis: -1 } }, PRODUCT);
}

function clusterHealth(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { cluster_name: 'sigmatch', status: 'green', timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1, active_primary_shards: 1, active_shards: 1, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0, active_shards_percent_as_number: 100 }, PRODUCT);
}

/**
 * Index templates, ILM policies, ingest pipelines and indices that Beats and Logstash check for and install at
 * start: kept in memory (ctx.esInstalled; nothing uses them) so that "exists?" after "install" says yes for the
 * process's life.
 */
async function setup(req: IncomingMessage, res: ServerResponse, url: URL, _p: readonly string[], ctx: IngestContext): Promise<void> {
  const installed = ctx.esInstalled;
  const key = decodeURIComponent(url.pathname);
  const method = req.method ?? 'GET';
  if (method === 'PUT' || method === 'POST') {
    const body = await readBody(req, { maxBytes: 8 << 20, maxDecoded: 32 << 20 }).catch(() => Buffer.alloc(0));
    let value: unknown = {};
    try {
      value = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      value = {};
    }
    installed.set(key, value);
    const index = /^\/([^_/][^/]*)$/.exec(key)?.[1];
    return sendJson(res, 200, index !== undefined ? { acknowledged: true, shards_acknowledged: true, index } : { acknowledged: true }, PRODUCT);
  }
  req.resume();
  if (method === 'DELETE') {
    installed.delete(key);
    return sendJson(res, 200, { acknowledged: true }, PRODUCT);
  }
  const value = installed.get(key);
  if (value === undefined) {
    if (method === 'HEAD') {
      res.writeHead(404, PRODUCT);
      return void res.end();
    }
    return esError(res, 404, 'resource_not_found_exception', `${key} is not installed`);
  }
  if (method === 'HEAD') {
    res.writeHead(200, PRODUCT);
    return void res.end();
  }
  const name = key.split('/').pop() ?? '';
  // Each API answers with its own wrapping; clients only look at the status.
  if (key.startsWith('/_index_template/')) return sendJson(res, 200, { index_templates: [{ name, index_template: value }] }, PRODUCT);
  return sendJson(res, 200, { [name]: value }, PRODUCT);
}

const ACTIONS = new Set(['index', 'create', 'update', 'delete']);
const BULK_TYPES = /^application\/(json|x-ndjson|vnd\.elasticsearch\+(json|x-ndjson))\b/i;

export interface Action {
  readonly name: string;
  readonly index: string;
  readonly id: string | undefined;
  /** Index into the prepared documents, or undefined (delete: nothing to journal). */
  readonly doc: number | undefined;
}

const isObj = (v: unknown): v is { [k: string]: unknown } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An action line (`i`: its index, for the error) read: its action, index and id; RequestError 400 when it is not one. */
function actionOf(line: string, i: number, defaultIndex: string): Omit<Action, 'doc'> {
  let meta: unknown;
  try {
    meta = JSON.parse(line);
  } catch (e) {
    throw new RequestError(400, `Malformed action/metadata line [${i + 1}], expected a JSON object: ${(e as Error).message}`);
  }
  const names = isObj(meta) ? Object.keys(meta) : [];
  const name = names[0];
  if (names.length !== 1 || name === undefined || !ACTIONS.has(name)) throw new RequestError(400, `Malformed action/metadata line [${i + 1}], expected one of index, create, update, delete but found ${JSON.stringify(names)}`);
  const m = (meta as { [k: string]: unknown })[name];
  const params = isObj(m) ? m : {};
  const index = typeof params['_index'] === 'string' ? params['_index'] : defaultIndex;
  const id = typeof params['_id'] === 'string' || typeof params['_id'] === 'number' ? String(params['_id']) : undefined;
  return { name, index, id };
}

/**
 * Parses a bulk body: action line, then (except for delete) the document line. A broken action line or a
 * missing document refuses the whole request (400, naming the line); a document that is not a JSON object is
 * quarantined and answered as success, so that no shipper wedges on one bad record.
 */
export function parseBulk(text: string, defaultIndex: string): { actions: Action[]; prepared: Prepared[] } {
  const lines = text.split('\n');
  const actions: Action[] = [];
  const prepared: Prepared[] = [];
  // Shippers repeat one action line (`{"create":{"_index":"winlogbeat-9.1.3"}}`): the same text reads the same.
  let lastLine = '';
  let lastMeta: Omit<Action, 'doc'> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    if (line !== lastLine || lastMeta === undefined) {
      lastMeta = actionOf(line, i, defaultIndex);
      lastLine = line;
    }
    const { name, index, id } = lastMeta;
    if (name === 'delete') {
      actions.push({ name, index, id, doc: undefined });
      continue;
    }
    i++;
    while (i < lines.length && (lines[i] as string).trim() === '') i++;
    if (i >= lines.length) throw new RequestError(400, `action/metadata line [${i}] has no document line after it`);
    let docText = (lines[i] as string).trim();
    if (name === 'update') {
      // The document of an update is its `doc` (or `upsert`); scripts are not events.
      try {
        const u = JSON.parse(docText) as unknown;
        const inner = isObj(u) ? (u['doc'] ?? u['upsert']) : undefined;
        if (isObj(inner)) docText = JSON.stringify(inner);
      } catch {
        // quarantined below
      }
    }
    const p = prepareText(docText, 'es-bulk');
    actions.push({ name, index, id, doc: prepared.length });
    prepared.push(p);
  }
  return { actions, prepared };
}

/**
 * One item of the bulk reply as text, the same as JSON.stringify of
 * `{[name]: {_index, _id, _version: 1, result, _shards: {total: 1, successful: 1, failed: 0}, _seq_no?, _primary_term?, status}}`
 * (built as text: 1,600 objects per request were stringified one by one).
 */
export function itemText(a: Action, outcome: number | 'duplicate' | 'quarantined' | undefined): string {
  const created = typeof outcome === 'number';
  const id = a.id ?? (created ? `sm${outcome.toString(36)}` : `sm-${createHash('sha1').update(String(a.doc)).digest('hex').slice(0, 12)}`);
  const head = `{${JSON.stringify(a.name)}:{"_index":${JSON.stringify(a.index)},"_id":${a.id === undefined ? `"${id}"` : JSON.stringify(id)},"_version":1,`;
  return created ? `${head}"result":"created","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":${outcome},"_primary_term":1,"status":201}}` : `${head}"result":"noop","_shards":{"total":1,"successful":1,"failed":0},"status":200}}`;
}

async function bulk(req: IncomingMessage, res: ServerResponse, _url: URL, params: readonly string[], ctx: IngestContext): Promise<void> {
  const started = Date.now();
  try {
    const type = req.headers['content-type'];
    if (type !== undefined && !BULK_TYPES.test(type)) throw new RequestError(406, `Content-Type header [${type}] is not supported (application/json or application/x-ndjson)`);
    const text = utf8(await readBody(req, ctx.limits));
    const { actions, prepared } = parseBulk(text, params[0] !== undefined ? decodeURIComponent(params[0]) : 'sigmatch');
    if (actions.length === 0) throw new RequestError(400, 'request body is required (no bulk actions)');
    const r = await accept(ctx, prepared, httpSource('elasticsearch', req));
    if (isRefusal(r)) return esError(res, r.status, r.status === 429 ? 'es_rejected_execution_exception' : 'cluster_block_exception', r.reason, r.retryAfter !== undefined ? { 'retry-after': String(r.retryAfter) } : {});
    // `errors` before `items`, compact: Fluent Bit searches the text for `"errors":false,"items":[`.
    const items = actions.map((a) => itemText(a, a.doc === undefined ? undefined : r[a.doc]));
    const reply = `{"took":${Date.now() - started},"errors":false,"items":[${items.join(',')}]}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply), ...PRODUCT });
    res.end(reply);
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    ctx.metrics.reject(e.status);
    esError(res, e.status, e.status === 413 ? 'request_entity_too_large' : e.status === 406 ? 'media_type_not_supported' : 'illegal_argument_exception', e.message);
  }
}

const route = (methods: string[], path: RegExp, handle: Route['handle']): Route => ({ methods, path, handle });

/** The Elasticsearch endpoints Winlogbeat, Elastic Agent, Logstash, Fluent Bit and Vector call (see service-notes §1.2). */
export const ES_BULK: IngestProtocolSpec = {
  name: 'elasticsearch',
  routes: [
    route(['GET', 'HEAD'], /^\/$/, info),
    route(['GET'], /^\/_license\/?$/, license),
    route(['GET'], /^\/_xpack\/license\/?$/, license),
    route(['GET'], /^\/_cluster\/health(?:\/[^/]*)?\/?$/, clusterHealth),
    route(['POST', 'PUT'], /^\/_bulk\/?$/, bulk),
    route(['POST', 'PUT'], /^\/([^_/][^/]*)\/_bulk\/?$/, bulk),
    route(['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], /^\/(?:_index_template|_template|_component_template|_ilm\/policy|_ingest\/pipeline|_data_stream)\/[^/]+\/?$/, setup),
    // Logstash's ILM rollover alias and write index (HEAD /<alias>, PUT /%3C<alias>-{now/d}-000001%3E).
    route(['HEAD', 'PUT'], /^\/[^_/][^/]*\/?$/, setup),
  ],
};
