import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateEvents } from '../../bench/generate-corpus.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { expect, test } from 'vitest';
import { sigmatch } from './run-cli.js';

/** `sigmatch dump ... | head -1`: the reader goes away after a line; sigmatch stops quietly (141, SIGPIPE's code), no stack trace. */
test('a reader that closes the pipe early ends the command quietly', async () => {
  sigmatch(['--version']); // dist/ is built
  // Megabytes of output: far more than a pipe buffers, so writes after the reader left fail with EPIPE.
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-epipe-'));
  const file = join(dir, 'many.evtx');
  writeEvtxFile(file, generateEvents(5000, 3));
  const child = spawn(process.execPath, [resolve('dist/src/cli/main.js'), 'dump', '--format', 'jsonl', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  expect(err).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(141);
});
