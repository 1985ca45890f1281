import type { IncomingMessage } from 'node:http';

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
