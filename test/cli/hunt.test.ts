import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeEvtxBuffer, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { networkConnect, processCreate, dnsQuery, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import { sigmatch } from './run-cli.js';

const UTILITIES = ['Microsoft.Workflow.Compiler.exe', 'bginfo.exe', 'cdb.exe', 'cmstp.exe', 'csi.exe', 'dnx.exe', 'fsi.exe', 'ieexec.exe', 'iexpress.exe', 'odbcconf.exe', 'rcsi.exe', 'xwizard.exe'];
const LOCAL = ['10.1.2.3', '172.16.0.9', '172.31.255.254', '192.168.1.20', '127.0.0.1', '169.254.10.10', '::1', 'fe80::1234', 'fc00::1', 'fd12:3456::1'];
const HOST = 'WS07.corp.example';
let counter = 0;
const proc = (image: string): ProcessSpec => {
  counter++;
  const parent: ProcessSpec = { guid: sysmonGuid(7, 90000 + counter), pid: 500 + counter, image: 'C:\\Windows\\explorer.exe', commandLine: 'C:\\Windows\\Explorer.EXE', user: 'CORP\\bob' };
  return { guid: sysmonGuid(7, counter), pid: 2000 + counter, image, commandLine: `${image.split('\\').pop()} /payload ${counter}`, user: 'CORP\\bob', parent };
};
const at = (s: number) => new Date(Date.parse('2026-04-01T10:00:00Z') + s * 1000).toISOString();

function huntEvents(events: WriterEvent[], ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-hunt-'));
  const file = join(dir, 'log.evtx');
  writeFileSync(file, writeEvtxBuffer(events));
  // These tests are about the twelve rules; the pack's chain correlations have tests of their own.
  const r = sigmatch(['hunt', '--format', 'jsonl', '--no-correlations', '--min-level', 'low', ...args, dir]);
  return { ...r, alerts: r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l)) };
}

describe('sigmatch hunt with the built-in pack', () => {
  test.each(UTILITIES)('%s: public IPv4 and IPv6 alert; local ranges, not initiated, lookalikes do not', (exe) => {
    const events: WriterEvent[] = [];
    const image = `C:\\Windows\\System32\\${exe}`;
    const p = proc(image);
    events.push(processCreate(at(0), HOST, p));
    events.push(networkConnect(at(1), HOST, p, '203.0.113.9', 443));
    events.push(networkConnect(at(2), HOST, p, '2001:db8::9', 443));
    for (const ip of LOCAL) events.push(networkConnect(at(3), HOST, p, ip, 443));
    events.push(networkConnect(at(4), HOST, p, '198.51.100.1', 443, { initiated: false }));
    const upper = proc(image.toUpperCase());
    events.push(networkConnect(at(5), HOST, upper, '198.51.100.2', 80));
    const lookalike = proc(`C:\\Temp\\not${exe}`);
    events.push(networkConnect(at(6), HOST, lookalike, '198.51.100.3', 80));
    const r = huntEvents(events);
    expect(r.code).toBe(1);
    expect(r.alerts.map((a) => a.destination.ip).sort()).toEqual(['198.51.100.2', '2001:db8::9', '203.0.113.9']);
    for (const a of r.alerts) expect(a.rule.name.toLowerCase()).toContain(exe.replace('.exe', '').toLowerCase());
  });

  test('process context whichever order the creation comes in, with the resolved domain', () => {
    const p = proc('C:\\Windows\\System32\\odbcconf.exe');
    const q = proc('C:\\Windows\\System32\\xwizard.exe');
    const events = [
      networkConnect(at(5), HOST, p, '203.0.113.77', 443),
      dnsQuery(at(4), HOST, p, 'evil.example.org', ['203.0.113.77']),
      processCreate(at(1), HOST, p),
      processCreate(at(6), HOST, q),
      networkConnect(at(7), HOST, q, '203.0.113.78', 443),
    ];
    const r = huntEvents(events);
    expect(r.alerts).toHaveLength(2);
    const [a, b] = r.alerts;
    expect(a.process).toMatchObject({ command_line: p.commandLine, parent: { executable: 'C:\\Windows\\explorer.exe', command_line: 'C:\\Windows\\Explorer.EXE' }, user: { name: 'CORP\\bob' }, context: 'found by guid', integrity_level: 'Medium' });
    expect(a.process.hash.md5).toBe('0C0A46AAA84E8689D9EE731E6799283B');
    expect(a.destination.domain).toBe('evil.example.org');
    expect(a.dns.question.name).toBe('evil.example.org');
    expect(b.process.command_line).toBe(q.commandLine);
    expect(a).toMatchObject({ event: { kind: 'alert' }, host: { name: HOST }, rule: { level: 'high' } });
  });

  test('no creation event: the alert says so', () => {
    const p = proc('C:\\Windows\\System32\\cdb.exe');
    const r = huntEvents([networkConnect(at(1), HOST, p, '203.0.113.5', 443)]);
    expect(r.alerts[0].process.context).toBe('no process creation event found');
  });

  test('context across files of one hunt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-hunt2-'));
    const p = proc('C:\\Windows\\System32\\fsi.exe');
    writeFileSync(join(dir, 'a.evtx'), writeEvtxBuffer([networkConnect(at(2), HOST, p, '203.0.113.5', 443)]));
    writeFileSync(join(dir, 'b.evtx'), writeEvtxBuffer([processCreate(at(1), HOST, p)]));
    const r = sigmatch(['hunt', '--format', 'jsonl', '--no-correlations', '--min-level', 'low', dir]);
    expect(JSON.parse(r.stdout.trim()).process.command_line).toBe(p.commandLine);
  });

  test('the shipped example: one intrusion, two alerts and three correlations of its chain, story attached; csv and table formats; exit codes', () => {
    const r = sigmatch(['hunt', 'examples/']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('    ↳'));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('→ 203.0.113.50:443 (cdn-update.example.net)  cmd.exe → cmstp.exe /ni /s');
    expect(lines[1]).toContain('CRITICAL Proxy-Execution Utility Started and Connected Out  [temporal_ordered Computer=WS01.corp.example ProcessGuid=');
    expect(r.stderr).toContain('Alerts: 5 (3 critical, 2 high)');
    const csv = sigmatch(['hunt', '--format', 'csv', 'examples/']).stdout.trim().split('\n');
    expect(csv[0]).toBe('time,level,rule,ruleId,host,utility,image,destinationIp,destinationPort,domain,commandLine,parentImage,parentCommandLine,user,file,record,kind,correlationType,group,windowStart,windowEnd,aggregate,contributors,suppressedBy,count,firstSeen,lastSeen');
    expect(csv).toHaveLength(6);
    expect(sigmatch(['hunt', '--no-correlations', '--format', 'csv', 'examples/']).stdout.trim().split('\n')).toHaveLength(1 + 2 + 5);
    // The correlations are critical, the twelve rules high: --min-level chooses among both.
    const critical = sigmatch(['hunt', '--min-level', 'critical', '--format', 'csv', 'examples/']);
    expect(critical.code).toBe(1);
    expect(critical.stdout.trim().split('\n').slice(1).every((l) => l.includes(',critical,') && l.includes(',correlation,'))).toBe(true);
    expect(sigmatch(['hunt', '--min-level', 'critical', '--no-correlations', 'examples/']).code).toBe(0);
    expect(sigmatch(['hunt', '--format', 'yaml', 'examples/']).code).toBe(2);
    expect(sigmatch(['hunt', '/nonexistent/path']).code).toBe(2);
  });

  test('--output to a file: the same alerts as stdout; a write the system refuses is a clear error, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-out-'));
    try {
      const file = join(dir, 'alerts.jsonl');
      expect(sigmatch(['hunt', '--format', 'jsonl', '--output', file, 'examples/']).code).toBe(1);
      expect(readFileSync(file, 'utf8')).toBe(sigmatch(['hunt', '--format', 'jsonl', 'examples/']).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Linux's /dev/full refuses every write with ENOSPC, like a full disk.
    const r = sigmatch(['hunt', '--format', 'jsonl', '--output', '/dev/full', 'examples/']);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain('cannot write /dev/full: ENOSPC');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('rules whose logsource no pipeline knows are reported in the summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-rules-'));
    writeFileSync(join(dir, 'linux.yml'), 'title: L\nlogsource: {product: linux, service: auditd}\ndetection: {sel: {type: EXECVE}, condition: sel}\nlevel: high\n');
    const r = sigmatch(['hunt', '--rules', dir, 'examples/']);
    expect(r.stderr).toContain("Rules: 0 loaded, 1 not loaded");
    expect(r.stderr).toContain("no loaded pipeline knows product 'linux'");
  });
});

describe('rule pack, PID fallback, Security 4688', () => {
  test('the built-in pack passes check with one warning (the selector extension), one rule per utility and the chain correlations', () => {
    const r = sigmatch(['check', 'rules/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('13 files, 20 documents: 15 rules, 5 correlations');
    expect(r.stdout).toContain('0 errors, 1 warnings');
    expect(r.stdout).toContain('warning correlation-nonstandard');
  });

  test('without a ProcessGuid, context comes from ProcessId + host + the latest start before the event (PID reuse)', () => {
    const mk = (image: string, cmd: string): ProcessSpec => ({ guid: '{00000000-0000-0000-0000-000000000000}', pid: 4444, image, commandLine: cmd, user: 'CORP\\bob' });
    const old = mk('C:\\Windows\\System32\\notepad.exe', 'notepad.exe old');
    const cur = mk('C:\\Windows\\System32\\cdb.exe', 'cdb.exe -cf evil.txt');
    const later = mk('C:\\Windows\\System32\\calc.exe', 'calc.exe later');
    const strip = (e: WriterEvent): WriterEvent => ({ ...e, data: e.data.filter(([k]) => k !== 'ProcessGuid') });
    const events = [processCreate(at(0), HOST, old), processCreate(at(10), HOST, cur), strip(networkConnect(at(20), HOST, cur, '203.0.113.40', 443)), processCreate(at(30), HOST, later)].map((e, i) => (i === 2 ? e : strip(e)));
    const r = huntEvents(events);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0].process).toMatchObject({ command_line: 'cdb.exe -cf evil.txt', context: 'found by pid' });
  });

  test('a process_creation rule fires on Security 4688 through the field mapping, and never on other logsources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-4688-'));
    writeFileSync(
      join(dir, 'r.yml'),
      "title: Whoami\nid: 3b0f3c1e-2a4d-4f55-9a61-0c9e2d8f7a10\nlogsource: {category: process_creation, product: windows}\ndetection:\n    selection:\n        Image|endswith: '\\whoami.exe'\n        User|startswith: 'CORP\\'\n    condition: selection\nlevel: medium\n",
    );
    const security: WriterEvent = {
      provider: 'Microsoft-Windows-Security-Auditing', eventId: 4688, time: at(1), channel: 'Security', computer: HOST,
      data: [['SubjectUserName', 'bob'], ['SubjectDomainName', 'CORP'], ['NewProcessId', { type: 'hex64', value: '0x1a2c' }], ['NewProcessName', 'C:\\Windows\\System32\\whoami.exe'], ['CommandLine', 'whoami /all'], ['ParentProcessName', 'C:\\Windows\\System32\\cmd.exe']],
    };
    const wrongSource: WriterEvent = { ...security, eventId: 4689, data: security.data };
    const logs = mkdtempSync(join(tmpdir(), 'sigmatch-4688-logs-'));
    writeFileSync(join(logs, 's.evtx'), writeEvtxBuffer([security, wrongSource]));
    const r = sigmatch(['hunt', '--format', 'jsonl', '--rules', dir, logs]);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(alerts).toHaveLength(1);
    expect(alerts[0].process).toMatchObject({ executable: 'C:\\Windows\\System32\\whoami.exe', command_line: 'whoami /all', parent: { executable: 'C:\\Windows\\System32\\cmd.exe' } });
  });
});
