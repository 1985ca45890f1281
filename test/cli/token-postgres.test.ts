import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../backends/postgres-server.js';
import { serveScratch, startServe } from '../service/serve-process.js';
import { sigmatchAsync } from './run-cli.js';

/** `sigmatch token --store URL`: tokens in the PostgreSQL store, shared by every `serve --store URL` instance. */
const { tmp, children } = serveScratch();
let server: TestPostgres | undefined;

beforeAll(async () => {
  server = await startTestPostgres();
  if (server === undefined) throw new Error('no PostgreSQL server for the token test (.ci/run installs Debian postgresql)');
}, 60_000);
afterAll(() => server?.stop());

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: (server as TestPostgres).url });
  await admin.connect();
  const name = `sigmatch_tokens_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL((server as TestPostgres).url);
  u.pathname = `/${name}`;
  return u.toString();
}

const api = (url: string, path: string, token?: string) => fetch(`${url}${path}`, { headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} });

/** Polls until `f` gives `want` (revocations reach the instances by a notification, not synchronously). */
async function until<T>(f: () => Promise<T>, want: T, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let got = await f();
  while (got !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    got = await f();
  }
  return got;
}

describe('sigmatch token --store postgres://', () => {
  it('a token made once works on two instances of one store, and a revoked one is refused by both', async () => {
    const store = await freshDatabase();
    const made = await sigmatchAsync(['token', 'create', '--store', store, '--name', 'reader', '--scope', 'read']);
    expect([made.code, made.stderr]).toEqual([0, expect.stringMatching(/token 'reader' \(scope read\) created in postgres:\/\/.* for every instance of that store/)]);
    const reader = made.stdout.trim();
    expect(reader).toMatch(/^smt_[A-Za-z0-9_-]{43}$/);
    expect((await sigmatchAsync(['token', 'create', '--store', store, '--name', 'reader', '--scope', 'admin'])).stderr).toMatch(/a token named 'reader' exists/);

    // A token in one instance's data dir is not accepted with --store (and the service says so).
    const dataA = tmp('sigmatch-token-pg-a-');
    const local = (await sigmatchAsync(['token', 'create', '--data', dataA, '--name', 'local', '--scope', 'admin'])).stdout.trim();
    const env = { SIGMATCH_API_TOKEN: 'the-api-token' };
    const [a, b] = await Promise.all([startServe(['--data', dataA, '--store', store, '--no-cache'], env), startServe(['--data', tmp('sigmatch-token-pg-b-'), '--store', store, '--no-cache'], env)]);
    children.push(a, b);
    for (const s of [a, b]) {
      expect((await api(s.url, '/api/alerts')).status).toBe(401);
      expect((await api(s.url, '/api/alerts', reader)).status).toBe(200);
    }
    expect((await api(a.url, '/api/alerts', local)).status).toBe(401);
    expect(a.stderr()).toMatch(/the 1 made in .* \(local\) are not accepted/);

    // Made while both run: both take it, from the notification.
    const triager = (await sigmatchAsync(['token', 'create', '--store', store, '--name', 'alice', '--scope', 'triage'])).stdout.trim();
    for (const s of [a, b]) expect(await until(async () => (await api(s.url, '/api/rules', triager)).status, 200)).toBe(200);

    // Each instance keeps a copy of the hashes (never the tokens) for a start while PostgreSQL is down.
    const copy = readFileSync(join(dataA, 'pg-tokens.json'), 'utf8');
    expect(copy).not.toContain(reader.slice(4));
    expect((JSON.parse(copy) as { tokens: Array<{ name: string }> }).tokens.map((t) => t.name).sort()).toEqual(['alice', 'reader']);

    const list = await sigmatchAsync(['token', 'list', '--store', store]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\nalice\s+triage\s+\S+Z\s+\S+Z\s+active\n/); // used: last-used written back
    expect(list.stdout).toMatch(/\nreader\s+read\s+\S+Z\s+\S+Z\s+active\n/);
    expect(list.stdout).not.toContain(triager.slice(4));

    const revoked = await sigmatchAsync(['token', 'revoke', '--store', store, 'alice']);
    expect([revoked.code, revoked.stderr]).toEqual([0, expect.stringMatching(/revoked in postgres:.*every instance of that store refuses it/)]);
    for (const s of [a, b]) expect(await until(async () => (await api(s.url, '/api/rules', triager)).status, 401)).toBe(401);
    expect((await api(b.url, '/api/rules', reader)).status).toBe(200);
    expect((await sigmatchAsync(['token', 'revoke', '--store', store, 'alice'])).code).toBe(1);
    for (const s of [a, b]) {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
    expect(existsSync(join(dataA, 'pg-tokens.json'))).toBe(true);
  });

  it('a store that is down or not PostgreSQL is a clear error, no stack trace', async () => {
    const down = await sigmatchAsync(['token', 'list', '--store', 'postgres://nobody:secret@127.0.0.1:1/none']);
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/^sigmatch token: the alert store postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none is unreachable/);
    expect(down.stderr).not.toContain('secret');
    expect(down.stderr).not.toMatch(/\n\s+at /);
    const wrong = await sigmatchAsync(['token', 'list', '--store', 'mysql://db/x']);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/--store mysql:\/\/db\/x: expected a postgres:\/\/ URL/)]);
  });
});
