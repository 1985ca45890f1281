import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { writeSiteWeeks } from '../tuning/site-weeks.js';
import { sigmatchAsync } from './run-cli.js';

const ROOT = resolve(__dirname, '../..');
const ruleArgs = readdirSync(join(ROOT, 'rules')).filter((f) => f.startsWith('net_connection_win_')).sort().flatMap((f) => ['--rules', join(ROOT, 'rules', f)]);

describe('sigmatch tune', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-tune-'));
  const site = writeSiteWeeks(dir);
  const alerts = join(dir, 'alerts.jsonl');

  test("over a hunt's JSONL output: the noisiest rules, hosts and images, and filters that remove the top activities", async () => {
    const hunt = await sigmatchAsync(['hunt', ...ruleArgs, '--format', 'jsonl', '--quiet', '--output', alerts, site.attack]);
    expect(hunt.code).toBe(1);
    const total = site.normalPerWeek + site.attacks.length;
    const r = await sigmatchAsync(['tune', ...ruleArgs, '--top', '3', alerts]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# ${total} alerts read from 1 hunt output file`);
    expect(r.stdout).toMatch(/# Noisiest rules \(of 7\):\n# {8}25 {3}\d+\.\d% {2}Outbound Network Connection Initiated By BGInfo\.EXE \(d15c7669-22da-5d28-8d6d-41416b5fb1f7\), 5 hosts/);
    expect(r.stdout).toMatch(/# Noisiest images \(of 7\):\n# {8}25 .*Bginfo\.exe/);
    expect(r.stdout).toContain(`# The 3 noisiest activities (of 14): these entries would remove 25 of ${total} alerts`);
    expect(r.stdout).toContain('#    1.      11  Outbound Network Connection Initiated By Cdb.EXE: cdb.exe to msdl.microsoft.com:443 as CORP\\dev_ben, 1 host');
    // The whole output is a filter file: the report is comments.
    const proposed = join(dir, 'mf_proposed.yml');
    writeFileSync(proposed, r.stdout);
    const parsed = loadRuleTexts([{ file: proposed, text: r.stdout }]);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(parsed.filters.length).toBe(3);
    // Applied, they remove exactly the alerts the report says.
    const tuned = await sigmatchAsync(['hunt', ...ruleArgs, '--rules', proposed, '--format', 'jsonl', '--quiet', site.attack]);
    expect(tuned.stdout.split('\n').filter((l) => l !== '').length).toBe(total - 25);
  });

  test('over logs: hunts them first; --min-hosts keeps only activity spread over hosts', async () => {
    const r = await sigmatchAsync(['tune', ...ruleArgs, '--min-hosts', '2', site.baseline]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# \d+ alerts from hunting \d+ events of 1 log file with 12 rules/);
    expect(r.stdout).toContain('# The 0 noisiest activities (of 0 with at least 1 alerts on 2 hosts)');
    expect(r.stdout).not.toContain('title:');
  });

  test('no input is a usage error', async () => {
    const r = await sigmatchAsync(['tune', join(dir, 'nothing-here')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no input files found/);
  });
});
