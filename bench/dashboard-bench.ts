/**
 * The dashboard's first paint with a full store: starts the built `sigmatch serve`, fills its store with N alerts
 * (default 10,000: cmstp connections from 50 hosts, one alert each, sent through `_bulk` as Winlogbeat documents),
 * then opens /ui/ in headless chromium at 1280×800 (signed in, a fresh browser context each run) and reads the
 * page's own timings: first paint and first contentful paint (the Paint Timing API), table ready (the first
 * page of alerts drawn: the `sm-table-ready` mark) and every alert loaded (`sm-alerts-loaded`, the background
 * paging), then the Level header clicked with every alert loaded: the sort and the redraw, in the click's handler.
 * Timings are measured here, never asserted in tests.
 *
 *   npm run build && node dist/bench/dashboard-bench.js [--alerts 10000] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.js';
import { bulk, settled, startDashboardService } from './dashboard-service.js';

const { values } = parseArgs({ options: { alerts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const N = Number(values.alerts);
const RUNS = Number(values.runs);
const HOSTS = 50;
const T0 = Date.parse('2026-11-20T09:00:00Z');

/** The i-th cmstp.exe connection out (Sysmon 3 in Winlogbeat's raw shape): the pack's cmstp rule alerts on each. */
function connection(i: number): string {
  const t = new Date(T0 + i * 1000).toISOString();
  const host = `WS-${String(i % HOSTS).padStart(3, '0')}.corp.example`;
  return JSON.stringify({
    '@timestamp': t,
    host: { name: host.toLowerCase() },
    winlog: {
      channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: host, event_id: '3', record_id: i + 1, provider_name: 'Microsoft-Windows-Sysmon',
      event_data: { UtcTime: t.replace('T', ' ').replace('Z', ''), ProcessGuid: `{8c1a7f52-0000-0000-0000-${String(i).padStart(12, '0')}}`, ProcessId: String(1000 + (i % 50000)), Image: 'C:\\Windows\\System32\\cmstp.exe', User: 'CORP\\user', Protocol: 'tcp', Initiated: 'true', SourceIp: '10.20.4.42', SourcePort: String(50000 + (i % 10000)), DestinationIp: `203.0.113.${i % 250}`, DestinationPort: '443' },
    },
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const svc = await startDashboardService();
const browser = await launchChromium();
try {
  const fill = Date.now();
  for (let i = 0; i < N; i += 1000) await bulk(svc.url, Array.from({ length: Math.min(1000, N - i) }, (_, k) => connection(i + k)));
  const stored = await settled(svc.url, N, 300_000);
  process.stdout.write(`store filled: ${stored} alerts in ${((Date.now() - fill) / 1000).toFixed(1)} s\n`);
  const rows: number[][] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript("sessionStorage.setItem('sigmatch.token', '')");
    const page = await context.newPage();
    await page.goto(`${svc.url}/ui/`);
    await page.waitForSelector('#viewport[data-ready="true"]');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 120_000 });
    const t = (await page.evaluate(`(() => {
      const at = (n) => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : NaN; };
      return [at('first-paint'), at('first-contentful-paint'), at('sm-table-ready'), at('sm-alerts-loaded'), document.querySelectorAll('.sm-row').length, document.getElementById('alert-count').textContent];
    })()`)) as [number, number, number, number, number, string];
    // The click's handler sorts the loaded alerts and draws the rows in view, synchronously.
    const sort = (await page.evaluate(`(() => {
      const level = [...document.querySelectorAll('.grid-head button.sort')].find((b) => b.textContent === 'Level');
      const t0 = performance.now();
      level.click();
      return performance.now() - t0;
    })()`)) as number;
    rows.push([...(t.slice(0, 4) as number[]), sort]);
    process.stdout.write(`run ${run + 1}: first paint ${t[0].toFixed(0)} ms, first contentful paint ${t[1].toFixed(0)} ms, table ready ${t[2].toFixed(0)} ms, all loaded ${t[3].toFixed(0)} ms (${t[5]}, ${t[4]} rows in the DOM), sort by level ${sort.toFixed(0)} ms\n`);
    await context.close();
  }
  const col = (k: number) => median(rows.map((r) => r[k] as number)).toFixed(0);
  process.stdout.write(`\n| alerts | first paint | first contentful paint | table ready | all loaded | sort by level |\n|---|---|---|---|---|---|\n| ${N.toLocaleString('en-US')} | ${col(0)} ms | ${col(1)} ms | ${col(2)} ms | ${col(3)} ms | ${col(4)} ms |\n(median of ${RUNS} runs)\n`);
} finally {
  await browser.close();
  await svc.stop();
}
