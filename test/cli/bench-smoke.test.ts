import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { sigmatch } from './run-cli.js';

test('bench smoke: a small run prints the table, and our reader and evtxexport count the same records', () => {
  sigmatch(['--version']); // builds dist/
  const root = resolve(__dirname, '../..');
  const out = execFileSync(process.execPath, ['dist/bench/run.js', '--size', '2MB'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = out.split('\n').filter((l) => l.startsWith('| sysmon-2MB.evtx'));
  expect(rows).toHaveLength(4);
  const counts = rows.map((r) => Number(r.split('|')[4]));
  expect(new Set(counts).size).toBe(1);
  expect(counts[0]).toBeGreaterThan(1000);
});
