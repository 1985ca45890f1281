import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, inject } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');
const CACHE_HOME = mkdtempSync(join(tmpdir(), 'sigmatch-test-cache-'));

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/** Starts the built `sigmatch serve` on a free loopback port and resolves once it listens. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const error = inject('buildError');
  if (error !== '') throw new Error(`npm run build failed:\n${error}`);
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: CACHE_HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start in 30 s:\n${err}`)), 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      err += t;
      const m = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        const port = Number(m[2]);
        done({ child, port, url: `${m[1]}://127.0.0.1:${port}`, stderr: () => err, exited });
      }
    });
    child.stdout.resume();
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited (${code}) before listening:\n${err}`));
    });
  });
}

/** Waits until /api/health says detection has caught up (lag 0) and returns the health document. */
export async function caughtUp(url: string, timeoutMs = 30_000): Promise<{ [k: string]: any }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = (await (await fetch(`${url}/api/health`)).json()) as { detection: { lag_events: number } };
    if (h.detection.lag_events === 0) return h;
    if (Date.now() > end) throw new Error(`detection did not catch up: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Scratch for a test file that runs serve processes: `tmp` makes a folder, `children` collects the processes;
 * after the file, processes still running are killed and the folders removed.
 */
export function serveScratch(): { readonly tmp: (prefix: string) => string; readonly children: ServeProcess[] } {
  const dirs: string[] = [];
  const children: ServeProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    tmp: (prefix) => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    children,
  };
}
