/**
 * Regenerates the dashboard's screenshots in docs/ (dashboard-*.png): starts the built `sigmatch serve`, ingests
 * the example log through `_bulk` (as WS01, then again as WS02, so the lists have more than one host), signs in
 * with the empty token (loopback, no SIGMATCH_API_TOKEN) and captures each page at 1280×800 (saving the suppression
 * it previews, then sending the log as WS03, so the rules page has a filter with a count). Run with
 * `npm run screenshots` (it builds first, and also makes the report's).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { bulk, exampleDocuments, ROOT, settled, startDashboardService } from './dashboard-service.js';

const DOCS = join(ROOT, 'docs');
const svc = await startDashboardService();
const browser = await launchChromium();
const written: string[] = [];
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DOCS, name) });
  written.push(join('docs', name));
}
try {
  const docs = exampleDocuments();
  await bulk(svc.url, docs);
  await bulk(svc.url, docs.map((d) => d.replaceAll('WS01', 'WS02')));
  await settled(svc.url, 4);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(`${svc.url}/ui/`);
  await page.waitForSelector('#login');
  await shot(page, 'dashboard-login.png');
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#viewport[data-ready="true"]');
  // WS02's cmstp connection to 203.0.113.50 (the one with a domain).
  await page.locator('.sm-row', { hasText: '203.0.113.50' }).first().click();
  await page.waitForSelector('#story-body[data-ready]');
  await shot(page, 'dashboard-alerts.png');
  await page.click('#suppress summary');
  await page.waitForSelector('#suppress-preview[data-alerts]');
  await page.fill('#suppress-days', '365');
  await page.press('#suppress-days', 'Enter');
  // The example log is from March: a year's window holds its alerts.
  await page.locator('#suppress-preview:not([data-alerts="0"])').waitFor();
  await page.locator('#suppress').scrollIntoViewIfNeeded();
  await shot(page, 'dashboard-suppress.png');
  // Saved, and the log again as a third host: the rules page counts what the filter suppressed.
  await page.click('#suppress-save');
  await page.waitForSelector('#suppress-saved', { timeout: 30_000 });
  await bulk(svc.url, docs.map((d) => d.replaceAll('WS01', 'WS03')));
  await settled(svc.url, 5);
  // The whole story panel, not its scrolled part: the panel is as tall as the window.
  await page.click('#suppress summary');
  await page.setViewportSize({ width: 1280, height: 1900 });
  await page.locator('#story').screenshot({ path: join(DOCS, 'dashboard-story.png') });
  written.push('docs/dashboard-story.png');
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const name of ['rules', 'hosts', 'health']) {
    await page.goto(`${svc.url}/ui/#/${name}`);
    await page.waitForSelector('#view [data-ready="true"]');
    await shot(page, `dashboard-${name}.png`);
  }
  process.stdout.write(`wrote ${written.join(', ')}\n`);
} finally {
  await browser.close();
  await svc.stop();
}
