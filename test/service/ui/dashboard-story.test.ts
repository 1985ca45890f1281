import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../bench/chromium.js';
import { bulk, exampleDocuments, settled, startDashboardService, type DashboardService } from '../../../bench/dashboard-service.js';
import { sigmatchAsync } from '../../cli/run-cli.js';
import { openDashboard, poll } from './dashboard-page.js';

/** The story view: the report's renderer on `GET /api/alerts/{id}/story`, drawing what the report draws. */
let browser: Browser;
let svc: DashboardService;
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-dashboard-story-'));

beforeAll(async () => {
  [browser, svc] = await Promise.all([launchChromium(), startDashboardService()]);
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TREE = 'li:has(> .tree-node[data-image="cmd.exe"]) > ul > li > .tree-node[data-image="cmstp.exe"]';

describe('the dashboard\'s story view', () => {
  it('shows the cmstp alert\'s tree cmd.exe → cmstp.exe and the domain, the same tree and facts as the report of the same log; the timeline opens the host\'s other alerts', async () => {
    await bulk(svc.url, exampleDocuments());
    await settled(svc.url, 2);
    const { page, errors } = await openDashboard(browser, svc.url);
    await page.locator('.sm-row', { hasText: '203.0.113.50' }).click();
    await page.locator('#story-body[data-ready="true"]').waitFor();
    const cmstp = page.locator(`#story-body ${TREE}`);
    expect(await cmstp.getAttribute('class')).toContain('focus');
    expect(await cmstp.locator('.conn-domain').first().textContent()).toBe('cdn-update.example.net');
    expect(await cmstp.textContent()).toContain('cmstp.exe /ni /s C:\\Users\\alice\\AppData\\Local\\Temp\\svc.inf');

    // The report of the same log, its same alert: one renderer, one story model, the same tree and facts.
    const file = join(dir, 'report.html');
    const hunt = await sigmatchAsync(['hunt', 'examples/', '--format', 'html', '--output', file, '--quiet']);
    expect(hunt.code).toBe(1);
    const report = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await report.goto(`file://${file}`);
    await report.waitForSelector('body[data-ready="true"]');
    await report.locator('.sm-row', { hasText: 'Cmstp.EXE' }).filter({ hasText: '203.0.113.50' }).click();
    await report.locator(`#story ${TREE}`).waitFor();
    expect(await page.locator('#story-body .tree').first().innerHTML()).toBe(await report.locator('#story .tree').first().innerHTML());
    expect(await page.locator('#story-body .facts').first().innerHTML()).toBe(await report.locator('#story .facts').first().innerHTML());
    // The timeline's entries are the host's other stored alerts: one opens that alert.
    const opened = await page.getAttribute('#story', 'data-id');
    await page.locator('#story-body .timeline a').first().click();
    await poll(() => page.getAttribute('#story', 'data-id')).not.toBe(opened);
    await page.locator('#story-body[data-ready="true"]').waitFor();
    expect(errors).toEqual([]);
    await report.close();
    await page.close();
  });
});
