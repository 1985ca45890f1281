import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sigmatchAsync } from './run-cli.js';

let dir: string;
const CMSTP = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';

const filterDoc = (title: string, rules: string, selection: string, condition = 'not selection', logsource = 'category: network_connection\n    product: windows') => `title: ${title}
logsource:
    ${logsource}
filter:
    rules: ${rules}
    selection:
        ${selection}
    condition: ${condition}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-filters-'));
  mkdirSync(join(dir, 'tuning'));
  writeFileSync(join(dir, 'tuning', 'mf_cmstp_cdn.yml'), filterDoc('Known CDN for cmstp', `[${CMSTP}]`, "DestinationIp: '203.0.113.50'"));
  writeFileSync(join(dir, 'tuning', 'mf_unused.yml'), filterDoc('Nothing here', 'any', "Image|endswith: '\\nothing.exe'", 'not selection', 'product: windows'));
  writeFileSync(join(dir, 'mf_ipv6.yml'), filterDoc('IPv6 documentation range', `[${CMSTP}]`, "DestinationIp|cidr: '2001:db8::/32'"));
  writeFileSync(join(dir, 'mf_broken.yml'), 'title: Broken\nlogsource:\n    product: windows\nfilter:\n    rules: any\n    selection:\n        Image: [unclosed\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hunt = (args: string[]) => sigmatchAsync(['hunt', ...args, 'examples/']);

describe('filters in hunts', () => {
  test('--filters suppresses exactly the known-good; the summary counts each filter per rule and lists the unused ones', async () => {
    const r = await hunt(['--filters', join(dir, 'tuning'), '--format', 'csv']);
    const rows = r.stdout.trim().split('\n').slice(1);
    const network = rows.filter((l) => l.includes('Outbound Network Connection'));
    expect(network).toHaveLength(1);
    expect(network[0]).toContain('2001:db8:85a3::8a2e:370:7334');
    expect(r.stderr).toContain('Filters: 2 loaded, 1 alerts suppressed');
    expect(r.stderr).toMatch(/ {5}1 {2}Known CDN for cmstp \(.*mf_cmstp_cdn\.yml\): Outbound Network Connection Initiated By Cmstp\.EXE 1/);
    expect(r.stderr).toMatch(/unused \(suppressed nothing\): Nothing here/);
    expect(r.code).toBe(1);
  });

  test('--show-suppressed prints them marked, in every format and mode; they are not alerts', async () => {
    const table = await hunt(['--filters', join(dir, 'tuning'), '--show-suppressed']);
    expect(table.stdout).toMatch(/SUPPRESSED Outbound Network Connection Initiated By Cmstp\.EXE .*203\.0\.113\.50.*\(by Known CDN for cmstp\)/);
    expect(table.stderr).toContain('Alerts: 4 (3 critical, 1 high)');
    const jsonl = await hunt(['--filters', join(dir, 'tuning'), '--show-suppressed', '--format', 'jsonl', '--quiet']);
    const docs = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: { action?: string }; sigmatch: { suppressed_by?: string[]; event?: { DestinationIp?: string } } });
    const suppressed = docs.filter((d) => d.sigmatch.suppressed_by !== undefined);
    expect(suppressed.map((d) => [d.sigmatch.suppressed_by, d.event.action, d.sigmatch.event?.DestinationIp])).toEqual([[['Known CDN for cmstp'], 'suppressed', '203.0.113.50']]);
    for (const threads of ['0', '2']) {
      const again = await hunt(['--filters', join(dir, 'tuning'), '--show-suppressed', '--format', 'jsonl', '--quiet', '--threads', threads, '--pending-limit', '1', '--context-limit', '1']);
      expect(again.stdout).toBe(jsonl.stdout);
    }
    const csv = await hunt(['--filters', join(dir, 'tuning'), '--show-suppressed', '--format', 'csv', '--quiet']);
    expect(csv.stdout.split('\n')[0]?.endsWith(',contributors,suppressedBy,count,firstSeen,lastSeen')).toBe(true);
    expect(csv.stdout).toMatch(/,suppressed,,,,,,,Known CDN for cmstp,,,\n/);
  });

  test('filters gate the matches that feed correlations; both connections suppressed: no alert, exit code 0 for the rules', async () => {
    const r = await hunt(['--filters', join(dir, 'tuning'), '--filters', join(dir, 'mf_ipv6.yml'), '--format', 'csv', '--quiet']);
    const rows = r.stdout.trim().split('\n').slice(1);
    expect(rows.filter((l) => l.includes('Outbound Network Connection'))).toEqual([]);
    // No connection is left to chain: only the write → run correlation, which needs none.
    expect(rows.map((l) => l.split(',')[2])).toEqual(['Executable Written by a Proxy-Execution Utility Is Started']);
    const none = await sigmatchAsync(['hunt', '--quiet', '--no-correlations', '--min-level', 'high', '--filters', join(dir, 'tuning'), '--filters', join(dir, 'mf_ipv6.yml'), 'examples/']);
    expect(none.stdout).toBe('');
    expect(none.code).toBe(0);
  });

  test('a broken filter file gets its code and line:column, the other filters still apply; a missing path is a usage error', async () => {
    const r = await hunt(['--filters', dir, '--format', 'csv']);
    expect(r.stderr).toMatch(/mf_broken\.yml:\d+:\d+: error /);
    expect(r.stderr).toContain('Filters: 3 loaded, 2 alerts suppressed');
    const missing = await hunt(['--filters', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--filters');
  });

  test('filters found beside the rules keep working', async () => {
    const rules = join(dir, 'rules');
    mkdirSync(rules, { recursive: true });
    const { readdirSync, copyFileSync } = await import('node:fs');
    for (const f of readdirSync('rules')) copyFileSync(join('rules', f), join(rules, f));
    copyFileSync(join(dir, 'tuning', 'mf_cmstp_cdn.yml'), join(rules, 'mf_cmstp_cdn.yml'));
    const r = await sigmatchAsync(['hunt', '--rules', rules, '--format', 'csv', 'examples/']);
    expect(r.stdout.trim().split('\n').filter((l) => l.includes('Outbound Network Connection'))).toHaveLength(1);
    expect(r.stderr).toContain('Filters: 1 loaded, 1 alerts suppressed');
  });
});
