import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** tsc's output when building dist/ failed, else ''. */
    buildError: string;
  }
}

/**
 * Builds dist/ once for the run, before any test file starts: the CLI tests and the worker-thread tests run the built
 * JavaScript. (Each of those files used to build it itself, a synchronous tsc run of 10-30 s on a busy machine that
 * froze its test worker for the build's whole length, five to seven builds a run.) A failed build is handed to the
 * tests that need dist/. The build is incremental (tsconfig.build.json, dist/.tsbuildinfo): right after `npm ci`'s
 * prepare build, or a second `npm test`, it checks and writes only what changed (~3 s of CPU instead of ~13 s).
 */
export default async function setup(project: TestProject): Promise<void> {
  const root = resolve(__dirname, '..');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const output = await new Promise<{ code: number | null; text: string }>((done, fail) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', fail);
    child.on('close', (code) => done({ code, text: Buffer.concat(chunks).toString('utf8') }));
  });
  project.provide('buildError', output.code === 0 ? '' : output.text || `tsc exited with ${output.code}`);
}
