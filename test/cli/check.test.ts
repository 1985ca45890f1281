import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ruleYaml } from '../helpers.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist/src/cli/main.js');

export function sigmatch(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
});

describe('sigmatch check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-check-'));
  const good = join(dir, 'good.yml');
  const bad = join(dir, 'bad.yml');
  writeFileSync(good, ruleYaml("selection:\n    Image|endswith: '\\cmd.exe'\ncondition: selection"));
  writeFileSync(bad, ruleYaml("selection:\n    Image|endwith: '\\cmd.exe'\ncondition: selection"));

  test('clean rules exit 0', () => {
    const r = sigmatch(['check', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 errors, 0 warnings');
  });
  test('rule errors exit 1 with path:line:col', () => {
    const r = sigmatch(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${bad}:9:9: error modifier-unknown: unknown modifier 'endwith'`);
    expect(r.stdout).toMatch(/1 errors, 0 warnings/);
    expect(r.stdout).toMatch(/1\s+error modifier-unknown/);
  });
  test('usage errors exit 2 without a stack trace', () => {
    for (const args of [['check'], ['check', '--format', 'yaml', good], ['check', '--bogus', good], ['nope']]) {
      const r = sigmatch(args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
  test('--format json', () => {
    const r = sigmatch(['check', '--format', 'json', dir]);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ files: 2, rules: 1, errors: 1, byCode: { 'error modifier-unknown': 1 } });
    expect(out.diagnostics[0]).toMatchObject({ code: 'modifier-unknown', line: 9, column: 9, file: bad });
  });
  test('a missing path is reported', () => {
    const r = sigmatch(['check', join(dir, 'missing.yml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('file-unreadable');
  });
});

describe('field check', () => {
  test('a field the logsource never carries is flagged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-fields-'));
    const f = join(dir, 'r.yml');
    writeFileSync(f, ruleYaml("selection:\n    Image|endswith: '\\cmd.exe'\n    DestinationIp: '1.2.3.4'\ncondition: selection"));
    const r = sigmatch(['check', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${f}:10:9: warning field-unknown: 'DestinationIp' is not a field of process_creation events`);
  });
});
