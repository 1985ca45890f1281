import { expect, test } from 'vitest';
import { corpusAvailable } from '../helpers.js';
import { runNode, sigmatch } from './run-cli.js';

test('bench smoke: a small run prints both tables; readers agree, the pack meets the ground truth, modes agree', async () => {
  corpusAvailable();
  sigmatch(['--version']); // dist/ is built
  // Minutes of work: in a child process the test awaits, not a synchronous one that freezes the worker meanwhile.
  // The bus rows (NATS servers, a takeover) are smoke-tested on their own: test/service/bus/bus-bench-smoke.test.ts.
  const bench = await runNode(['dist/bench/run.js', '--size', '2MB', '--read-size', '2MB', '--memory-sizes', '2MB,4MB', '--rule-counts', '1,10', '--load-runs', '1', '--serve-events', '3000', '--bus-events', '0', '--soak-minutes', '0.25', '--load-rules', '../shared/corpus/sigmahq/rules/windows/network_connection']);
  expect(bench.code, bench.stderr).toBe(0);
  const out = bench.stdout;
  const readRows = out.split('\n').filter((l) => l.startsWith('| corpus-2MB.evtx'));
  expect(readRows).toHaveLength(5);
  const counts = readRows.map((r) => Number(r.split('|')[4]));
  expect(new Set(counts).size).toBe(1);
  expect(counts[0]).toBeGreaterThan(1000);
  // The hunting table's rows (the live service's table further down has a "built-in pack" row of its own).
  const hunts = out.slice(0, out.indexOf('### The live service')).split('\n').filter((l) => /^\| (built-in pack|all SigmaHQ rules|JSONL input)/.test(l));
  expect(hunts.length).toBe(5);
  expect(out).toMatch(/same alerts as with workers/);
  const truth = /ground truth: (\d+) attacks, (\d+) lookalikes; missed (\d+), extra (\d+)/.exec(out);
  expect(truth).not.toBeNull();
  expect(Number(truth![1])).toBeGreaterThan(5);
  expect(Number(truth![2])).toBeGreaterThan(5);
  expect([truth![3], truth![4]]).toEqual(['0', '0']);
  // The real-logs row (the corpus's real EVTX files replayed) and the generated corpus's mix against theirs.
  expect(out).toMatch(/^\| real logs replayed \([\d.]+MB\), all SigmaHQ rules, \d+ worker threads \| \d+ \| [1-9]\d* \|/m);
  expect(out).toMatch(/### The generated corpus against real logs/);
  expect(out).toMatch(/^\| ScriptBlockText \| \d+ \/ \d+ \/ \d+ \/ \d+, [\d.]+% \| \d+ \/ \d+ \/ \d+ \/ \d+, [\d.]+% \|$/m);
  expect(out).toMatch(/### Events\/s as the rule count grows/);
  expect(out).toMatch(/\| 4MB \| \d+ \| \d+ \| \d+ \|/);
  // Correlations and filters: their cost, and correlation state at each memory size.
  expect(out).toMatch(/### Correlations and filters/);
  expect(out).toMatch(/^\| every SigmaHQ rule \+ the pack with the built-in correlations \| \d+ \| [\d.]+ \| \d+ \| \d+ \| \d+ \| [\d.]+% \|/m);
  expect(out).toMatch(/^\| pack \+ a correlation of one group per connection, 4MB \| .* \| \d+ items in [1-9]\d* groups \|$/m);
  expect(out).toMatch(/^\| the pack with 100 filter entries \| .* \| [\d.]+% \| goal ≥ 90% \|$/m);
  // The HTML report row: the hunt-size corpus hunted to a report and opened in chromium.
  expect(out).toMatch(/### The HTML report/);
  expect(out, out.slice(out.indexOf('### The HTML report'), out.indexOf('### The HTML report') + 1500)).toMatch(/^\| 2MB \(rules: [^)]+\) \| \d+ \| [1-9]\d* \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \| \d+ ms \| \d+ ms \| \d+ ms \| \d+ ms \|$/m);
  // Its scrolling and sorting row: frames, frame times, and the four header clicks.
  expect(out).toMatch(/^\| 300 \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \| \d+ \| \d+ ms \| \d+ ms \| \d+ ms \| \d+ ms \|$/m);
  // Loading into databases: every row of every database holds all of the read corpus's events, and PostgreSQL's ceiling.
  const loads = out.split('\n').filter((l) => /^\| (DuckDB|SQLite|PostgreSQL)[^|]* \| \d+ \|/.test(l));
  expect(loads).toHaveLength(5);
  expect(new Set(loads.map((l) => Number(l.split('|')[2])))).toEqual(new Set([counts[0]]));
  expect(out).toMatch(/PostgreSQL's own ceiling: psql `\\copy FROM` of the same \d+ rows/);
  // Converting to every target, and the same hunt from the file and in each database: the same alerts where every rule ran.
  expect(out.split('\n').filter((l) => /^\| (postgres|duckdb|sqlite|clickhouse|kql-sentinel|kql-defender) \| \d+ \| \d+ \| \d+ \| [\d.]+ \| \d+ \|$/.test(l))).toHaveLength(6);
  const fileAlerts = /^\| the EVTX file \| — \| [\d.]+ \| (\d+) \|$/m.exec(out)?.[1];
  expect(fileAlerts).toBeDefined();
  expect(out).toMatch(new RegExp(`^\\| PostgreSQL 15 \\| [\\d.]+ \\| [\\d.]+ \\| ${fileAlerts} \\|$`, 'm'));
  // The live service: the pack with the SQLite and the PostgreSQL store, and every SigmaHQ rule, each row all its events detected.
  // …, peak RSS, then the service's CPU seconds (the main thread's and the busiest other thread's in parentheses).
  const serveRows = out.split('\n').filter((l) => /^\| [^|]+ \| 3000 \| \d+ \| \d+ \| \d+ \| \d+ \/ \d+ \/ \d+ \| \d+ \| \d+ \| [\d.]+ \([\d.]+, [\d.]+\) \|$/.test(l));
  expect(serveRows, out.slice(out.indexOf('### The live service'))).toHaveLength(3);
  // The soak row (a quarter of a minute here): everything acknowledged was detected.
  const soakRow = /^\| built-in pack \| 0\.25 \| 3000 \| (\d+) \| (\d+) \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ → \d+ \| [+-][\d.]+% \|$/m.exec(out);
  expect(soakRow, out.slice(out.indexOf('### The live service under'))).not.toBeNull();
  expect(soakRow![1]).toBe(soakRow![2]);
  expect(Number(soakRow![1])).toBe(45000);
  // Rule loading cold, warm and without the cache, for hunt and check.
  expect(out.split('\n').filter((l) => /^\| (hunt|check) \| \d+ \| (cold|warm|off) \| [\d.]+ \| [\d.]+ \|/.test(l))).toHaveLength(6);
}, 480_000);
