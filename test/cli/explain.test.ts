import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sigmatch } from './run-cli.js';

const CMSTP = '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce';
const LOG = 'examples/ws01-sysmon.evtx';
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-explain-'));

describe('sigmatch explain', () => {
  test('a matching event: the condition tree, each item with its verdict and the values that decided it; exit 0', () => {
    const r = sigmatch(['explain', '--rule', CMSTP, '--event', `${LOG}:105`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Event: ${LOG} record 105`);
    expect(r.stdout).toContain('logsource {"category":"network_connection","product":"windows"}: the event is from it');
    expect(r.stdout).toContain('condition: selection and not 1 of filter_main_*');
    expect(r.stdout).toMatch(/true {3}and\n\s+true {3}selection\n\s+true {3}not\n\s+false {2}1 of filter_main_\* \(filter_main_local_ranges: false\)/);
    expect(r.stdout).toContain('true   Image|endswith: ["\\\\cmstp.exe"]  event: "C:\\\\Windows\\\\System32\\\\cmstp.exe", matched by "\\\\cmstp.exe"');
    expect(r.stdout).toContain('event: "203.0.113.50"');
    expect(r.stdout).toContain('verdict: match: the rule alerts');
  });

  test('a non-matching event (an internal address) says why; exit 1; the record may be given as the argument', () => {
    const r = sigmatch(['explain', '--rule', CMSTP, `${LOG}:100`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('event: "10.20.0.12", matched by "10.0.0.0/8"');
    expect(r.stdout).toContain('verdict: no match: filter_main_local_ranges matched, and the condition excludes it');
  });

  test('--event-json, the logsource gate, a rule given as a file', () => {
    const ev = JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '203.0.113.9' });
    const r = sigmatch(['explain', '--rule', 'rules/net_connection_win_cmstp_initiated_connection.yml', '--event-json', ev]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the event is NOT from it');
    expect(r.stdout).toContain("verdict: no match: the event is not from the rule's logsource");
  });

  test('--filters: which filter would suppress the alert, with its items', () => {
    const filter = join(dir, 'mf_cmstp.yml');
    writeFileSync(filter, `title: Known good cmstp to the update server
logsource: {category: network_connection, product: windows}
filter:
  rules: [${CMSTP}]
  selection:
    DestinationIp|cidr: 203.0.113.0/24
  condition: not selection
---
title: Another rule's filter
logsource: {category: network_connection, product: windows}
filter:
  rules: [00000000-0000-4000-8000-000000000000]
  selection: {User: x}
  condition: not selection
`);
    const r = sigmatch(['explain', '--rule', CMSTP, '--event', `${LOG}:105`, '--filters', filter]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('filters: 1 of 2 apply to this rule');
    expect(r.stdout).toMatch(/SUPPRESSES {2}Known good cmstp to the update server, .*mf_cmstp\.yml: condition 'not selection' is false/);
    expect(r.stdout).toContain('matched by "203.0.113.0/24"');
    expect(r.stdout).toContain('verdict: match, SUPPRESSED by Known good cmstp to the update server');
    const json = sigmatch(['explain', '--rule', CMSTP, '--event', `${LOG}:105`, '--filters', filter, '--format', 'json']);
    const doc = JSON.parse(json.stdout) as Array<{ alerts: boolean; explanation: { matched: boolean }; filters: Array<{ suppresses: boolean }> }>;
    expect(doc[0]?.explanation.matched).toBe(true);
    expect(doc[0]?.alerts).toBe(false);
    expect(doc[0]?.filters.map((f) => f.suppresses)).toEqual([true]);
  });

  test.each([
    [['--rule', 'no-such-rule', '--event', `${LOG}:105`], /--rule no-such-rule: not a file, and no rule in .* has this id, name or title/],
    [['--rule', CMSTP, '--event', `${LOG}:999999`], /--event examples\/ws01-sysmon.evtx:999999: no such event/],
    [['--rule', CMSTP, '--event', 'nowhere.evtx'], /--event nowhere.evtx: no such file/],
    [['--rule', CMSTP], /exactly one of --event/],
  ])('usage errors are one line, exit 2: %j', (args, message) => {
    const r = sigmatch(['explain', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
