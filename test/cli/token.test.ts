import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveScratch, startServe } from '../service/serve-process.js';
import { sigmatchAsync } from './run-cli.js';

const { tmp, children } = serveScratch();

const api = (url: string, path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) } });

describe('sigmatch token', () => {
  it('creates tokens before and while serve runs, lists them without the token, and revokes them', async () => {
    const data = tmp('sigmatch-token-data-');
    const made = await sigmatchAsync(['token', 'create', '--data', data, '--name', 'reader', '--scope', 'read']);
    expect(made.code).toBe(0);
    const reader = made.stdout.trim();
    expect(reader).toMatch(/^smt_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toMatch(/token 'reader' \(scope read\) created.*shown only now/);
    const again = await sigmatchAsync(['token', 'create', '--data', data, '--name', 'reader', '--scope', 'admin']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a token named 'reader' exists/);

    // Named tokens work from other machines' point of view: with --api-token set, loopback alone is refused.
    const s = await startServe(['--data', data, '--no-cache'], { SIGMATCH_API_TOKEN: 'the-api-token' });
    children.push(s);
    expect((await api(s.url, '/api/alerts')).status).toBe(401);
    expect((await api(s.url, '/api/alerts', reader)).status).toBe(200);

    // Made while the service runs: works at once.
    const triager = (await sigmatchAsync(['token', 'create', '--data', data, '--name', 'alice', '--scope', 'triage'])).stdout.trim();
    expect((await api(s.url, '/api/rules', triager)).status).toBe(200);
    const forbidden = await api(s.url, `/api/alerts/${'0'.repeat(32)}`, reader, { method: 'PATCH', body: '{"status":"acknowledged"}' });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: string }).error).toMatch(/scope 'triage'/);
    expect((await api(s.url, `/api/alerts/${'0'.repeat(32)}`, triager, { method: 'PATCH', body: '{"status":"acknowledged"}' })).status).toBe(404);

    const list = await sigmatchAsync(['token', 'list', '--data', data]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SCOPE\s+CREATED\s+LAST USED\s+STATE$/);
    expect(lines[1]).toMatch(/^alice\s+triage\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\d\d-\d\dT\S+Z\s+active$/);
    expect(lines[2]).toMatch(/^reader\s+read\s+\S+Z\s+\S+Z\s+active$/);
    expect(list.stdout).not.toContain(reader.slice(4));
    expect(list.stdout).not.toContain(triager.slice(4));

    const revoked = await sigmatchAsync(['token', 'revoke', '--data', data, 'alice']);
    expect(revoked.code).toBe(0);
    expect((await api(s.url, '/api/rules', triager)).status).toBe(401);
    expect((await api(s.url, '/api/rules', reader)).status).toBe(200);
    expect((await sigmatchAsync(['token', 'list', '--data', data])).stdout).toMatch(/\nalice\s+triage\s+.*revoked \S+Z\n/);
    const unknown = await sigmatchAsync(['token', 'revoke', '--data', data, 'alice']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no active token named 'alice'/);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refuses bad calls with a usage error or a missing data dir, without a stack trace', async () => {
    const empty = tmp('sigmatch-token-empty-');
    const cases: Array<[string[], number, RegExp]> = [
      [['token', 'list', '--data', join(empty, 'nothing')], 66, /no sigmatch data in .*nothing/],
      [['token', 'revoke', '--data', empty, 'x'], 66, /no sigmatch data/],
      [['token', 'create', '--data', empty, '--name', 'x', '--scope', 'root'], 2, /'root' is invalid.*ingest, read, triage, admin/],
      [['token', 'create', '--data', empty, '--scope', 'read'], 2, /needs --name NAME and --scope/],
      [['token', 'create', '--data', empty, '--name', 'has space', '--scope', 'read'], 1, /token name 'has space'/],
      [['token', 'revoke', '--data', empty], 2, /needs the NAME/],
      [['token', 'rotate', '--data', empty], 2, /'rotate' is not a token action/],
      [['token', 'list', 'extra', '--data', empty], 2, /takes no arguments/],
    ];
    for (const [args, code, message] of cases) {
      const r = await sigmatchAsync(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('GET /api/rules from sigmatch serve', () => {
  it('lists the rules with their filters, and the load problems with file and line:column', async () => {
    const rules = tmp('sigmatch-rules-api-');
    copyFileSync(resolve(__dirname, '../../rules/net_connection_win_cmstp_initiated_connection.yml'), join(rules, 'good.yml'));
    writeFileSync(join(rules, 'broken.yml'), 'title: Broken\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: x\n    condition: sel and nothing\n');
    const filters = tmp('sigmatch-rules-api-filters-');
    writeFileSync(join(filters, 'vpn.yml'), "title: VPN server\nid: 0e6b5c1d-1f77-4c59-9d0b-6c1b6f2d8a01\nlogsource: {category: network_connection, product: windows}\nfilter:\n    rules: [47c894ee-c2b8-55e8-b332-3ba3ee37e8ce]\n    selection:\n        DestinationIp|cidr: '198.51.100.0/24'\n    condition: not selection\n");
    const data = tmp('sigmatch-rules-api-data-');
    const s = await startServe(['--rules', rules, '--filters', filters, '--data', data, '--no-cache', '--no-watch']);
    children.push(s);
    const body = (await (await api(s.url, '/api/rules')).json()) as { rules: Array<{ id: string; filters: Array<{ id: string; title: string }> }>; errors: Array<{ file: string; line: number; column: number; message: string }>; loaded_at: string; reloads: number };
    expect(body.rules.map((r) => r.id)).toEqual(['47c894ee-c2b8-55e8-b332-3ba3ee37e8ce']);
    expect(body.rules[0]?.filters).toEqual([{ id: '0e6b5c1d-1f77-4c59-9d0b-6c1b6f2d8a01', title: 'VPN server', file: join(filters, 'vpn.yml'), suppressed: 0 }]);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({ file: join(rules, 'broken.yml'), line: 8 });
    expect(body.errors[0]?.column).toBeGreaterThan(1);
    expect(body.errors[0]?.message).toMatch(/nothing/);
    const before = body.loaded_at;
    // A reload (SIGHUP) shows in the count and the time.
    await new Promise((r) => setTimeout(r, 20));
    s.child.kill('SIGHUP');
    let after = body;
    for (let i = 0; i < 200 && after.reloads === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = (await (await api(s.url, '/api/rules')).json()) as typeof body;
    }
    expect(after.reloads).toBe(1);
    expect(Date.parse(after.loaded_at)).toBeGreaterThan(Date.parse(before));
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
