import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../bench/chromium.js';
import { bulk, settled, startDashboardService, type DashboardService } from '../../../bench/dashboard-service.js';
import { openDashboard, poll } from './dashboard-page.js';
import { sortHeader, sortState, sortWithKeyboard } from '../../browser/sortable-headers.js';

/**
 * The dashboard's sortable columns in chromium against a real `sigmatch serve`: one rule per level, process
 * starts on hosts whose names sort by number, at times out of the order they are sent in; each order the page
 * shows is checked against the alerts the API lists, and alerts arriving live take their place in the sort.
 */
const SEVERITY = ['informational', 'low', 'medium', 'high', 'critical'];
// In the order they must sort in: numbers inside names by value, case ignored.
const HOSTS = ['ws-1.corp.example', 'ws-2.corp.example', 'WS-3.corp.example', 'ws-10.corp.example'];
const T0 = Date.parse('2026-11-20T09:00:00Z');
const rulesDir = mkdtempSync(join(tmpdir(), 'sigmatch-sort-rules-'));
let browser: Browser;
let svc: DashboardService;

beforeAll(async () => {
  SEVERITY.forEach((level, k) =>
    writeFileSync(
      join(rulesDir, `sort_${level}.yml`),
      `title: Sort test ${level}\nid: 5e0c1d2a-0000-4000-8000-00000000000${k}\nstatus: test\nlevel: ${level}\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: '\\\\sort-${level}.exe'\n  condition: selection\n`,
    ),
  );
  [browser, svc] = await Promise.all([launchChromium(), startDashboardService(['--rules', rulesDir])]);
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

/** A Sysmon process start (as `sigmatch dump` writes one) of sort-LEVEL.exe on a host at a minute after T0. */
function start(n: number, minute: number, level: string, host: string): string {
  const t = new Date(T0 + minute * 60_000).toISOString();
  return JSON.stringify({
    '@timestamp': t, TimeCreated: t, UtcTime: t.replace('T', ' ').replace('Z', ''), EventID: 1, EventRecordID: n + 1,
    Provider_Name: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: host,
    ProcessGuid: `{5e0c1d2a-0000-0000-0000-${String(n).padStart(12, '0')}}`, ProcessId: 2000 + n,
    Image: `C:\\Tools\\sort-${level}.exe`, CommandLine: `sort-${level}.exe --job ${n}`, User: 'CORP\\alice',
  });
}

interface Listed { id: string; level: string; at: number; host: string; status: string; pos: number }
async function listed(): Promise<Listed[]> {
  const page = (await (await fetch(`${svc.url}/api/alerts?limit=1000`)).json()) as { alerts: Array<{ '@timestamp': string; host: { name: string }; rule: { level: string }; sigmatch: { alert: { id: string }; triage: { status: string } } }> };
  return page.alerts.map((d, pos) => ({ id: d.sigmatch.alert.id, level: d.rule.level, at: Date.parse(d['@timestamp']), host: d.host.name, status: d.sigmatch.triage.status, pos }));
}
/** The expected ids: by key, ties in the API's order (newest stored first). */
function expected(list: readonly Listed[], key: (a: Listed) => number, dir: 1 | -1): string[] {
  return [...list].sort((a, b) => (key(a) - key(b)) * dir || a.pos - b.pos).map((a) => a.id);
}
const severity = (a: Listed) => SEVERITY.indexOf(a.level);
const hostRank = (a: Listed) => HOSTS.findIndex((h) => h.toLowerCase() === a.host.toLowerCase());
const shown = (page: Page) => page.locator('.sm-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));

describe('the dashboard\'s alert table, sorted by column', () => {
  it('sorts the loaded alerts by level, time and host each way, keeps the sort in the address, and places live arrivals by it', async () => {
    // 20 starts, sent in an order whose times are shuffled (minute 7n mod 20), levels and hosts interleaved.
    const first = Array.from({ length: 20 }, (_, n) => start(n, (n * 7) % 20, SEVERITY[n % 5] as string, HOSTS[(n * 3) % 4] as string));
    await bulk(svc.url, first);
    await settled(svc.url, 20);
    const list = await listed();
    expect(list).toHaveLength(20);
    expect(new Set(list.map((a) => a.host.toLowerCase())).size).toBe(4);
    const { page, errors } = await openDashboard(browser, svc.url);
    await poll(() => page.locator('.sm-row').count()).toBe(20);
    // Opened: no column sorted, the API's order.
    expect(await sortState(page)).toEqual([]);
    expect(await shown(page)).toEqual(list.map((a) => a.id));

    await sortHeader(page, 'Level').click();
    expect(await sortState(page)).toEqual(['Level ascending']);
    expect(await shown(page)).toEqual(expected(list, severity, 1));
    await sortHeader(page, 'Level').click();
    expect(await sortState(page)).toEqual(['Level descending']);
    expect(await shown(page)).toEqual(expected(list, severity, -1));
    expect(await page.locator('.sm-row .lvl').first().textContent()).toBe('critical');
    await sortHeader(page, 'Time').click();
    expect(await shown(page)).toEqual(expected(list, (a) => a.at, 1));
    await sortHeader(page, 'Time').click();
    expect(await shown(page)).toEqual(expected(list, (a) => a.at, -1));
    await sortHeader(page, 'Host').click();
    expect(await shown(page)).toEqual(expected(list, hostRank, 1));
    await sortHeader(page, 'Host').click();
    expect(await shown(page)).toEqual(expected(list, hostRank, -1));
    expect((await page.locator('.sm-row span:nth-child(5)').first().textContent())?.toLowerCase()).toBe('ws-10.corp.example');

    // The sort is in the address: a reload keeps it.
    expect(page.url()).toMatch(/sort=host&dir=desc/);
    await page.reload();
    await page.waitForSelector('#viewport[data-ready="true"]');
    expect(await sortState(page)).toEqual(['Host descending']);
    await poll(() => shown(page)).toEqual(expected(list, hostRank, -1));

    // By time, ascending; then alerts at times among the ones shown arrive: each is placed by the sort.
    await sortHeader(page, 'Host').click();
    await sortHeader(page, 'Time').click();
    expect(await sortState(page)).toEqual(['Time ascending']);
    await bulk(svc.url, Array.from({ length: 5 }, (_, k) => start(100 + k, 4 * k + 1.5, 'critical', HOSTS[k % 4] as string)));
    await settled(svc.url, 25);
    await poll(() => page.locator('.sm-row').count(), { timeout: 15_000 }).toBe(25);
    const after = await listed();
    const byTime = expected(after, (a) => a.at, 1);
    expect(await shown(page)).toEqual(byTime);
    // Not at the top, where the unsorted list puts new alerts: among the others, by time.
    const fresh = new Set(after.filter((a) => !list.some((b) => b.id === a.id)).map((a) => a.id));
    expect(fresh.size).toBe(5);
    expect(byTime.slice(0, 5).every((id) => fresh.has(id))).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the headers are buttons on the keyboard; sorted by status, a triaged alert moves to its place', async () => {
    const { page, errors } = await openDashboard(browser, svc.url);
    await sortWithKeyboard(page, '#rule-filter');
    await poll(() => shown(page)).toEqual(expected(await listed(), severity, -1));
    // By status (open < acknowledged < closed): a row acknowledged with the keyboard, and one closed through the
    // API (seen by the page's poll), move to their places.
    const STATUS = ['open', 'acknowledged', 'closed'];
    const status = (a: Listed) => STATUS.indexOf(a.status);
    await sortHeader(page, 'Status').click();
    const [first, second] = await shown(page);
    await page.locator(`.sm-row[data-id="${first}"]`).click();
    await page.locator('#viewport').focus();
    await page.keyboard.press('a');
    const res = await fetch(`${svc.url}/api/alerts/${second}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'closed', reason: 'benign' }) });
    expect(res.status).toBe(200);
    await poll(async () => (await listed()).filter((a) => a.status !== 'open').length).toBe(2);
    await poll(async () => expected(await listed(), status, 1).join(' ') === (await shown(page)).join(' ')).toBe(true);
    expect((await shown(page)).slice(-2)).toEqual([first, second]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
