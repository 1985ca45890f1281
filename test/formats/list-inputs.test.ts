import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { listInputs } from '../../src/formats/read-input.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a folder with a link to itself is walked once, the loop reported once, its file listed once', async () => {
  const root = join(dir, 'self');
  mkdirSync(root);
  writeFileSync(join(root, 'a.json'), '{"EventID":1}\n');
  symlinkSync('.', join(root, 'again'));
  symlinkSync(root, join(root, 'absolute'));
  const l = await listInputs([root]);
  expect(l.files).toEqual([join(root, 'a.json')]);
  expect(l.cycles.map((c) => c.path)).toEqual([join(root, 'absolute'), join(root, 'again')]);
  expect(l.problems.map((p) => [p.code, p.severity])).toEqual([
    ['input-cycle', 'warning'],
    ['input-cycle', 'warning'],
  ]);
  expect(l.duplicates).toEqual([]);
});

test('one file by several paths (a file link, a hard link, a folder link, a path named twice) is listed once; the rest are counted duplicates', async () => {
  const root = join(dir, 'dups');
  mkdirSync(join(root, 'logs'), { recursive: true });
  const file = join(root, 'logs', 'sec.evtx');
  writeFileSync(file, 'ElfFile\0');
  symlinkSync(file, join(root, 'link.evtx'));
  linkSync(file, join(root, 'hard.evtx'));
  symlinkSync(join(root, 'logs'), join(root, 'zz-logs-link'));
  const l = await listInputs([root, file, join(root, 'logs', '..', 'logs', 'sec.evtx')]);
  expect(l.files).toEqual([join(root, 'hard.evtx')]);
  expect(l.sizes).toEqual([8]);
  expect(l.duplicates.map((d) => d.path)).toEqual([join(root, 'link.evtx'), join(root, 'logs', 'sec.evtx'), file, join(root, 'logs', '..', 'logs', 'sec.evtx')]);
  expect(new Set(l.duplicates.map((d) => d.same))).toEqual(new Set([join(root, 'hard.evtx')]));
  // The folder link leads to a folder already walked: not walked again, and not a loop.
  expect(l.cycles).toEqual([]);
});

test('missing paths, a link to nowhere, a pipe named or found in a folder: reported, never read', async () => {
  const root = join(dir, 'odd');
  mkdirSync(root);
  symlinkSync(join(root, 'nowhere.json'), join(root, 'dangling.json'));
  execFileSync('mkfifo', [join(root, 'pipe.json')]);
  const l = await listInputs([join(dir, 'no-such'), root]);
  expect(l.missing).toEqual([join(dir, 'no-such'), join(root, 'dangling.json')]);
  expect(l.files).toEqual([]);
  expect(l.problems).toMatchObject([{ code: 'input-not-file', severity: 'error', file: join(root, 'pipe.json') }]);
});
