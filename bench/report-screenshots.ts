/**
 * Regenerates the HTML report's screenshots in docs/: hunts examples/ into a report (with a fixed generated-at,
 * so the pictures change only when the report does), opens it in headless chromium at 1280×800 and captures the
 * summary, the alert table and the story of a cmstp alert. Run with `npm run screenshots` (after `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from './chromium.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const work = mkdtempSync(join(tmpdir(), 'sigmatch-shots-'));
const report = join(work, 'report.html');
const hunt = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'hunt', 'examples/', '--format', 'html', '--output', report, '--quiet'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
if (hunt.status !== 0 && hunt.status !== 1) throw new Error(`the example hunt failed (${hunt.status}): ${hunt.stderr}`);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`file://${report}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.screenshot({ path: join(DOCS, 'report-summary.png') });
  await page.locator('.sm-row', { hasText: 'Cmstp.EXE' }).first().click();
  await page.waitForSelector('#story .tree-node.focus');
  await page.locator('#alerts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(DOCS, 'report-table.png') });
  // The whole story, not the scrolled panel.
  await page.addStyleTag({ content: '#story { max-height: none; }' });
  await page.locator('#story').screenshot({ path: join(DOCS, 'report-story.png') });
  process.stdout.write(`wrote ${['report-summary.png', 'report-table.png', 'report-story.png'].map((f) => join('docs', f)).join(', ')}\n`);
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
