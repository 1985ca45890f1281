import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/chromium.js';
import { syntheticChunks } from '../../bench/synthetic-report.js';
import type { StoryChunk } from '../../src/engine/story/story-collector.js';
import type { Story, StoryAlert } from '../../src/engine/story/story.js';
import { renderHtmlReport } from '../../src/output/html/write-html-report.js';
import { sortHeader, sortState, sortWithKeyboard } from './sortable-headers.js';

/** The report's sortable columns in chromium: orders read from the page and checked against the alerts written. */
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-report-sort-'));
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SEVERITY = ['informational', 'low', 'medium', 'high', 'critical'];
// In the order they must sort in: numbers inside names by value, case ignored (Host-3 and HOST-3 are ties).
const HOSTS = ['host-1', 'host-2', 'host-3', 'host-10'];
const NAMES = ['host-1', 'host-2', 'Host-3', 'host-10', 'HOST-3'];
const T0 = Date.UTC(2026, 2, 12, 8);

/** 20 alerts in the hunt's order: the first has no time, then pairs share a minute; levels and hosts interleaved. */
function alerts(): StoryAlert[] {
  return Array.from({ length: 20 }, (_, i) => ({
    kind: 'event' as const,
    at: i === 0 ? 0 : T0 + Math.floor(i / 2) * 60_000,
    host: NAMES[(i * 7 + 1) % 5] as string,
    rule: `Rule ${i}`,
    ruleId: '',
    level: SEVERITY[(i * 3) % 5] as string,
    tags: [],
    image: 'C:\\Windows\\System32\\cmd.exe',
    commandLine: `cmd.exe /c job-${i}`,
  }));
}

function chunksOf(list: readonly StoryAlert[]): StoryChunk[] {
  const stories: Story[] = list.map((alert) => ({ alert, processes: [], timeline: [], contributors: [], contributorCount: 0, limits: { truncated: false, cycles: [], missingParents: 0 } }));
  return [{ first: 0, subjects: list.map((alert) => ({ alert, hostKey: alert.host, contributors: [], contributorCount: 0 })), stories }];
}

async function open(file: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/** The alert indexes of the rows shown, top to bottom. */
async function shown(page: Page): Promise<number[]> {
  return (await page.locator('.sm-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index')))));
}

/** The expected order: by key (NaN last in either direction), ties in the hunt's order. */
function expected(list: readonly StoryAlert[], key: (a: StoryAlert) => number, dir: 1 | -1): number[] {
  return list.map((_, i) => i).sort((a, b) => {
    const x = key(list[a] as StoryAlert);
    const y = key(list[b] as StoryAlert);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? a - b : Number.isNaN(x) ? 1 : -1;
    return (x - y) * dir || a - b;
  });
}
const severity = (a: StoryAlert) => SEVERITY.indexOf(a.level);
const time = (a: StoryAlert) => (a.at > 0 ? a.at : NaN);
const host = (a: StoryAlert) => HOSTS.indexOf(a.host.toLowerCase());

describe('the report\'s alert table, sorted by column', () => {
  const list = alerts();
  const file = join(dir, 'sort.html');
  writeFileSync(file, [...renderHtmlReport({ generatedAt: '2026-01-01T00:00:00.000Z', title: 'sort', events: 20, files: 1, rulesLoaded: 3 }, chunksOf(list))].join(''));

  it('sorts by level (severity), time (as times, untimed last) and host (numbers by value), each way, ties in the hunt\'s order', async () => {
    const page = await open(file);
    // Opened: by time, ascending.
    expect(await sortState(page)).toEqual(['Time ascending']);
    expect(await shown(page)).toEqual(expected(list, time, 1));
    await sortHeader(page, 'Level').click();
    expect(await sortState(page)).toEqual(['Level ascending']);
    const up = await shown(page);
    expect(up).toEqual(expected(list, severity, 1));
    expect(list[up[0] as number]?.level).toBe('informational');
    await sortHeader(page, 'Level').click();
    expect(await sortState(page)).toEqual(['Level descending']);
    const down = await shown(page);
    expect(down).toEqual(expected(list, severity, -1));
    expect(list[down[0] as number]?.level).toBe('critical');
    // Stable: equal levels keep the hunt's order in both directions (not the ascending order reversed).
    expect(down).not.toEqual([...up].reverse());
    await sortHeader(page, 'Time').click();
    expect(await shown(page)).toEqual(expected(list, time, 1));
    await sortHeader(page, 'Time').click();
    const late = await shown(page);
    expect(late).toEqual(expected(list, time, -1));
    expect(late.at(-1)).toBe(0);
    await sortHeader(page, 'Host').click();
    expect(await shown(page)).toEqual(expected(list, host, 1));
    expect(await page.locator('.sm-row span:nth-child(4)').first().textContent()).toBe('host-1');
    await sortHeader(page, 'Host').click();
    expect(await shown(page)).toEqual(expected(list, host, -1));
    expect(await page.locator('.sm-row span:nth-child(4)').first().textContent()).toBe('host-10');
    // A filter keeps the order; the selected row stays selected through a sort.
    await page.selectOption('#level-filter', 'critical');
    expect(await shown(page)).toEqual(expected(list, host, -1).filter((i) => list[i]?.level === 'critical'));
    await page.selectOption('#level-filter', '');
    await page.locator('.sm-row[data-index="7"]').click();
    await sortHeader(page, 'Level').click();
    expect(await page.locator('.sm-row.selected').getAttribute('data-index')).toBe('7');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the headers are buttons on the keyboard: Tab reaches them from the filters, Enter and Space sort', async () => {
    const page = await open(file);
    await sortWithKeyboard(page, '#host-filter');
    expect(await shown(page)).toEqual(expected(list, severity, -1));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts 100,000 alerts: the virtualised table shows the order from the first row to the last', async () => {
    // syntheticChunks: alert i is host-(i % 50), level critical/high/medium/low by i % 4.
    const N = 100_000;
    const big = join(dir, 'sort-many.html');
    writeFileSync(big, [...renderHtmlReport({ generatedAt: '2026-01-01T00:00:00.000Z', title: 'many', events: N, files: 1, rulesLoaded: 300 }, syntheticChunks(N))].join(''));
    const page = await open(big);
    const selectedRow = () => page.locator('.sm-row.selected').evaluate((r) => [Number(r.getAttribute('data-index')), r.children[1]?.textContent, r.children[3]?.textContent]);
    await sortHeader(page, 'Level').click();
    await sortHeader(page, 'Level').click();
    expect((await shown(page)).slice(0, 3)).toEqual([0, 4, 8]);
    await page.locator('.sm-row').first().click();
    await page.keyboard.press('End');
    await expect.poll(selectedRow).toEqual([N - 1, 'low', `host-${(N - 1) % 50}`]);
    expect(await page.locator('.sm-row').count()).toBeLessThan(100);
    // host-49 is the last host by value (by text it would be host-9); host-0's last alert ends the table.
    await sortHeader(page, 'Host').click();
    await sortHeader(page, 'Host').click();
    // The selected alert stays in view through the sort; Home goes to the top of the new order.
    await expect.poll(selectedRow).toEqual([N - 1, 'low', `host-${(N - 1) % 50}`]);
    await page.locator('#viewport').focus();
    await page.keyboard.press('Home');
    await expect.poll(selectedRow).toEqual([49, 'high', 'host-49']);
    expect((await shown(page)).slice(0, 3)).toEqual([49, 99, 149]);
    await page.keyboard.press('End');
    await expect.poll(selectedRow).toEqual([N - 50, 'medium', 'host-0']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
