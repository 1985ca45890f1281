import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/**
 * A built `sigmatch serve` for the dashboard's bench, screenshots and browser tests: a child process on a free
 * loopback port with a data dir of its own, fed through the Elasticsearch `_bulk` endpoint as Winlogbeat would.
 */
/** The repository: this file runs from dist/bench/ (scripts) or from bench/ (the tests, through vitest). */
export const ROOT = resolve(import.meta.dirname, basename(resolve(import.meta.dirname, '..')) === 'dist' ? '../..' : '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface DashboardService {
  readonly url: string;
  readonly dir: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export function startDashboardService(args: readonly string[] = [], env: Record<string, string> = {}): Promise<DashboardService> {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-dashboard-'));
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--data', dir, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start in 30 s:\n${err}`)), 30_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => {
      err += t;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m === null) return;
      clearTimeout(timer);
      done({
        url: `http://127.0.0.1:${m[1]}`,
        dir,
        child,
        stderr: () => err,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`serve exited before listening:\n${err}`));
    });
  });
}

/** The example log (the README quick start's) as JSON documents, one per line (`sigmatch dump`). */
export function exampleDocuments(): string[] {
  const r = spawnSync(process.execPath, [CLI, 'dump', '--format', 'jsonl', 'examples/'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`sigmatch dump examples/ failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

/** Sends documents (JSON texts) through `POST /_bulk` as `create` actions; throws unless every item was taken. */
export async function bulk(url: string, docs: readonly string[], token?: string): Promise<void> {
  const body = docs.map((d) => `{"create":{}}\n${d}\n`).join('');
  const res = await fetch(`${url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) }, body });
  const reply = (await res.json()) as { errors?: boolean };
  if (res.status !== 200 || reply.errors !== false) throw new Error(`_bulk answered ${res.status}: ${JSON.stringify(reply).slice(0, 500)}`);
}

/** Waits until detection has read everything journaled and the store holds at least `alerts` alerts. */
export async function settled(url: string, alerts = 0, timeoutMs = 60_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = (await (await fetch(`${url}/api/health`)).json()) as { detection: { lag_events: number }; alerts: number };
    if (h.detection.lag_events === 0 && h.alerts >= alerts) return h.alerts;
    if (Date.now() > end) throw new Error(`the service did not settle: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
