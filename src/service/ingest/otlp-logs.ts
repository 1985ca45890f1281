import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldValue } from '../../event/event.js';
import { readBody, RequestError, utf8 } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import { accept, httpSource, isRefusal, type IngestContext, type IngestProtocolSpec } from './ingest-protocol.js';
import { decodeOtlpLogsProtobuf, encodeStatus } from './otlp-protobuf.js';
import { prepareObject, type Prepared } from './prepare-document.js';

type Obj = { [k: string]: FieldValue };
const isObj = (v: unknown): v is { [k: string]: unknown } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An OTLP AnyValue (JSON encoding) as a plain value. */
export function anyValue(v: unknown): FieldValue {
  if (!isObj(v)) return null;
  if ('stringValue' in v) return String(v['stringValue']);
  if ('boolValue' in v) return v['boolValue'] === true;
  if ('intValue' in v) return Number(v['intValue']); // int64 travels as a string in OTLP JSON
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('bytesValue' in v) return String(v['bytesValue']);
  if (isObj(v['arrayValue'])) return ((v['arrayValue']['values'] as unknown[]) ?? []).map(anyValue);
  if (isObj(v['kvlistValue'])) return keyValues(v['kvlistValue']['values']);
  return null;
}

function keyValues(list: unknown): Obj {
  const out: Obj = {};
  if (Array.isArray(list)) for (const kv of list) if (isObj(kv) && typeof kv['key'] === 'string') out[kv['key']] = anyValue(kv['value']);
  return out;
}

/**
 * The collector's windowseventlog receiver puts the event in the body as a map (channel, computer, event_id.id,
 * record_id, system_time, provider.name, event_data): rewritten to the Winlogbeat shape, so it maps like EVTX.
 */
function windowsEventBody(body: Obj): Obj | undefined {
  if (typeof body['channel'] !== 'string' || body['event_data'] === undefined) return undefined;
  const eventId = isObj(body['event_id']) ? body['event_id']['id'] : body['event_id'];
  let data = body['event_data'];
  // Older receivers: {"data": [{"Image": "..."}, ...]}.
  if (isObj(data) && Array.isArray(data['data'])) data = Object.assign({}, ...data['data'].filter(isObj)) as Obj;
  return {
    ...(typeof body['system_time'] === 'string' ? { '@timestamp': body['system_time'] } : {}),
    winlog: {
      channel: body['channel'],
      computer_name: body['computer'] ?? null,
      event_id: eventId ?? null,
      record_id: body['record_id'] ?? null,
      provider_name: isObj(body['provider']) ? (body['provider']['name'] ?? null) : null,
      event_data: isObj(data) ? data : {},
    },
  };
}

function recordDocument(record: { [k: string]: unknown }, resource: Obj): Obj {
  const body = anyValue(record['body']);
  let doc: Obj;
  if (isObj(body)) doc = windowsEventBody(body as Obj) ?? { ...(body as Obj) };
  else if (typeof body === 'string' && body.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      doc = isObj(parsed) ? (parsed as Obj) : { message: body };
    } catch {
      doc = { message: body };
    }
  } else doc = { message: body };
  for (const [k, v] of Object.entries(keyValues(record['attributes']))) if (doc[k] === undefined) doc[k] = v;
  const host = resource['host.name'];
  if (doc['host'] === undefined && typeof host === 'string') doc['host'] = { name: host };
  const nanos = record['timeUnixNano'] ?? record['observedTimeUnixNano'];
  if (doc['@timestamp'] === undefined && (typeof nanos === 'string' || typeof nanos === 'number') && /^\d+$/.test(String(nanos)) && String(nanos) !== '0') {
    doc['@timestamp'] = new Date(Number(BigInt(String(nanos)) / 1_000_000n)).toISOString();
  }
  return doc;
}

/** The log records of an ExportLogsServiceRequest (JSON encoding) as documents. */
export function otlpDocuments(request: unknown): Prepared[] {
  if (!isObj(request) || !Array.isArray(request['resourceLogs'])) throw new RequestError(400, 'body is not an OTLP ExportLogsServiceRequest (no resourceLogs array)');
  const out: Prepared[] = [];
  for (const rl of request['resourceLogs']) {
    if (!isObj(rl)) continue;
    const resource = keyValues(isObj(rl['resource']) ? rl['resource']['attributes'] : undefined);
    for (const sl of Array.isArray(rl['scopeLogs']) ? rl['scopeLogs'] : []) {
      if (!isObj(sl)) continue;
      for (const record of Array.isArray(sl['logRecords']) ? sl['logRecords'] : []) if (isObj(record)) out.push(prepareObject(recordDocument(record, resource)));
    }
  }
  return out;
}

async function logs(req: IncomingMessage, res: ServerResponse, _u: URL, _p: readonly string[], ctx: IngestContext): Promise<void> {
  const type = String(req.headers['content-type'] ?? '');
  // OTLP answers in the request's encoding: an empty ExportLogsServiceResponse, or a google.rpc.Status.
  const protobuf = /^application\/(x-)?protobuf\b/i.test(type);
  const reply = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
    if (!protobuf) return sendJson(res, status, status === 200 ? { partialSuccess: {} } : { code, message }, headers);
    const body = status === 200 ? new Uint8Array(0) : encodeStatus(code, message);
    res.writeHead(status, { 'content-type': 'application/x-protobuf', 'content-length': body.length, ...headers });
    res.end(body);
  };
  try {
    if (!protobuf && !/^application\/json\b/i.test(type)) throw new RequestError(415, `content-type '${type}' is not OTLP (application/json or application/x-protobuf)`);
    const bytes = await readBody(req, ctx.limits);
    let request: unknown;
    if (protobuf) request = decodeOtlpLogsProtobuf(bytes);
    else {
      try {
        request = JSON.parse(utf8(bytes));
      } catch (e) {
        if (e instanceof RequestError) throw e;
        throw new RequestError(400, `body is not JSON: ${(e as Error).message}`);
      }
    }
    const docs = otlpDocuments(request);
    if (docs.length > 0) {
      const r = await accept(ctx, docs, httpSource('otlp', req));
      if (isRefusal(r)) return reply(r.status === 429 ? 429 : 503, 14, r.reason, { 'retry-after': String(r.retryAfter ?? 5) }); // UNAVAILABLE: retryable
    }
    reply(200, 0, '');
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    ctx.metrics.reject(e.status);
    reply(e.status, 3, e.message); // INVALID_ARGUMENT
  }
}

/** OTLP/HTTP logs, JSON and protobuf encodings (`POST /v1/logs`). */
export const OTLP_LOGS: IngestProtocolSpec = {
  name: 'otlp',
  routes: [{ methods: ['POST'], path: /^\/v1\/logs\/?$/, handle: logs }],
};
