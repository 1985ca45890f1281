import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldValue } from '../../event/event.js';
import { readBody, RequestError, utf8 } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import { accept, httpSource, isRefusal, type IngestContext, type IngestProtocolSpec, type IngestSource } from './ingest-protocol.js';
import { prepareObject, type Prepared } from './prepare-document.js';

type Obj = { [k: string]: FieldValue };
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A HEC refusal: HTTP status, HEC code and text (Splunk's table; clients read `code`). */
class HecError extends RequestError {
  constructor(
    status: number,
    readonly code: number,
    message: string,
    readonly extra: object = {},
  ) {
    super(status, message);
  }
}

/** Top-level JSON texts written back to back (HEC's event body is not an array): their start offsets and text. */
export function splitConcatenated(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (depth++ === 0) start = i;
    } else if (c === 125 || c === 93) {
      if (--depth === 0) out.push(text.slice(start, i + 1));
      if (depth < 0) throw new HecError(400, 6, 'Invalid data format', { 'invalid-event-number': out.length });
    } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9) throw new HecError(400, 6, 'Invalid data format', { 'invalid-event-number': out.length });
  }
  if (depth !== 0 || inString) throw new HecError(400, 6, 'Invalid data format', { 'invalid-event-number': out.length });
  return out;
}

/** The event of one HEC envelope as a document: an object event as it is, a JSON string parsed, other text as `message`. */
function envelopeDocument(env: Obj, n: number): Obj {
  const event = env['event'];
  if (event === undefined) throw new HecError(400, 12, 'Event field is required', { 'invalid-event-number': n });
  if (event === '' || event === null) throw new HecError(400, 13, 'Event field cannot be blank', { 'invalid-event-number': n });
  let doc: Obj;
  if (isObj(event)) doc = { ...event };
  else {
    const text = String(event);
    let parsed: unknown;
    try {
      parsed = text.trimStart().startsWith('{') ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    doc = isObj(parsed) ? parsed : { message: text };
  }
  // The envelope's host and time fill what the event lacks (a flat NXLog-style event names neither).
  if (doc['host'] === undefined && doc['Computer'] === undefined && typeof env['host'] === 'string') doc['host'] = { name: env['host'] };
  const time = env['time'];
  if (doc['@timestamp'] === undefined && (typeof time === 'number' || (typeof time === 'string' && /^\d+(\.\d+)?$/.test(time)))) doc['@timestamp'] = new Date(Number(time) * 1000).toISOString();
  if (isObj(env['fields'])) for (const [k, v] of Object.entries(env['fields'])) if (doc[k] === undefined) doc[k] = v;
  return doc;
}

function channelOf(req: IncomingMessage, url: URL): string | undefined {
  const h = req.headers['x-splunk-request-channel'];
  const v = (Array.isArray(h) ? h[0] : h) ?? url.searchParams.get('channel') ?? undefined;
  return v === undefined || v === '' ? undefined : v;
}

async function journalDocs(res: ServerResponse, ctx: IngestContext, prepared: Prepared[], channel: string | undefined, source: IngestSource): Promise<void> {
  if (prepared.length === 0) throw new HecError(400, 5, 'No data');
  const r = await accept(ctx, prepared, source);
  if (isRefusal(r)) return sendJson(res, 503, { text: 'Server is busy', code: 9, reason: r.reason }, { 'retry-after': String(r.retryAfter ?? 5) });
  if (channel === undefined) return sendJson(res, 200, { text: 'Success', code: 0 });
  // The events are durable before this reply: an ackId is handed out already true.
  const ackId = (ctx.hecAcks.get(channel) ?? -1) + 1;
  ctx.hecAcks.set(channel, ackId);
  sendJson(res, 200, { text: 'Success', code: 0, ackId });
}

function guard(handler: (req: IncomingMessage, res: ServerResponse, url: URL, ctx: IngestContext) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, _p: readonly string[], ctx: IngestContext): Promise<void> => {
    try {
      await handler(req, res, url, ctx);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      ctx.metrics.reject(e.status);
      sendJson(res, e.status, { text: e.message, code: e instanceof HecError ? e.code : 6, ...(e instanceof HecError ? e.extra : {}) });
    }
  };
}

const event = guard(async (req, res, url, ctx) => {
  const texts = splitConcatenated(utf8(await readBody(req, ctx.limits)));
  const prepared = texts.map((t, n) => {
    let env: unknown;
    try {
      env = JSON.parse(t);
    } catch {
      throw new HecError(400, 6, 'Invalid data format', { 'invalid-event-number': n });
    }
    if (!isObj(env)) throw new HecError(400, 6, 'Invalid data format', { 'invalid-event-number': n });
    return prepareObject(envelopeDocument(env, n));
  });
  await journalDocs(res, ctx, prepared, channelOf(req, url), httpSource('splunk-hec', req));
});

const raw = guard(async (req, res, url, ctx) => {
  const channel = channelOf(req, url);
  if (channel === undefined) throw new HecError(400, 10, 'Data channel is missing');
  const text = utf8(await readBody(req, ctx.limits));
  const host = url.searchParams.get('host');
  const prepared = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
      } catch {
        parsed = undefined;
      }
      const doc: Obj = isObj(parsed) ? parsed : { message: line };
      if (host !== null && doc['host'] === undefined && doc['Computer'] === undefined) doc['host'] = { name: host };
      return prepareObject(doc);
    });
  await journalDocs(res, ctx, prepared, channel, httpSource('splunk-hec', req));
});

const ack = guard(async (req, res, url, ctx) => {
  const channel = channelOf(req, url);
  if (channel === undefined) throw new HecError(400, 10, 'Data channel is missing');
  let body: unknown;
  try {
    body = JSON.parse(utf8(await readBody(req, ctx.limits)));
  } catch {
    throw new HecError(400, 6, 'Invalid data format');
  }
  const ids = isObj(body) && Array.isArray(body['acks']) ? body['acks'] : undefined;
  if (ids === undefined) throw new HecError(400, 6, 'Invalid data format');
  const last = ctx.hecAcks.get(channel) ?? -1;
  // An id this process handed out is durable; one from before a restart is answered false and the client resends (deduplicated).
  sendJson(res, 200, { acks: Object.fromEntries(ids.map((id) => [String(id), typeof id === 'number' && id >= 0 && id <= last])) });
});

function health(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { text: 'HEC is healthy', code: 17 });
}

/** Splunk HTTP Event Collector: event (JSON envelopes back to back), raw (lines; a channel required), indexer acknowledgement. */
export const SPLUNK_HEC: IngestProtocolSpec = {
  name: 'splunk-hec',
  routes: [
    { methods: ['GET'], path: /^\/services\/collector\/health(?:\/1\.0)?\/?$/, handle: health, open: true },
    { methods: ['POST'], path: /^\/services\/collector(?:\/event(?:\/1\.0)?)?\/?$/, handle: event },
    { methods: ['POST'], path: /^\/services\/collector\/raw(?:\/1\.0)?\/?$/, handle: raw },
    { methods: ['POST'], path: /^\/services\/collector\/ack\/?$/, handle: ack },
  ],
};
