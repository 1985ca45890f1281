import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { corpusAvailable } from '../helpers.js';
import { sigmatch } from './run-cli.js';

test('bench smoke: a small run prints both tables; readers agree, the pack meets the ground truth, modes agree', () => {
  corpusAvailable();
  sigmatch(['--version']); // builds dist/
  const root = resolve(__dirname, '../..');
  const out = execFileSync(process.execPath, ['dist/bench/run.js', '--size', '2MB', '--read-size', '2MB', '--memory-sizes', '2MB,4MB', '--rule-counts', '1,10'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const readRows = out.split('\n').filter((l) => l.startsWith('| corpus-2MB.evtx'));
  expect(readRows).toHaveLength(5);
  const counts = readRows.map((r) => Number(r.split('|')[4]));
  expect(new Set(counts).size).toBe(1);
  expect(counts[0]).toBeGreaterThan(1000);
  const hunts = out.split('\n').filter((l) => /^\| (built-in pack|all SigmaHQ rules|JSONL input)/.test(l));
  expect(hunts.length).toBe(5);
  expect(out).toMatch(/same alerts as with workers/);
  const truth = /ground truth: (\d+) attacks, (\d+) lookalikes; missed (\d+), extra (\d+)/.exec(out);
  expect(truth).not.toBeNull();
  expect(Number(truth![1])).toBeGreaterThan(5);
  expect(Number(truth![2])).toBeGreaterThan(5);
  expect([truth![3], truth![4]]).toEqual(['0', '0']);
  expect(out).toMatch(/### Events\/s as the rule count grows/);
  expect(out).toMatch(/\| 4MB \| \d+ \| \d+ \| \d+ \|/);
});
