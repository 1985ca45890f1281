/**
 * The HTML report row (issue 16): hunts a generated corpus with `--format html`, then opens the report from disk
 * in headless chromium and measures what an analyst waits for. Prints one markdown table row:
 *   corpus, events, alerts, hunt seconds, peak MB, report MB, first contentful paint, table ready, story opened,
 *   scroll to the last row.
 * `node dist/bench/report-bench.js [--size 20MB] [--rules DIR] [--corpus-dir bench/out]`; every SigmaHQ rule
 * is `--rules ../shared/corpus/sigmahq/rules`. The full run is `--size 1GB` with every SigmaHQ rule.
 * `--synthetic N` opens a report of N made-up alerts instead (the page alone, no hunt).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import { launchChromium } from './chromium.js';
import { renderHtmlReport } from '../src/output/html/write-html-report.js';
import { generateEvents } from './generate-corpus.js';
import { syntheticChunks } from './synthetic-report.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, rules: { type: 'string' }, 'corpus-dir': { type: 'string' }, synthetic: { type: 'string' } } });
/** The report to open, and the row's first columns: a hunt of a generated corpus, or made-up alerts. */
function makeReport(): { report: string; label: string; events: string; alerts: string; huntSeconds: string; peak: string } {
  const dir = values['corpus-dir'] ?? 'bench/out';
  mkdirSync(dir, { recursive: true });
  if (values.synthetic !== undefined) {
    const n = Number(values.synthetic);
    const report = resolve(dir, `report-synthetic-${n}.html`);
    writeFileSync(report, [...renderHtmlReport({ generatedAt: '2026-01-01T00:00:00.000Z', title: `${n} made-up alerts`, events: n, files: 1, rulesLoaded: 300 }, syntheticChunks(n))].join(''));
    return { report, label: `synthetic (no hunt)`, events: '-', alerts: String(n), huntSeconds: '-', peak: '-' };
  }
  const m = /^(\d+(?:\.\d+)?)(MB|GB)$/i.exec(values.size ?? '20MB');
  if (m === null) throw new Error(`--size ${values.size}: expected a size like 20MB or 1GB`);
  const bytes = Number(m[1]) * (m[2]?.toUpperCase() === 'GB' ? 1e9 : 1e6);
  const corpus = join(dir, `report-corpus-${m[1]}${m[2]}.evtx`);
  if (!existsSync(corpus)) writeEvtxFile(corpus, generateEvents(Math.round(bytes / 900), 42, { injectEvery: 2000, truth: () => undefined }));
  const report = resolve(dir, `report-${m[1]}${m[2]}.html`);
  const t0 = Date.now();
  const hunt = spawnSync('node', [resolve('dist/src/cli/main.js'), 'hunt', '--format', 'html', '--output', report, ...(values.rules !== undefined ? ['--rules', values.rules] : []), corpus], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
  const huntSeconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (hunt.status !== 0 && hunt.status !== 1) throw new Error(`the hunt failed (${hunt.status}): ${hunt.stderr.slice(-2000)}`);
  return {
    report,
    label: `${m[1]}${m[2]}${values.rules !== undefined ? ` (rules: ${values.rules})` : ' (built-in pack)'}`,
    events: /Read (\d+) events/.exec(hunt.stderr)?.[1] ?? '?',
    alerts: /Alerts: (\d+)/.exec(hunt.stderr)?.[1] ?? '?',
    huntSeconds,
    peak: /Peak memory: (\d+) MB/.exec(hunt.stderr)?.[1] ?? '?',
  };
}
const { report, label, events, alerts, huntSeconds, peak } = makeReport();

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const start = Date.now();
  await page.goto(`file://${report}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  const ready = Date.now() - start;
  const fcp = await page.evaluate('performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1');
  let story = -1;
  let scroll = -1;
  if ((await page.locator('.sm-row').count()) > 0) {
    const s0 = Date.now();
    await page.locator('.sm-row').first().click();
    await page.waitForSelector('#story h3');
    story = Date.now() - s0;
    const e0 = Date.now();
    await page.keyboard.press('End');
    await page.waitForFunction('document.querySelector(".sm-row.selected") !== null');
    scroll = Date.now() - e0;
  }
  const ms = (n: unknown) => (typeof n === 'number' && n >= 0 ? `${Math.round(n)} ms` : 'n/a');
  process.stdout.write('| corpus | events | alerts | hunt s | peak MB | report MB | first contentful paint | table ready | first story | End key |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  process.stdout.write(`| ${label} | ${events} | ${alerts} | ${huntSeconds} | ${peak} | ${(statSync(report).size / 1e6).toFixed(1)} | ${ms(fcp)} | ${ms(ready)} | ${ms(story)} | ${ms(scroll)} |\n`);
} finally {
  await browser.close();
}
