import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/chromium.js';
import { syntheticChunks } from '../../bench/synthetic-report.js';
import type { Story, StoryAlert } from '../../src/engine/story/story.js';
import { renderHtmlReport } from '../../src/output/html/write-html-report.js';
import { sigmatchAsync } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-report-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a report from disk at 1280×800; every request the page makes is recorded. */
async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready]');
  expect(await page.getAttribute('body', 'data-ready')).toBe('true');
  return { page, requests, errors };
}

describe('hunt --format html, in chromium', () => {
  it('the example hunt\'s report shows the cmstp alerts, their tree cmd.exe → cmstp.exe and the domain, with no network', async () => {
    const file = join(dir, 'report.html');
    const r = await sigmatchAsync(['hunt', 'examples/', '--format', 'html', '--output', file, '--quiet']);
    expect(r.code).toBe(1);
    const { page, requests, errors } = await open(file);
    await page.fill('#search', 'cmstp.exe');
    await expect.poll(() => page.locator('#alerts .count').first().textContent()).toMatch(/^\d+ of 5 alerts$/);
    const rows = page.locator('.sm-row', { hasText: 'Outbound Network Connection Initiated By Cmstp.EXE' });
    expect(await rows.count()).toBe(2);
    await rows.first().click();
    const story = page.locator('#story');
    const cmstp = story.locator('li:has(> .tree-node[data-image="cmd.exe"]) > ul > li > .tree-node[data-image="cmstp.exe"]');
    await cmstp.waitFor();
    expect(await cmstp.getAttribute('class')).toContain('focus');
    expect(await cmstp.locator('.conn-domain').first().textContent()).toBe('cdn-update.example.net');
    expect(await story.locator('.facts dd', { hasText: 'cdn-update.example.net' }).count()).toBe(1);
    expect(await cmstp.textContent()).toContain('cmstp.exe /ni /s C:\\Users\\alice\\AppData\\Local\\Temp\\svc.inf');
    // The keyboard: the next row, Enter, its story.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => story.getAttribute('data-index')).not.toBe(await rows.first().getAttribute('data-index'));
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows hostile text as text: no element, script or request comes of it', async () => {
    const hostile = '</script><img src=x onerror="document.title=1"><script>document.title=2</script>\u2028\u2029';
    const alert: StoryAlert = { kind: 'event', at: Date.UTC(2026, 0, 1), host: hostile, rule: hostile, ruleId: '', level: 'high', tags: [hostile], commandLine: hostile, domain: hostile };
    const node = { id: 'g|h|1', kind: 'guid' as const, depth: 0, image: hostile, commandLine: hostile, connections: [{ at: 1, ip: '203.0.113.1', domain: hostile }], dns: [], files: [{ at: 1, path: hostile }], registry: [], images: [], cut: { connections: 0, dns: 0, files: 0, registry: 0, images: 0 } };
    const story: Story = { alert, processes: [node], focus: 'g|h|1', timeline: [], contributors: [], contributorCount: 0, limits: { truncated: false, cycles: [], missingParents: 0 } };
    const file = join(dir, 'hostile.html');
    writeFileSync(file, [...renderHtmlReport({ generatedAt: hostile, title: hostile, events: 1, files: 1, rulesLoaded: 1 }, [{ first: 0, subjects: [{ alert, hostKey: 'h', contributors: [], contributorCount: 0 }], stories: [story] }])].join(''));
    const { page, requests, errors } = await open(file);
    await page.locator('.sm-row').first().click();
    await page.locator('#story .tree-node').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(4);
    expect(await page.title()).toBe('sigmatch hunt report');
    expect(await page.locator('#story h3').textContent()).toContain(hostile);
    expect(await page.locator('#story .conn-domain').textContent()).toBe(hostile);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a table of 100,000 alerts is virtualised: few rows exist, End reaches the last, search narrows it', async () => {
    const N = 100_000;
    const chunks = syntheticChunks(N);
    const file = join(dir, 'many.html');
    writeFileSync(file, [...renderHtmlReport({ generatedAt: '2026-01-01T00:00:00.000Z', title: 'many', events: N, files: 1, rulesLoaded: 300 }, chunks)].join(''));
    const { page, errors } = await open(file);
    expect(await page.locator('#alerts .count').first().textContent()).toBe(`${N} of ${N} alerts`);
    expect(await page.locator('.sm-row').count()).toBeLessThan(100);
    await page.locator('.sm-row').first().click();
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('.sm-row.selected').textContent()).toContain(`host-${(N - 1) % 50}`);
    expect(await page.locator('.sm-row').count()).toBeLessThan(100);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#story .facts').first().textContent()).toContain(`job-${N - 1}`);
    await page.fill('#search', 'job-99999');
    await expect.poll(() => page.locator('#alerts .count').first().textContent()).toBe(`1 of ${N} alerts`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
