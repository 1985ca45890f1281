import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../bench/chromium.js';
import { bulk, exampleDocuments, settled, startDashboardService, type DashboardService } from '../../../bench/dashboard-service.js';
import { openDashboard, poll } from './dashboard-page.js';

/** Suppress-from-alert in the dashboard: choose the fields, preview over N days, save; the rules page counts it. */
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

describe('the dashboard, suppress from an alert', () => {
  it('previews what the filter would have suppressed, saves it, and the rules page counts what it suppresses from then on', async () => {
    await bulk(svc.url, docs);
    await bulk(svc.url, docs.map((d) => d.replaceAll('WS01', 'WS02')));
    await settled(svc.url, 4);
    const { page, errors } = await openDashboard(browser, svc.url);
    // The WS02 connection to 203.0.113.50.
    await page.locator('.sm-row', { hasText: 'WS02' }).filter({ hasText: '203.0.113.50' }).click();
    await page.click('#suppress summary');
    await page.locator('#suppress-preview[data-alerts]').waitFor();
    // The example log is from March 2026: a year's window holds its alerts.
    await page.fill('#suppress-days', '365');
    await page.press('#suppress-days', 'Enter');
    // The default fields (the rule's own: Image and DestinationIp) match the connection on both hosts.
    await poll(() => page.getAttribute('#suppress-preview', 'data-alerts')).toBe('2');
    expect(await page.locator('#suppress-preview').textContent()).toContain('on 2 hosts');
    // Ticking Computer narrows it to this host.
    await page.locator('#suppress .field', { hasText: 'Computer' }).locator('input').check();
    await poll(() => page.getAttribute('#suppress-preview', 'data-alerts')).toBe('1');
    await page.locator('#suppress .field', { hasText: 'Computer' }).locator('input').uncheck();
    await poll(() => page.getAttribute('#suppress-preview', 'data-alerts')).toBe('2');
    expect(await page.locator('#suppress .yaml').textContent()).toContain('203.0.113.50');
    await page.click('#suppress-save');
    await poll(() => page.locator('#suppress-saved').textContent(), { timeout: 20_000 }).toMatch(/^Saved .*\.yml .*the service runs it now/);

    // From now on it suppresses: the log again as a third host; its connection to 203.0.113.50 stores no alert.
    await bulk(svc.url, docs.map((d) => d.replaceAll('WS01', 'WS03')));
    await settled(svc.url, 5);
    await page.click('nav a[data-page="rules"]');
    const filter = page.locator('#filters-table tbody tr').first();
    await filter.waitFor();
    await poll(async () => {
      await page.reload();
      await page.locator('#filters-table tbody tr').first().waitFor();
      return page.locator('#filters-table tbody tr').first().locator('td').first().textContent();
    }, { timeout: 15_000 }).toBe('1');
    expect(await page.locator('#rules-table tbody tr').first().locator('.chip').textContent()).toMatch(/\(1\)$/);
    const hosts = (await (await fetch(`${svc.url}/api/hosts`)).json()) as { hosts: { name: string; alerts: number }[] };
    expect(hosts.hosts.find((h) => h.name === 'WS03.corp.example')?.alerts).toBe(1);
    await page.click('nav a[data-page="health"]');
    await poll(() => page.locator('#health-cards').textContent()).toContain('1 alert suppressed by filters');
    expect(errors).toEqual([]);
    await page.close();
  });
});
