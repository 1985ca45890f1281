import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compileRule } from '../../src/compile/compile-rule.js';
import { EventCache } from '../../src/compile/event-cache.js';
import type { Alert } from '../../src/engine/alert.js';
import { eventFromObject, type FieldValue } from '../../src/event/event.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import type { SigmaRule } from '../../src/rule/model.js';
import { filterVerdicts } from '../../src/tuning/filter-verdict.js';
import { BaselineLearner } from '../../src/tuning/learn-baseline.js';
import { renderBaselineFilters } from '../../src/tuning/write-baseline-filters.js';
import { mergeCovered } from '../../src/tuning/merge-covered.js';

const packRule = (file: string) => loadRuleTexts([{ file, text: readFileSync(file, 'utf8') }]).rules[0]!;
const cdb = packRule('rules/net_connection_win_cdb_initiated_connection.yml');
const odbc = packRule('rules/net_connection_win_odbcconf_initiated_connection.yml');
const procRule = loadRuleTexts([
  {
    file: 'proc_creation_win_setup_from_temp.yml',
    text: `title: Installer Run From a Temp Folder
id: 0f0e0d0c-0b0a-4909-8807-060504030201
logsource: {category: process_creation, product: windows}
detection:
  selection:
    CommandLine|contains: '\\Temp\\'
  condition: selection
level: medium
`,
  },
]).rules[0]!;

const t0 = Date.parse('2026-11-02T08:00:00Z');
const alert = (rule: SigmaRule, fields: Record<string, FieldValue>, at: number, domain?: string): Alert => ({
  rule,
  event: { ...eventFromObject({ Channel: 'Microsoft-Windows-Sysmon/Operational', ...fields }), timestamp: at },
  ...(domain !== undefined ? { domain } : {}),
});
const net = (host: string, user: string, image: string, ip: string, port: number, hostname = '-') => ({ Computer: host, User: user, Image: image, Initiated: 'true', DestinationIp: ip, DestinationPort: port, DestinationHostname: hostname, EventID: 3 });
const CDB = 'C:\\Program Files (x86)\\Windows Kits\\10\\Debuggers\\x64\\cdb.exe';
const ODBC = 'C:\\Windows\\System32\\odbcconf.exe';
const proc = (host: string, user: string, cmd: string) => ({ Computer: host, User: user, EventID: 1, Image: 'C:\\Windows\\System32\\msiexec.exe', ParentImage: 'C:\\Windows\\explorer.exe', CommandLine: cmd });

function learn() {
  const l = new BaselineLearner();
  for (let d = 0; d < 4; d++) {
    l.add(alert(cdb, net('DEV01', 'CORP\\anna', CDB, '192.0.2.80', 443, 'msdl.microsoft.com'), t0 + d * 86_400_000));
    l.add(alert(cdb, net('DEV02', 'CORP\\anna', CDB, '192.0.2.81', 443, 'msdl.microsoft.com'), t0 + d * 86_400_000 + 1000));
    l.add(alert(odbc, net('WS03', 'CORP\\carol', ODBC, `203.0.113.${40 + (d % 2)}`, 1433), t0 + d * 86_400_000, 'db.vendor-example.com'));
    l.add(alert(procRule, proc('WS0' + (d % 2), 'CORP\\svc_deploy', `msiexec.exe /i "C:\\Users\\u${d}\\AppData\\Local\\Temp\\tmp${(0x4a3f + d).toString(16)}.tmp\\agent.msi" /qn SESSION={3F2504E0-4F89-41D3-9A0C-0305E82C330${d}} LOG=${700 + d}`), t0 + d * 1000));
  }
  // Seen once: below --min-count 2.
  l.add(alert(cdb, net('DEV01', 'CORP\\anna', CDB, '192.0.2.99', 8080), t0));
  return l;
}

const match = (rule: SigmaRule, fields: Record<string, FieldValue>) => {
  const e = eventFromObject({ Channel: 'Microsoft-Windows-Sysmon/Operational', ...fields });
  return compileRule(rule).compiled!.matcher(new EventCache(e));
};

describe('baseline filters', () => {
  const activities = learn().activities();
  const { files, leftOut } = renderBaselineFilters(activities, { minCount: 2, minHosts: 1 });
  const loaded = loadRuleTexts(files.map((f) => ({ file: f.name, text: f.text })));
  const suppressed = (rule: SigmaRule, fields: Record<string, FieldValue>) => {
    expect(match(rule, fields)).toBe(true);
    return filterVerdicts(loaded.filters, rule, eventFromObject({ Channel: 'Microsoft-Windows-Sysmon/Operational', ...fields })).some((v) => v.suppresses);
  };

  test('one file per rule, one valid filter document per activity, with counts, hosts and times', () => {
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(files.map((f) => [f.name, f.entries.length])).toEqual([
      ['mf_baseline_net_connection_win_cdb_initiated_connection.yml', 1],
      ['mf_baseline_net_connection_win_odbcconf_initiated_connection.yml', 1],
      ['mf_baseline_proc_creation_win_setup_from_temp.yml', 1],
    ]);
    expect(loaded.filters.length).toBe(3);
    for (const f of loaded.filters) expect(f.condition.text).toBe('not selection');
    const cdbText = files[0]!.text;
    expect(cdbText).toContain('# 8 events on 2 hosts (dev01, dev02), first seen 2026-11-02T08:00:00Z, last seen 2026-11-05T08:00:01Z');
    expect(files[1]!.text).toContain("DestinationIp|cidr:\n            - '203.0.113.0/24'");
    expect(files[1]!.text).toContain('# destination db.vendor-example.com (from DNS)');
  });

  test('entries below the minimums are left out and listed', () => {
    expect(leftOut.map((a) => [a.rule.title, a.summary, a.count])).toEqual([[cdb.title, 'cdb.exe to 192.0.2.0/24:8080 as CORP\\anna', 1]]);
    expect(renderBaselineFilters(activities, { minCount: 1, minHosts: 2 }).files.map((f) => f.name)).toEqual(['mf_baseline_net_connection_win_cdb_initiated_connection.yml', 'mf_baseline_proc_creation_win_setup_from_temp.yml']);
  });

  test('the learned network activity is suppressed, and only it', () => {
    expect(suppressed(cdb, net('DEV03', 'CORP\\anna', CDB, '192.0.2.200', 443, 'msdl.microsoft.com'))).toBe(true);
    expect(suppressed(cdb, net('DEV01', 'CORP\\mallory', CDB, '192.0.2.80', 443, 'msdl.microsoft.com'))).toBe(false);
    expect(suppressed(cdb, net('DEV01', 'CORP\\anna', CDB, '192.0.2.80', 443, 'evil.example'))).toBe(false);
    expect(suppressed(cdb, net('DEV01', 'CORP\\anna', 'C:\\Users\\anna\\cdb.exe', '192.0.2.80', 443, 'msdl.microsoft.com'))).toBe(false);
    expect(suppressed(odbc, net('WS03', 'CORP\\carol', ODBC, '203.0.113.77', 1433))).toBe(true);
    expect(suppressed(odbc, net('WS03', 'CORP\\carol', ODBC, '192.0.2.66', 1433))).toBe(false);
    expect(suppressed(odbc, net('WS03', 'CORP\\carol', ODBC, '203.0.113.40', 443))).toBe(false);
    // A filter reaches only the rules it names.
    expect(suppressed(odbc, net('DEV01', 'CORP\\anna', ODBC.replace('odbcconf', 'odbcconf'), '192.0.2.80', 443, 'msdl.microsoft.com'))).toBe(false);
  });

  test('the learned process activity, generalised, is suppressed in a new run, and a changed one is not', () => {
    const run = (user: string, cmd: string) => proc('WS09', user, cmd);
    const fresh = 'msiexec.exe /i "C:\\Users\\u9\\AppData\\Local\\Temp\\tmpbeef.tmp\\agent.msi" /qn SESSION={11111111-2222-4333-8444-555555555555} LOG=9';
    expect(suppressed(procRule, run('CORP\\svc_deploy', fresh))).toBe(true);
    expect(suppressed(procRule, run('CORP\\mallory', fresh))).toBe(false); // User is kept exactly
    expect(suppressed(procRule, run('CORP\\svc_deploy', fresh.replace('agent.msi', 'payload.msi')))).toBe(false);
    expect(suppressed(procRule, run('CORP\\svc_deploy', fresh + ' TRANSFORMS=x.mst'))).toBe(false);
    const entries = loaded.filters.filter((f) => f.rules !== 'any' && f.rules.includes(procRule.id!));
    expect(entries.length).toBe(1);
  });

  test('a rule whose alerts carry no Image, ParentImage or CommandLine is not learned: its entry would silence the whole rule', () => {
    const cleared = loadRuleTexts([{ file: 'win_security_audit_log_cleared.yml', text: 'title: Security Eventlog Cleared\nid: 0a0a0a0a-0b0b-4c0c-8d0d-0e0e0e0e0e0e\nlogsource: {product: windows, service: security}\ndetection:\n  selection: {EventID: 1102}\n  condition: selection\n' }]).rules[0]!;
    const l = new BaselineLearner();
    for (let i = 0; i < 3; i++) l.add(alert(cleared, { Computer: 'DC01', EventID: 1102 }, t0 + i));
    const r = renderBaselineFilters(l.activities(), { minCount: 1, minHosts: 1 });
    expect(r.files).toEqual([]);
    expect(r.undescribed.map((a) => [a.rule.title, a.count])).toEqual([['Security Eventlog Cleared', 3]]);
  });

  test('an activity whose entry another covers is counted under that entry (what it would really suppress)', () => {
    const l = new BaselineLearner();
    const cmd = (name: string) => proc('WS01', 'CORP\\svc_deploy', `msiexec.exe /i C:\\Temp\\${name}\\agent.msi`);
    for (const n of ['tmp4a3f.tmp', 'tmp99.tmp', 'tmpbeef.tmp']) l.add(alert(procRule, cmd(n), t0));
    l.add(alert(procRule, { ...cmd('tmpzz.tmp'), Computer: 'WS02' }, t0 + 5000)); // 'zz' is not hex: grouped apart, yet the entry fits it
    l.add(alert(procRule, cmd('other.tmp'), t0));
    const grouped = l.activities();
    expect(grouped.map((a) => a.count)).toEqual([3, 1, 1]);
    const merged = mergeCovered(grouped);
    expect(merged.map((a) => [a.count, a.hosts, a.last])).toEqual([
      [4, ['ws01', 'ws02'], t0 + 5000],
      [1, ['ws01'], t0],
    ]);
  });
});
