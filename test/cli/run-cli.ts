import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** dist/ is built once for the whole run by test/global-setup.ts; a failed build fails each CLI test with tsc's output. */
function assertBuilt(): void {
  const error = inject('buildError');
  if (error !== '') throw new Error(`npm run build failed:\n${error}`);
}

/** A parsed-rule cache of this test file's own, so tests never write into the user's ~/.cache (a test may set its own). */
const CACHE_HOME = mkdtempSync(join(tmpdir(), 'sigmatch-test-cache-'));
const envOf = (env: Record<string, string>) => ({ ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: CACHE_HOME, ...env });

/**
 * Runs the built CLI with colour off, synchronously: only for short runs (usage, help, a few events), since the
 * test worker's event loop stands still until the child ends.
 */
export function sigmatch(args: string[], env: Record<string, string> = {}): CliResult {
  assertBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, env: envOf(env), maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the built CLI with colour off while the worker's event loop goes on: for hunts over many rules or events. */
export function sigmatchAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  assertBuilt();
  return runNode([BIN, ...args], envOf(env));
}

/** Runs a Node script of the project's (a path under ROOT or dist/) as a child process, its output collected. */
export function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
