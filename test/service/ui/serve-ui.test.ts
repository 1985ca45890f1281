import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORT_SCRIPT } from '../../../src/output/html/sort-script.js';
import { STORY_SCRIPT } from '../../../src/output/html/story-script.js';
import { ALERT_PANEL_SCRIPT } from '../../../src/service/ui/alert-panel-script.js';
import { ALERTS_SCRIPT } from '../../../src/service/ui/alerts-script.js';
import { DASHBOARD_SCRIPT } from '../../../src/service/ui/dashboard-script.js';
import { PAGES_SCRIPT } from '../../../src/service/ui/pages-script.js';
import { isUiPath, serveUi } from '../../../src/service/ui/serve-ui.js';

/** The dashboard's files over real HTTP, and what its scripts never do with data. */
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => serveUi(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('serveUi', () => {
  it('claims /ui and below only', () => {
    expect(['/ui', '/ui/', '/ui/app.js'].map(isUiPath)).toEqual([true, true, true]);
    expect(['/', '/uix', '/_bulk', '/api/ui', '/u'].map(isUiPath)).toEqual([false, false, false, false, false]);
  });

  it('serves the page, one script and one style sheet, gzipped when asked, HEAD without a body', async () => {
    const page = await (await fetch(`${url}/ui/`)).text();
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain('<link rel="stylesheet" href="app.css">');
    const js = await fetch(`${url}/ui/app.js`);
    const text = await js.text();
    // The story renderer comes first, then the dashboard in one function scope.
    expect(text.startsWith(STORY_SCRIPT)).toBe(true);
    expect(() => new Function(text)).not.toThrow();
    const raw = await new Promise<Buffer>((done) => {
      get(`${url}/ui/app.css`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        expect(res.headers['content-encoding']).toBe('gzip');
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => done(Buffer.concat(parts)));
      });
    });
    expect(gunzipSync(raw).toString('utf8')).toContain('.tree-node');
    // fetch asks for gzip: the length is the gzipped script's.
    const head = await fetch(`${url}/ui/app.js`, { method: 'HEAD' });
    expect([head.status, await head.text(), head.headers.get('content-encoding')]).toEqual([200, '', 'gzip']);
    expect(Number(head.headers.get('content-length'))).toBeLessThan(Buffer.byteLength(text) / 2);
    expect(head.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  });

  it('answers other methods 405 and unknown files 404, with the reason', async () => {
    const post = await fetch(`${url}/ui/app.js`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const missing = await fetch(`${url}/ui/secrets.json`);
    expect([missing.status, await missing.text()]).toEqual([404, 'no dashboard file /ui/secrets.json (the dashboard is at /ui/)\n']);
  });

  it('its scripts build elements and set text: no HTML parsing, eval or string timers anywhere', () => {
    for (const script of [STORY_SCRIPT, SORT_SCRIPT, DASHBOARD_SCRIPT, ALERTS_SCRIPT, ALERT_PANEL_SCRIPT, PAGES_SCRIPT]) {
      expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setTimeout\(['"`]/);
    }
  });
});
