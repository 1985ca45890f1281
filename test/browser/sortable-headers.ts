import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The report's and the dashboard's sortable table heads (src/output/html/sort-script.ts), as a test reads them. */

/** The header button of a column, by its label. */
export function sortHeader(page: Page, label: string) {
  return page.locator('.grid-head button.sort', { hasText: new RegExp(`^${label}$`) });
}

/** "Label ascending|descending" of each header that carries aria-sort (at most one). */
export function sortState(page: Page): Promise<string[]> {
  return page.locator('.grid-head [aria-sort]').evaluateAll((hs) => hs.map((h) => `${h.textContent} ${h.getAttribute('aria-sort')}`));
}

/** From the last filter control, Tab reaches Time then Level; Enter sorts by Level ascending, Space turns it. */
export async function sortWithKeyboard(page: Page, lastControl: string): Promise<void> {
  await page.focus(lastControl);
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Time');
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Level');
  await page.keyboard.press('Enter');
  expect(await sortState(page)).toEqual(['Level ascending']);
  await page.keyboard.press(' ');
  expect(await sortState(page)).toEqual(['Level descending']);
}
