import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** A request the service refuses, with the HTTP status and a reason the client can read. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface BodyLimits {
  /** Bytes on the wire (default 64 MiB). */
  readonly maxBytes: number;
  /** Bytes once decompressed (default 256 MiB). */
  readonly maxDecoded: number;
}

/** The request body, decompressed (gzip, deflate) and checked against the limits; RequestError 413/415/400 otherwise. */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) {
    req.resume();
    throw new RequestError(413, `request body of ${declared} bytes is over the limit of ${limits.maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        req.resume();
        throw new RequestError(413, `request body is over the limit of ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof RequestError) throw e;
    // The client went away or timed out mid-body: nothing was journaled, and it is not a bug of ours.
    throw new RequestError(400, `the request body was cut off: ${(e as Error).message}`);
  }
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return raw;
  const inflater = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : undefined;
  if (inflater === undefined) throw new RequestError(415, `content-encoding '${encoding}' is not supported (gzip, deflate or none)`);
  try {
    return await inflater(raw, { maxOutputLength: limits.maxDecoded });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new RequestError(413, `decompressed body is over the limit of ${limits.maxDecoded} bytes`);
    throw new RequestError(400, `${encoding} body does not decompress: ${(e as Error).message}`);
  }
}

/** The body as UTF-8 text; invalid UTF-8 is refused (a shipper never sends it, and a replacement character would change the event). */
export function utf8(body: Buffer): string {
  const text = body.toString('utf8');
  // Round trip check only when a replacement character appears (cheap in the common case).
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(body)) throw new RequestError(400, 'request body is not valid UTF-8');
  return text;
}
