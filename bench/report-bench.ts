/**
 * The HTML report row (issue 16): hunts a generated corpus with `--format html`, then opens the report from disk
 * in headless chromium and measures what an analyst waits for. Prints two markdown tables of one row each:
 *   corpus, events, alerts, hunt seconds (the whole command), write seconds (from the report's first byte on
 *   disk to the hunt's exit: stories built and written), peak MB, report MB, first contentful paint, table
 *   ready, story opened, the End key (scroll to the last row);
 *   then scrolling (the viewport moved 200 px a frame for 300 frames: frame times from requestAnimationFrame,
 *   median, 95th percentile, worst, frames over 50 ms) and sorting (a header clicked, to the next frame: by level,
 *   level again (descending), host (text, its first sort), time).
 * `node dist/bench/report-bench.js [--size 20MB] [--rules DIR] [--corpus-dir bench/out]`; every SigmaHQ rule
 * is `--rules ../shared/corpus/sigmahq/rules`. The full run is `--size 1GB` with every SigmaHQ rule.
 * `--synthetic N` opens a report of N made-up alerts instead (the page alone, no hunt); `--open FILE` measures the
 * page of a report already written (the hunt's columns then say '-').
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { renderHtmlReport } from '../src/output/html/write-html-report.js';
import { generateEvents } from './generate-corpus.js';
import { syntheticChunks } from './synthetic-report.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, rules: { type: 'string' }, 'corpus-dir': { type: 'string' }, synthetic: { type: 'string' }, open: { type: 'string' } } });
/** The report to open, and the row's first columns: a hunt of a generated corpus, or made-up alerts. */
interface Made { report: string; label: string; events: string; alerts: string; huntSeconds: string; writeSeconds: string; peak: string }
async function makeReport(): Promise<Made> {
  const dir = values['corpus-dir'] ?? 'bench/out';
  mkdirSync(dir, { recursive: true });
  if (values.open !== undefined) {
    const report = resolve(values.open);
    if (!existsSync(report)) throw new Error(`--open ${values.open}: no such file`);
    return { report, label: `${values.open} (opened, no hunt)`, events: '-', alerts: '-', huntSeconds: '-', writeSeconds: '-', peak: '-' };
  }
  if (values.synthetic !== undefined) {
    const n = Number(values.synthetic);
    const report = resolve(dir, `report-synthetic-${n}.html`);
    const chunks = syntheticChunks(n);
    const t0 = Date.now();
    writeFileSync(report, [...renderHtmlReport({ generatedAt: '2026-01-01T00:00:00.000Z', title: `${n} made-up alerts`, events: n, files: 1, rulesLoaded: 300 }, chunks)].join(''));
    return { report, label: `synthetic (no hunt)`, events: '-', alerts: String(n), huntSeconds: '-', writeSeconds: ((Date.now() - t0) / 1000).toFixed(1), peak: '-' };
  }
  const m = /^(\d+(?:\.\d+)?)(MB|GB)$/i.exec(values.size ?? '20MB');
  if (m === null) throw new Error(`--size ${values.size}: expected a size like 20MB or 1GB`);
  const bytes = Number(m[1]) * (m[2]?.toUpperCase() === 'GB' ? 1e9 : 1e6);
  const corpus = join(dir, `report-corpus-${m[1]}${m[2]}.evtx`);
  if (!existsSync(corpus)) writeEvtxFile(corpus, generateEvents(Math.round(bytes / 900), 42, { injectEvery: 2000, truth: () => undefined }));
  const report = resolve(dir, `report-${m[1]}${m[2]}.html`);
  writeFileSync(report, '');
  const t0 = Date.now();
  const hunt = await huntToReport(['hunt', '--format', 'html', '--output', report, ...(values.rules !== undefined ? ['--rules', values.rules] : []), corpus], report);
  const huntSeconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (hunt.status !== 0 && hunt.status !== 1) throw new Error(`the hunt failed (${hunt.status}): ${hunt.stderr.slice(-2000)}`);
  return {
    report,
    label: `${m[1]}${m[2]}${values.rules !== undefined ? ` (rules: ${values.rules})` : ' (built-in pack)'}`,
    events: /Read (\d+) events/.exec(hunt.stderr)?.[1] ?? '?',
    alerts: /Alerts: (\d+)/.exec(hunt.stderr)?.[1] ?? '?',
    huntSeconds,
    writeSeconds: hunt.firstByte === undefined ? '?' : ((hunt.exit - hunt.firstByte) / 1000).toFixed(1),
    peak: /Peak memory: (\d+) MB/.exec(hunt.stderr)?.[1] ?? '?',
  };
}

/** The hunt, watched: when its report first has bytes on disk (polled every 50 ms), and when it exits. */
function huntToReport(args: string[], report: string): Promise<{ status: number | null; stderr: string; firstByte: number | undefined; exit: number }> {
  return new Promise((done, fail) => {
    const child = spawn('node', [resolve('dist/src/cli/main.js'), ...args], { env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let firstByte: number | undefined;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-1 << 20)));
    const watch = setInterval(() => {
      if (firstByte === undefined && statSync(report).size > 0) firstByte = Date.now();
    }, 50);
    child.on('error', fail);
    child.on('close', (status) => {
      clearInterval(watch);
      const exit = Date.now();
      // A report written whole between two polls (a small hunt on a quiet machine) took less than the poll interval:
      // its write time is then taken as zero (the row shows tenths of a second), not as unknown.
      if (firstByte === undefined && statSync(report).size > 0) firstByte = exit;
      done({ status, stderr, firstByte, exit });
    });
  });
}

/** Frame times while the table scrolls: the viewport moved `step` px a frame from the top, `frames` frames. */
async function scrollFrames(page: Page, step = 200, frames = 300): Promise<number[]> {
  return (await page.evaluate(`new Promise((done) => {
    const v = document.getElementById('viewport'), out = [];
    v.scrollTop = 0;
    let last;
    function frame(t) {
      if (last !== undefined) out.push(t - last);
      last = t;
      if (out.length >= ${frames}) return done(out);
      v.scrollTop = Math.min(v.scrollHeight - v.clientHeight, v.scrollTop + ${step});
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  })`)) as number[];
}

/** A header clicked: milliseconds to the next frame after it (the sort and the table drawn again). */
async function sortTime(page: Page, label: string): Promise<number> {
  return (await page.evaluate(`new Promise((done, fail) => {
    const b = [...document.querySelectorAll('.grid-head button.sort')].find((x) => x.textContent === ${JSON.stringify(label)});
    if (!b) return fail(new Error('no header ' + ${JSON.stringify(label)}));
    const t0 = performance.now();
    b.click();
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
  })`)) as number;
}

const quantile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

const { report, label, events, alerts, huntSeconds, writeSeconds, peak } = await makeReport();

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const start = Date.now();
  await page.goto(`file://${report}`, { timeout: 300_000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  const ready = Date.now() - start;
  const fcp = await page.evaluate('performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1');
  let story = -1;
  let scroll = -1;
  let frames: number[] = [];
  const sorts: number[] = [];
  if ((await page.locator('.sm-row').count()) > 0) {
    const s0 = Date.now();
    await page.locator('.sm-row').first().click();
    await page.waitForSelector('#story h3');
    story = Date.now() - s0;
    const e0 = Date.now();
    await page.keyboard.press('End');
    await page.waitForFunction('document.querySelector(".sm-row.selected") !== null');
    scroll = Date.now() - e0;
    frames = await scrollFrames(page);
    for (const h of ['Level', 'Level', 'Host', 'Time']) sorts.push(await sortTime(page, h));
  }
  const ms = (n: unknown) => (typeof n === 'number' && n >= 0 ? `${Math.round(n)} ms` : 'n/a');
  process.stdout.write('| corpus | events | alerts | hunt s | report write s | peak MB | report MB | first contentful paint | table ready | first story | End key |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  process.stdout.write(`| ${label} | ${events} | ${alerts} | ${huntSeconds} | ${writeSeconds} | ${peak} | ${(statSync(report).size / 1e6).toFixed(1)} | ${ms(fcp)} | ${ms(ready)} | ${ms(story)} | ${ms(scroll)} |\n`);
  const f = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
  process.stdout.write('\n| scrolling: frames | frame median | frame p95 | worst frame | frames > 50 ms | sort by level | level again (descending) | sort by host | sort by time |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  process.stdout.write(`| ${frames.length} | ${f(quantile(frames, 0.5))} | ${f(quantile(frames, 0.95))} | ${f(frames.length > 0 ? Math.max(...frames) : NaN)} | ${frames.filter((x) => x > 50).length} | ${sorts.map((x) => ms(x)).join(' | ') || 'n/a | n/a | n/a | n/a'} |\n`);
} finally {
  await browser.close();
}
