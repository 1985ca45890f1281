import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestError, utf8 } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import { accept, httpSource, isRefusal, type IngestContext, type IngestProtocolSpec } from './ingest-protocol.js';
import { prepareObject, prepareText, type Prepared } from './prepare-document.js';

const JSON_TYPES = /^(application\/(json|x-ndjson|ndjson|jsonlines|x-jsonlines)|text\/plain)\b/i;

/** Whether a content type is one of the JSON ones (or absent). */
export function jsonContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type === undefined || type === '' || JSON_TYPES.test(type);
}

/**
 * The documents of a plain JSON body: a JSON array of objects, one object (pretty-printed or not), or JSON
 * lines. A line that is not a JSON object refuses the whole request (400, naming the line): nothing is kept.
 */
export function splitJsonBody(text: string): Prepared[] {
  const head = text.trimStart();
  if (head.startsWith('[') || head.startsWith('{')) {
    let whole: unknown;
    try {
      whole = JSON.parse(text);
    } catch {
      whole = undefined; // JSON lines, or broken: read line by line below
    }
    if (Array.isArray(whole)) {
      return whole.map((v, i) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RequestError(400, `array element ${i + 1} is not a JSON object`);
        return prepareObject(v as { [k: string]: never });
      });
    }
    if (whole !== undefined && whole !== null && typeof whole === 'object') return [prepareText(text.trim(), 'http')];
  }
  const out: Prepared[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const t = raw.trim();
    if (t === '') continue;
    const p = prepareText(t, 'http');
    if (p.kind === 'quarantine') throw new RequestError(400, `line ${line}: ${p.entry.reason}`);
    out.push(p);
  }
  return out;
}

async function ingest(req: IncomingMessage, res: ServerResponse, _url: URL, _p: readonly string[], ctx: IngestContext): Promise<void> {
  try {
    if (!jsonContentType(req)) throw new RequestError(415, `content-type '${req.headers['content-type']}' is not JSON (application/json or application/x-ndjson)`);
    const docs = splitJsonBody(utf8(await readBody(req, ctx.limits)));
    if (docs.length === 0) throw new RequestError(400, 'the body holds no document');
    const r = await accept(ctx, docs, httpSource('ndjson', req));
    if (isRefusal(r)) return sendJson(res, r.status, { error: r.reason }, r.retryAfter !== undefined ? { 'retry-after': String(r.retryAfter) } : {});
    sendJson(res, 200, { accepted: r.filter((x) => typeof x === 'number').length, duplicates: r.filter((x) => x === 'duplicate').length });
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    ctx.metrics.reject(e.status);
    sendJson(res, e.status, { error: e.message });
  }
}

/** `POST /ingest`: JSON array, one object or JSON lines; gzip optional; 200 only once durable. */
export const NDJSON_HTTP: IngestProtocolSpec = {
  name: 'http',
  routes: [{ methods: ['POST', 'PUT'], path: /^\/ingest\/?$/, handle: ingest }],
};
