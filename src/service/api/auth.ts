import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestError } from '../http/read-body.js';
import { scopeAllows, type Scope, type TokenAuthority } from '../store/token-store.js';

/** The token a shipper sent, in whichever form: Bearer, Basic (the password), ApiKey (base64 id:key, the key; or the key), Splunk. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const h = req.headers['authorization'];
  if (h === undefined) return undefined;
  const m = /^(\w+)\s+(.+)$/.exec(h.trim());
  if (m === null) return h.trim();
  const scheme = (m[1] as string).toLowerCase();
  const value = (m[2] as string).trim();
  if (scheme === 'bearer' || scheme === 'splunk') return value;
  if (scheme === 'basic' || scheme === 'apikey') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return decoded.slice(colon + 1);
    return scheme === 'apikey' ? value : undefined;
  }
  return undefined;
}

/** Whether the request comes from this machine. */
export function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who made an API request and what they may do; `name` is what the audit trail records as "who". */
export interface Caller {
  readonly name: string;
  readonly scope: Scope;
}

export interface ApiAuth {
  /** SIGMATCH_API_TOKEN: full access, recorded as 'api-token'. */
  readonly apiToken?: string;
  /** Named tokens made with `sigmatch token create`. */
  readonly tokens: TokenAuthority;
}

/**
 * The caller of an API request, or RequestError 401/403:
 * - a presented token is SIGMATCH_API_TOKEN (admin, 'api-token') or a named token not revoked (its scope, its name);
 *   any other presented token is refused with 401, also from this machine;
 * - without a token: this machine's requests pass as 'loopback' (admin) unless SIGMATCH_API_TOKEN is set; others get 401.
 */
export function authenticate(req: IncomingMessage, auth: ApiAuth): Caller {
  const t = presentedToken(req);
  if (t !== undefined) {
    if (auth.apiToken !== undefined && sameSecret(t, auth.apiToken)) return { name: 'api-token', scope: 'admin' };
    const named = auth.tokens.check(t);
    if (named !== undefined) return named;
    throw new RequestError(401, 'the token presented is not valid (unknown or revoked); make one with sigmatch token create');
  }
  if (auth.apiToken !== undefined) throw new RequestError(401, 'the API needs a token: SIGMATCH_API_TOKEN or one made with sigmatch token create (Authorization: Bearer TOKEN)');
  if (!isLoopback(req)) throw new RequestError(401, 'the API answers other machines only with a token made with sigmatch token create (Authorization: Bearer TOKEN)');
  return { name: 'loopback', scope: 'admin' };
}

/**
 * Whether an ingest request may go on. Ingest needs a token once SIGMATCH_INGEST_TOKEN is set or a named
 * token of scope ingest exists (so that making API tokens never locks out shippers sending none); then it
 * takes that token or a named one of scope ingest or admin, in any form shippers send.
 */
export function ingestAllowed(req: IncomingMessage, ingestToken: string | undefined, tokens: TokenAuthority): boolean {
  if (ingestToken === undefined && !tokens.hasIngestTokens()) return true;
  const t = presentedToken(req);
  if (t === undefined) return false;
  if (ingestToken !== undefined && sameSecret(t, ingestToken)) return true;
  const named = tokens.check(t);
  return named !== undefined && scopeAllows(named.scope, 'ingest');
}
