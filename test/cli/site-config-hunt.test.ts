import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sigmatchAsync, type CliResult } from './run-cli.js';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const PACK = join(ROOT, 'rules');
let dir: string;

const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const docs = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { name: string; level?: string }; event: { kind: string } });

/** The CLI run in `cwd` (where it looks for sigmatch.yml). */
function huntIn(cwd: string, args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'hunt', ...args], { cwd, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (status) => done({ code: status, stdout, stderr }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-site-hunt-'));
  write(
    'cmstp-vpn.yml',
    `title: Known good cmstp on the example host
logsource:
    product: windows
filter:
    rules:
        - 47c894ee-c2b8-55e8-b332-3ba3ee37e8ce
    selection:
        Computer: WS01.corp.example
    condition: not selection
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hunt with a site configuration', () => {
  test('rules, filters, min-level and output format come from the file; options given win', async () => {
    const config = write('site-a.yml', `rules:\n    - ${PACK}\nfilters:\n    - cmstp-vpn.yml\nmin-level: high\noutput:\n    format: jsonl\n`);
    const r = await sigmatchAsync(['hunt', '--no-correlations', '--config', config, EXAMPLES]);
    // The example's high alerts are cmstp's two connections: the site's filter suppresses both.
    expect(docs(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ +2 +Known good cmstp on the example host /m);
    expect(r.stderr).toMatch(/level informational is below --min-level high/);
    // With --show-suppressed the JSONL (the file's format) carries them, marked.
    const shown = await sigmatchAsync(['hunt', '--no-correlations', '--config', config, '--show-suppressed', EXAMPLES]);
    const marked = shown.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { name: string }; sigmatch: { suppressed_by?: unknown[] } });
    expect(marked).toHaveLength(2);
    expect(marked.every((a) => /Cmstp/.test(a.rule.name) && (a.sigmatch.suppressed_by?.length ?? 0) > 0)).toBe(true);
    // Options given on the command line win over the file.
    const table = await sigmatchAsync(['hunt', '--no-correlations', '--config', config, '--format', 'table', '--min-level', 'informational', EXAMPLES]);
    expect(() => JSON.parse(table.stdout.split('\n')[0] ?? '')).toThrow();
    expect(table.stderr).not.toMatch(/below --min-level high/);
  });

  test('disables and level overrides by id and name', async () => {
    const config = write(
      'site-b.yml',
      `disable:\n    - 47c894ee-c2b8-55e8-b332-3ba3ee37e8ce\nlevels:\n    proxy_utility_start: high\nmin-level: high\noutput:\n    format: jsonl\n`,
    );
    const r = await sigmatchAsync(['hunt', '--no-correlations', '--config', config, EXAMPLES]);
    const alerts = docs(r.stdout);
    expect(r.stderr).toMatch(/disabled in .*site-b\.yml/);
    expect(alerts.some((a) => a.rule.name === 'Outbound Network Connection Initiated By Cmstp.EXE')).toBe(false);
    // Informational in the pack, raised to high by the site: above --min-level high, so it alerts.
    const started = alerts.filter((a) => a.rule.name === 'Proxy-Execution Utility Started');
    expect(started.length).toBeGreaterThan(0);
    expect(started.every((a) => a.rule.level === 'high')).toBe(true);
  });

  test('a bad key and a bad value are reported with line:column and the hunt still runs', async () => {
    const config = write('site-c.yml', `min-level: high\ncolour: blue\noutput:\n    format: xml\n`);
    const r = await sigmatchAsync(['hunt', '--config', config, EXAMPLES]);
    expect(r.stderr).toMatch(/site-c\.yml:2:1: error config-unknown-key/);
    expect(r.stderr).toMatch(/site-c\.yml:4:\d+: error/);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL|HIGH/);
  });

  test('a --config file that does not exist is a usage error', async () => {
    const r = await sigmatchAsync(['hunt', '--config', join(dir, 'nope.yml'), EXAMPLES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config .*nope\.yml/);
  });

  test('sigmatch.yml in the working folder is found without --config', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'sigmatch.yml'), `output:\n    format: csv\n`);
    const r = await huntIn(cwd, ['--quiet', EXAMPLES]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^[a-zA-Z]+(,[a-zA-Z]+)+$/);
  });
});
