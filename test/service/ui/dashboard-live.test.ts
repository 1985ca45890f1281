import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../bench/chromium.js';
import { bulk, exampleDocuments, settled, startDashboardService, type DashboardService } from '../../../bench/dashboard-service.js';
import { openDashboard, poll, shownRows } from './dashboard-page.js';

/**
 * The dashboard in chromium against a real `sigmatch serve`: the example log ingested through `_bulk`, the live
 * list, filters, the keyboard and triage, each checked through the API too.
 */
let browser: Browser;
let svc: DashboardService;
let docs: string[];

beforeAll(async () => {
  [browser, svc] = await Promise.all([launchChromium(), startDashboardService()]);
  docs = exampleDocuments();
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

async function api(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${svc.url}${path}`, init);
  expect(res.status, path).toBeLessThan(300);
  return res.json();
}

describe('the dashboard, live', () => {
  it('serves its three files under /ui/ only, leaving / to the Elasticsearch answer', async () => {
    const root = await fetch(`${svc.url}/`);
    expect(root.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const ui = await fetch(`${svc.url}/ui`, { redirect: 'manual' });
    expect([ui.status, ui.headers.get('location')]).toEqual([301, '/ui/']);
    const page = await fetch(`${svc.url}/ui/`);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<script src="app.js"></script>');
    const js = await fetch(`${svc.url}/ui/app.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(await fetch(`${svc.url}/ui/app.js`, { headers: { 'if-none-match': js.headers.get('etag') as string } }).then((r) => r.status)).toBe(304);
    expect((await fetch(`${svc.url}/ui/nothing.js`)).status).toBe(404);
    expect((await fetch(`${svc.url}/ui/`, { method: 'POST' })).status).toBe(405);
  });

  it('shows alerts as they are ingested, filters them, and triages with the keyboard and the panel', async () => {
    await bulk(svc.url, docs);
    const first = await settled(svc.url, 2);
    const { page, requests, errors } = await openDashboard(browser, svc.url);
    await poll(() => page.locator('.sm-row').count()).toBe(first);
    expect((await shownRows(page)).every((r) => r.includes('WS01'))).toBe(true);
    // A second batch, after the page is open: its alerts appear without a reload, newest first.
    await bulk(svc.url, docs.map((d) => d.replaceAll('WS01', 'WS02')));
    await poll(() => page.locator('.sm-row').count(), { timeout: 15_000 }).toBeGreaterThan(first);
    expect((await shownRows(page))[0]).toContain('WS02');
    expect(await page.locator('#alert-count').textContent()).toMatch(/^\d+ alerts$/);

    // Filters are the API's: host WS02 only, then back.
    await page.fill('#host-filter', 'WS02.corp.example');
    await page.press('#host-filter', 'Enter');
    await poll(async () => (await shownRows(page)).every((r) => r.includes('WS02'))).toBe(true);
    expect(page.url()).toContain('host=WS02.corp.example');
    await page.goto(`${svc.url}/ui/#/alerts`);
    await poll(async () => (await shownRows(page)).some((r) => r.includes('WS01'))).toBe(true);

    // Keyboard: the first row is selected; ArrowDown, Enter opens the second; `a` acknowledges it.
    const ids = await Promise.all((await page.locator('.sm-row').all()).map((row) => row.getAttribute('data-id')));
    await page.locator('#viewport').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await poll(() => page.getAttribute('#story', 'data-id')).toBe(ids[1]);
    await page.waitForSelector('#triage .ack');
    await page.locator('#viewport').focus();
    await page.keyboard.press('a');
    await poll(async () => (await api(`/api/alerts/${ids[1]}`)).sigmatch.triage.status).toBe('acknowledged');

    // Close another with a reason and a comment, through the panel; the API has it, and the row says so.
    await page.locator(`.sm-row[data-id="${ids[0]}"]`).click();
    await poll(() => page.getAttribute('#story', 'data-id')).toBe(ids[0]);
    await page.waitForSelector('#close-alert');
    await page.click('#close-alert');
    expect(await page.locator('#triage .warn').textContent()).toBe('Closing needs a reason.');
    await page.selectOption('#close-reason', 'false_positive');
    await page.fill('#close-comment', 'the admin testing the VPN profile');
    await page.click('#close-alert');
    await poll(() => page.locator('#triage-state').textContent()).toContain('closed');
    const closed = (await api(`/api/alerts/${ids[0]}`)).sigmatch.triage;
    expect(closed).toMatchObject({ status: 'closed', reason: 'false_positive', comment: 'the admin testing the VPN profile', updated_by: 'loopback' });
    expect(await page.locator(`.sm-row[data-id="${ids[0]}"]`).getAttribute('data-status')).toBe('closed');
    // Assign and note.
    await page.fill('#assignee', 'alice');
    await page.click('#triage .assign');
    await page.fill('#note-text', 'checked with the VPN team');
    await page.click('#triage .note');
    await poll(() => page.locator('#triage .notes li').count()).toBe(1);
    const doc = await api(`/api/alerts/${ids[0]}`);
    expect(doc.sigmatch.triage.assignee).toBe('alice');
    expect(doc.sigmatch.triage.notes.map((n: { text: string }) => n.text)).toEqual(['checked with the VPN team']);
    // A change answered while a note is being typed keeps the textarea itself and its text (a CI run under load lost a
    // note that way: the panel's redraw replaced the textarea between typing and clicking Add note).
    await page.fill('#note-text', 'half a thought');
    const typing = await page.$('#note-text');
    await page.fill('#assignee', 'bob');
    await page.click('#triage .assign');
    await poll(() => page.locator('#triage-state').textContent()).toContain('assigned to bob');
    // Still in the page (so the one #note-text there), with its text.
    expect(await page.locator('#note-text').count()).toBe(1);
    expect(await typing?.evaluate((t: { isConnected: boolean; value: string }) => t.isConnected && t.value)).toBe('half a thought');
    expect(await page.locator('#triage .notes li').count()).toBe(1);
    // The address names the open alert: a reload (or the link) opens it again.
    expect(page.url()).toContain(`id=${ids[0]}`);
    await page.reload();
    await poll(() => page.getAttribute('#story', 'data-id')).toBe(ids[0]);
    await page.waitForSelector('#triage-state');
    // The status filter: closed ones only.
    await page.selectOption('#status-filter', 'closed');
    await poll(() => page.locator('.sm-row').count()).toBe(1);

    expect(requests.every((u) => u.startsWith(svc.url))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the rules, hosts and health pages show the counts the API has', async () => {
    const { page, errors } = await openDashboard(browser, svc.url);
    const rules = await api('/api/rules');
    const noisiest = [...rules.rules].sort((a, b) => b.alerts - a.alerts)[0];
    await page.click('nav a[data-page="rules"]');
    const first = page.locator('#rules-table tbody tr').first();
    await first.waitFor();
    expect(await first.textContent()).toContain(noisiest.title);
    expect(await first.locator('td').first().textContent()).toBe(String(noisiest.alerts));
    await page.click('nav a[data-page="hosts"]');
    await page.locator('#hosts-table tbody tr').first().waitFor();
    const hosts = await page.locator('#hosts-table tbody tr').allTextContents();
    expect(hosts).toHaveLength(2);
    expect(hosts.join('\n')).toMatch(/WS01\.corp\.example[^]*WS02|WS02\.corp\.example[^]*WS01/);
    await page.locator('#hosts-table tbody tr', { hasText: 'WS02' }).click();
    await poll(async () => (await shownRows(page)).length > 0 && (await shownRows(page)).every((r) => r.includes('WS02'))).toBe(true);
    await page.click('nav a[data-page="health"]');
    await page.locator('#sources-table').waitFor();
    expect(await page.locator('#sources-table tbody tr').first().textContent()).toContain('elasticsearch');
    expect(await page.locator('#health-cards').textContent()).toContain(`${(await api('/api/health')).journal.events} events`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the dashboard\'s login', () => {
  it('with SIGMATCH_API_TOKEN set, the empty token is refused on the page and the token signs in', async () => {
    const locked = await startDashboardService([], { SIGMATCH_API_TOKEN: 'smt_dashboard_test_token' });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${locked.url}/ui/`);
      expect(await page.locator('#login').textContent()).toContain('an empty token works');
      await page.click('#login button[type=submit]');
      await poll(() => page.locator('#login-error').textContent()).toMatch(/token/i);
      await page.fill('#token', 'smt_dashboard_test_token');
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#viewport[data-ready="true"]');
      expect(await page.locator('header').textContent()).toContain('signed in with a token');
      // Signing out forgets the token: the next load asks again.
      await page.click('header button');
      await page.reload();
      await page.waitForSelector('#login');
      await page.close();
    } finally {
      await locked.stop();
    }
  });
});
