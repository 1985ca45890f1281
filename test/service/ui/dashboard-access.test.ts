import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../bench/chromium.js';
import { bulk, ROOT, settled, startDashboardService, type DashboardService } from '../../../bench/dashboard-service.js';
import { openDashboard, poll } from './dashboard-page.js';

/** What the dashboard shows of hostile alert text (as text, never markup), and what a read-only token may do. */
const HOSTILE = `</script><img src=x onerror="document.title='owned'"><script>document.title='owned2'</script>\u2028`;
let browser: Browser;
let svc: DashboardService;
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-dashboard-access-'));

beforeAll(async () => {
  const rule = join(dir, 'hostile.yml');
  // JSON strings are YAML strings.
  writeFileSync(rule, `title: ${JSON.stringify(HOSTILE)}\nid: 5b0c7a4e-2f6d-4c1e-9a8b-0d1e2f3a4b5c\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection: {Image|endswith: '\\\\evil.exe'}\n  condition: selection\n`);
  [browser, svc] = await Promise.all([launchChromium(), startDashboardService(['--rules', rule])]);
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard\'s text and access', () => {
  it('shows hostile rule titles, hosts and command lines as text on every page: no element, script or title change comes of them', async () => {
    const event = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: HOSTILE, EventRecordID: 7, UtcTime: '2026-03-12 09:00:00.000', ProcessGuid: '{11111111-0000-0000-0000-000000000007}', ProcessId: 4242, Image: 'C:\\Temp\\evil.exe', CommandLine: HOSTILE, User: HOSTILE };
    await bulk(svc.url, [JSON.stringify(event)]);
    await settled(svc.url, 1);
    const { page, errors } = await openDashboard(browser, svc.url);
    await page.locator('.sm-row').first().click();
    await page.locator('#story-body[data-ready]').waitFor();
    expect(await page.locator('#story h3').first().textContent()).toContain(HOSTILE);
    expect(await page.locator('.sm-row').first().textContent()).toContain(HOSTILE);
    for (const name of ['rules', 'hosts']) {
      await page.click(`nav a[data-page="${name}"]`);
      await page.locator(`#${name}-table tbody tr`).first().waitFor();
      expect(await page.locator(`#${name}-table`).textContent()).toContain(HOSTILE);
    }
    expect(await page.locator('img').count()).toBe(0);
    // The page's own script element went with the body it redrew: any script now would have come from the data.
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toBe('sigmatch');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a read token sees the alerts, and the page shows the API\'s refusal when it triages', async () => {
    const made = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'token', 'create', '--data', svc.dir, '--name', 'reader', '--scope', 'read'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const { page, errors } = await openDashboard(browser, svc.url, made.stdout.trim());
    expect(await page.locator('header').textContent()).toContain('signed in with a token');
    await page.locator('.sm-row').first().click();
    await page.click('#triage .ack');
    await poll(() => page.locator('#triage .warn').textContent()).toContain("needs a token with scope 'triage'");
    expect(await page.locator('#triage-state').textContent()).toContain('open');
    expect(errors).toEqual([]);
    await page.close();
  });
});
