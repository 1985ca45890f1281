import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sigmatch } from './run-cli.js';

const OPTIONS = {
  hunt: ['--rules', '--min-level', '--status', '--tags', '--format', '--config', '--output', '--recover', '--placeholder', '--quiet', '--threads', '--context-limit', '--pending-limit', '--sort-limit', '--filters', '--show-suppressed', '--group-window', '--max-record-size', '--no-correlations', '--only-correlations', '--correlation-limit', '--db', '--db-connections', '--no-cache', '--help'],
  check: ['--format', '--quiet', '--placeholder', '--no-cache', '--help'],
  dump: ['--format', '--recover', '--help'],
} as const;

/** The help's option lines: each starts with its flags, then its meaning on the same line. */
function optionLines(help: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of help.split('\n')) {
    const m = /^ {2}(?:-\w, )?(--[\w-]+)(?: <[^>]+>)?\s{2,}(\S.*)$/.exec(line);
    if (m !== null) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

const USAGE_ERRORS: ReadonlyArray<readonly [args: string[], command: string, names: string]> = [
  [['hunt', '--bogus', 'examples/'], 'hunt', '--bogus'],
  [['check', '--bogus', 'rules/'], 'check', '--bogus'],
  [['dump', '--bogus', 'examples/'], 'dump', '--bogus'],
  [['--bogus'], '', '--bogus'],
  [['nope'], '', 'nope'],
  [['hunt', '--format', 'yaml', 'examples/'], 'hunt', '--format'],
  [['hunt', '--min-level', 'severe', 'examples/'], 'hunt', '--min-level'],
  [['hunt', '--threads', 'two', 'examples/'], 'hunt', '--threads'],
  [['hunt', '--threads', '-1', 'examples/'], 'hunt', '--threads'],
  [['hunt', '--threads', '1.5', 'examples/'], 'hunt', '--threads'],
  [['hunt', '--context-limit', '0', 'examples/'], 'hunt', '--context-limit'],
  [['hunt', '--pending-limit', '', 'examples/'], 'hunt', '--pending-limit'],
  [['hunt', '--sort-limit', '1e', 'examples/'], 'hunt', '--sort-limit'],
  [['hunt', '--placeholder', 'novalue', 'examples/'], 'hunt', '--placeholder'],
  [['hunt'], 'hunt', 'path'],
  [['check', '--format', 'yaml', 'rules/'], 'check', '--format'],
  [['dump', '--format', 'csv', 'examples/'], 'dump', '--format'],
];

describe('help, version and usage errors', () => {
  test.each(Object.entries(OPTIONS))('sigmatch %s --help: exit 0, one line per option with its meaning, examples', (name, options) => {
    const r = sigmatch([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = optionLines(r.stdout);
    expect([...lines.keys()].sort()).toEqual([...options].sort());
    for (const meaning of lines.values()) expect(meaning.length).toBeGreaterThan(10);
    expect(r.stdout).toMatch(new RegExp(`Examples:\\n(?:.*\\n)*  sigmatch ${name} `));
    // `sigmatch help CMD` is the same text.
    expect(sigmatch(['help', name])).toEqual(r);
  });

  test('option lines state defaults and choices', () => {
    const hunt = optionLines(sigmatch(['hunt', '--help']).stdout);
    // Their defaults come from the site configuration when it gives them, so the help says both.
    expect(hunt.get('--format')).toMatch(/default: the site configuration's output\.format, else table\) \(one of table, jsonl, csv, html\)/);
    expect(hunt.get('--min-level')).toMatch(/else informational\) \(one of informational, low, medium, high, critical\)/);
    expect(hunt.get('--context-limit')).toContain('default: 50000');
    expect(hunt.get('--no-cache')).toBe('do not read or write the parsed-rule cache');
    expect(optionLines(sigmatch(['dump', '-h']).stdout).get('--format')).toContain('default: jsonl');
  });

  test('sigmatch --help lists every command with an example; without a command the help is an error', () => {
    for (const args of [['--help'], ['help']]) {
      const r = sigmatch(args);
      expect(r.code).toBe(0);
      for (const name of Object.keys(OPTIONS)) expect(r.stdout).toMatch(new RegExp(`^  ${name} .*\\S`, 'm'));
      expect(r.stdout).toContain('  sigmatch hunt examples/');
    }
    const none = sigmatch([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: sigmatch COMMAND');
  });

  test('--version is the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = sigmatch([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`sigmatch ${version}\n`);
    }
  });

  test('--version is read at run time from the package.json of the installation it runs from', () => {
    const root = join(__dirname, '../..');
    const copy = mkdtempSync(join(tmpdir(), 'sigmatch-version-'));
    try {
      sigmatch(['--version']); // builds dist/
      cpSync(join(root, 'dist/src'), join(copy, 'dist/src'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'sigmatch', version: '9.8.7-test', type: 'module' }));
      const r = spawnSync(process.execPath, [join(copy, 'dist/src/cli/main.js'), '--version'], { encoding: 'utf8' });
      expect(r.stdout).toBe('sigmatch 9.8.7-test\n');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test.each(USAGE_ERRORS)('%j: exit 2, one line naming the problem and pointing at the help', (args, command, names) => {
    const r = sigmatch(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const who = command === '' ? 'sigmatch' : `sigmatch ${command}`;
    expect(r.stderr).toMatch(new RegExp(`^${who}: [^\\n]*${names}[^\\n]*; see '${who} --help'\\n$`));
  });

  test('options keep working after the paths, and --no-cache is accepted', () => {
    const r = sigmatch(['hunt', 'examples/', '--format', 'csv', '--no-cache', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(6);
    expect(r.stderr).toBe('');
    expect(sigmatch(['check', '--no-cache', '--quiet', 'rules/']).code).toBe(0);
  });
});
