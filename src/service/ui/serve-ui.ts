import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { SORT_CSS, SORT_SCRIPT } from '../../output/html/sort-script.js';
import { STORY_CSS } from '../../output/html/story-css.js';
import { STORY_SCRIPT } from '../../output/html/story-script.js';
import { ALERT_PANEL_SCRIPT } from './alert-panel-script.js';
import { ALERTS_SCRIPT } from './alerts-script.js';
import { DASHBOARD_CSS } from './dashboard-css.js';
import { DASHBOARD_SCRIPT, DASHBOARD_START } from './dashboard-script.js';
import { PAGES_SCRIPT } from './pages-script.js';

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

function asset(type: string, text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { type, body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sigmatch</title><link rel="stylesheet" href="app.css"></head>
<body><noscript>The sigmatch dashboard needs JavaScript.</noscript><script src="app.js"></script></body></html>
`;

/**
 * The dashboard's three files: the page, one script (the report's story renderer and sortable columns, then the
 * dashboard's pages in one function scope) and one style sheet. Built once from strings that ship in dist/, so
 * nothing is read from disk or fetched from elsewhere.
 */
const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/ui/', asset('text/html; charset=utf-8', PAGE)],
  ['/ui/app.js', asset('text/javascript; charset=utf-8', `${STORY_SCRIPT}\n${SORT_SCRIPT}\n(function () {\n'use strict';\n${DASHBOARD_SCRIPT}${ALERTS_SCRIPT}${ALERT_PANEL_SCRIPT}${PAGES_SCRIPT}${DASHBOARD_START}})();\n`)],
  ['/ui/app.css', asset('text/css; charset=utf-8', STORY_CSS + SORT_CSS + DASHBOARD_CSS)],
]);

/** The page may talk to this service's API and load its own files, nothing else. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a path is the dashboard's (`/ui` and below); the rest of the listen address is the API's and the shippers'. */
export function isUiPath(pathname: string): boolean {
  return pathname === '/ui' || pathname.startsWith('/ui/');
}

/**
 * Serves the dashboard under /ui/ (GET and HEAD; `/ui` redirects to `/ui/`). The files are public: what they
 * show comes from the API, which asks for the token. Revalidated by ETag, gzipped when the client takes it.
 */
export function serveUi(req: IncomingMessage, res: ServerResponse, url: URL): void {
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${method} is not allowed on ${url.pathname}: the dashboard's files are read-only\n`);
    return;
  }
  if (url.pathname === '/ui' || url.pathname === '/ui/index.html') {
    res.writeHead(301, { location: '/ui/' });
    res.end();
    return;
  }
  const a = ASSETS.get(url.pathname);
  if (a === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no dashboard file ${url.pathname} (the dashboard is at /ui/)\n`);
    return;
  }
  const headers: Record<string, string | number> = { 'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', vary: 'accept-encoding' };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? a.gzip : a.body;
  res.writeHead(200, { ...headers, 'content-length': body.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
  res.end(method === 'HEAD' ? undefined : body);
}
