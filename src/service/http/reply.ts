import type { ServerResponse } from 'node:http';

/** Writes a JSON reply (compact: Fluent Bit looks for `"errors":false,"items":[` literally). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
