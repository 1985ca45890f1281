import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';

export interface DashboardPage {
  readonly page: Page;
  /** Every URL the page asked for. */
  readonly requests: string[];
  /** Uncaught errors in the page. */
  readonly errors: string[];
}

/** Opens the dashboard at 1280×800 and signs in with the token ('' = the empty token, loopback). */
export async function openDashboard(browser: Browser, url: string, token = ''): Promise<DashboardPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/ui/`);
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#viewport[data-ready="true"]');
  return { page, requests, errors };
}

/** The text of each alert row shown. */
export function shownRows(page: Page): Promise<string[]> {
  return page.locator('.sm-row').allTextContents();
}

/** expect.poll with room for a busy machine (the page polls the API every 2 s; vitest's default gives up after 1 s). */
export function poll<T>(fn: () => T | Promise<T>, options: { readonly timeout?: number } = {}): ReturnType<typeof expect.poll<T>> {
  return expect.poll(fn, { timeout: 10_000, interval: 50, ...options });
}
