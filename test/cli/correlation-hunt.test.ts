import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileCreate, networkConnect, processCreate, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import { writeEvtxFile, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { sigmatchAsync } from './run-cli.js';

let dir: string;
const T0 = Date.parse('2026-05-04T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace('Z', '1234Z').replace(/\.(\d{3})1234Z$/, '.$11234Z');
const proc = (host: number, n: number, image: string, cmd: string, parent?: ProcessSpec): ProcessSpec => ({ guid: sysmonGuid(host, n), pid: 1000 + n, image, commandLine: cmd, user: 'CORP\\bob', ...(parent !== undefined ? { parent } : {}) });

/** Three hosts: an attack chain on H1 (start, connect, write, run), a slow start→connect on H2 (6 minutes), an admin's internal run on H3. */
function scenario(): { a: WriterEvent[]; b: WriterEvent[]; c: WriterEvent[]; all: WriterEvent[] } {
  const cmd1 = proc(1, 1, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c go');
  const odbc = proc(1, 2, 'C:\\Windows\\System32\\odbcconf.exe', 'odbcconf.exe /a {REGSVR C:\\Users\\bob\\AppData\\Local\\Temp\\x.dll}', cmd1);
  const stage = 'C:\\Users\\bob\\AppData\\Local\\Temp\\stage.exe';
  const run = proc(1, 3, stage, `"${stage}"`, odbc);
  const cdb = proc(2, 1, 'C:\\Program Files\\Windows Kits\\10\\Debuggers\\x64\\cdb.exe', 'cdb.exe -cf x.txt notepad.exe');
  const admin = proc(3, 1, 'C:\\Windows\\System32\\cmstp.exe', 'cmstp.exe /s \\\\fs01\\vpn.inf');
  const h1 = [
    processCreate(iso(0), 'H1', cmd1),
    processCreate(iso(10), 'H1', odbc),
    networkConnect(iso(70), 'H1', odbc, '198.51.100.9', 443),
    fileCreate(iso(90), 'H1', odbc, stage),
    processCreate(iso(200), 'H1', run),
  ];
  const h2 = [processCreate(iso(5), 'H2', cdb), networkConnect(iso(5 + 360), 'H2', cdb, '203.0.113.77', 80)];
  const h3 = [processCreate(iso(20), 'H3', admin), networkConnect(iso(25), 'H3', admin, '10.1.2.3', 445)];
  const all = [...h1, ...h2, ...h3].sort((x, y) => (x.time < y.time ? -1 : 1));
  // Files out of time order: the connection and the file write come before the process starts they belong to.
  return { a: [h1[2]!, h1[3]!, h1[4]!, h2[1]!], b: [h1[0]!, h1[1]!, ...h3], c: [h2[0]!], all };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-corr-'));
  const s = scenario();
  writeEvtxFile(join(dir, 'a.evtx'), s.a);
  writeEvtxFile(join(dir, 'b.evtx'), s.b);
  writeEvtxFile(join(dir, 'c.evtx'), s.c);
  writeEvtxFile(join(dir, 'all.evtx'), s.all);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  '@timestamp': string;
  event: { kind: string; category?: string[] };
  rule: { name: string; level: string };
  host: { name: string };
  sigmatch: { correlation?: { type: string; group: Record<string, string>; aggregate: { name: string; value: number }; window: { start: string; end: string }; contributor_count: number; contributors: Array<Doc & { process?: { command_line?: string; parent?: { executable?: string } }; log: { file: { path: string } } }> } };
}
const docs = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Doc);
/** Correlation alerts without the file names of their contributors (which differ when the same events sit in other files). */
const withoutFiles = (stdout: string) => stdout.replace(/"path":"[^"]*"/g, '"path":""').replace(/"record":\d+/g, '"record":0');

describe('correlations in hunts', () => {
  test('the built-in chain fires on event time whatever the files and their order, in every mode', async () => {
    const hunt = async (files: string[], extra: string[] = []) => {
      const r = await sigmatchAsync(['hunt', '--quiet', '--only-correlations', '--format', 'jsonl', ...extra, ...files.map((f) => join(dir, f))]);
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    const one = await hunt(['all.evtx']);
    const titles = docs(one).map((d) => `${d.host.name} ${d.rule.name}`);
    expect(titles.sort()).toEqual([
      'H1 Executable Written by a Proxy-Execution Utility Is Started',
      'H1 Proxy-Execution Utility Downloads an Executable',
      'H1 Proxy-Execution Utility Started and Connected Out',
    ]);
    const base = withoutFiles(one);
    for (const order of [['a.evtx', 'b.evtx', 'c.evtx'], ['c.evtx', 'a.evtx', 'b.evtx'], ['b.evtx', 'c.evtx', 'a.evtx']]) {
      expect(withoutFiles(await hunt(order))).toBe(base);
      expect(withoutFiles(await hunt(order, ['--threads', '2']))).toBe(base);
      expect(withoutFiles(await hunt(order, ['--threads', '1', '--correlation-limit', '1', '--context-limit', '1', '--pending-limit', '1']))).toBe(base);
    }
  });

  test('a correlation alert carries its group, window, aggregate and contributors with their process story (ECS)', async () => {
    const r = await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', ...['a.evtx', 'b.evtx', 'c.evtx'].map((f) => join(dir, f))]);
    const all = docs(r.stdout);
    const chain = all.find((d) => d.rule.name === 'Proxy-Execution Utility Started and Connected Out');
    expect(chain?.event).toMatchObject({ kind: 'alert', category: ['correlation'] });
    expect(chain?.rule.level).toBe('critical');
    const c = chain?.sigmatch.correlation;
    expect(c?.type).toBe('temporal_ordered');
    expect(c?.group).toEqual({ Computer: 'H1', ProcessGuid: sysmonGuid(1, 2) });
    expect(c?.aggregate).toEqual({ name: 'rules', value: 2 });
    expect(chain?.['@timestamp']).toBe(new Date(T0 + 70_000).toISOString());
    expect(c?.window.end).toBe(new Date(T0 + 70_000).toISOString());
    // The start (from b.evtx) and the connection (from a.evtx, through the inner correlation), each with its story.
    const start = c?.contributors[0];
    expect(start?.rule.name).toBe('Proxy-Execution Utility Started');
    expect(start?.process?.parent?.executable).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(start?.log.file.path).toBe(join(dir, 'b.evtx'));
    const inner = c?.contributors[1];
    expect(inner?.rule.name).toBe('Proxy-Execution Utility Connected Out');
    const connection = inner?.sigmatch.correlation?.contributors[0];
    expect(connection?.rule.name).toBe('Outbound Network Connection Initiated By Odbcconf.EXE');
    expect(connection?.process?.command_line).toContain('odbcconf.exe /a');
    // The base rules of the correlation file raise nothing of their own; the pack's network rules still do.
    const names = all.map((d) => d.rule.name);
    expect(names).not.toContain('Proxy-Execution Utility Started');
    expect(names).not.toContain('Proxy-Execution Utility Connected Out');
    expect(names.filter((n) => n.startsWith('Outbound Network Connection'))).toHaveLength(2);
    // H2's start and connection are six minutes apart: beyond the five-minute window.
    expect(all.some((d) => d.host.name === 'H2' && d.sigmatch.correlation !== undefined)).toBe(false);
  });

  test('--no-correlations: referenced rules alert as plain rules; CSV has the documented correlation columns', async () => {
    const plain = await sigmatchAsync(['hunt', '--quiet', '--no-correlations', '--format', 'csv', join(dir, 'all.evtx')]);
    expect(plain.stdout).toContain('Proxy-Execution Utility Started');
    expect(plain.stdout).not.toContain(',correlation,');
    const csv = (await sigmatchAsync(['hunt', '--quiet', '--format', 'csv', join(dir, 'all.evtx')])).stdout.trim().split('\n');
    expect(csv[0]).toBe('time,level,rule,ruleId,host,utility,image,destinationIp,destinationPort,domain,commandLine,parentImage,parentCommandLine,user,file,record,kind,correlationType,group,windowStart,windowEnd,aggregate,contributors,suppressedBy,count,firstSeen,lastSeen');
    const row = csv.find((l) => l.includes('Started and Connected Out'));
    expect(row).toMatch(/,correlation,temporal_ordered,Computer=H1 ProcessGuid=\{[^}]+\},[^,]+,[^,]+,rules=2,2,,,,$/);
  });

  test('bad correlations get a code and line:column; every other rule and correlation still runs', async () => {
    const rules = join(dir, 'rules');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      join(rules, 'c.yml'),
      `title: Odbcconf start
name: odbc_start
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\odbcconf.exe'
    condition: selection
level: low
---
title: Starts per host
name: starts
correlation:
    type: event_count
    rules: [odbc_start]
    group-by: [Computer]
    timespan: 1h
    condition:
        gte: 1
generate: true
level: medium
---
title: Missing reference
correlation:
    type: event_count
    rules: [no_such_rule]
    timespan: 1h
    condition: {gte: 1}
---
title: Cycle one
name: cyc1
correlation:
    type: event_count
    rules: [cyc2]
    timespan: 1h
    condition: {gte: 1}
---
title: Cycle two
name: cyc2
correlation:
    type: event_count
    rules: [cyc1]
    timespan: 1h
    condition: {gte: 1}
---
title: Bad timespan
correlation:
    type: event_count
    rules: [odbc_start]
    timespan: 0m
    condition: {gte: 1}
---
title: Contradictory range
correlation:
    type: event_count
    rules: [odbc_start]
    timespan: 5m
    condition: {gt: 5, lt: 3}
`,
    );
    const r = await sigmatchAsync(['hunt', '--format', 'csv', '--rules', rules, join(dir, 'all.evtx')]);
    expect(r.stderr).toMatch(/c\.yml:\d+:\d+: error correlation-reference: correlation rule 'no_such_rule'/);
    expect(r.stderr).toMatch(/c\.yml:\d+:\d+: error correlation-cycle: correlation 'Cycle one'/);
    expect(r.stderr).toMatch(/c\.yml:\d+:\d+: error correlation-timespan/);
    expect(r.stderr).toMatch(/c\.yml:\d+:\d+: error correlation-condition: the range gt 5 and lt 3 holds for no value/);
    expect(r.stderr).toContain('not run: Missing reference');
    // generate: true, so the base rule alerts on its own beside the correlation.
    const rows = r.stdout.trim().split('\n').slice(1);
    expect(rows.filter((l) => l.includes('Odbcconf start'))).toHaveLength(1);
    expect(rows.filter((l) => l.includes('Starts per host'))).toHaveLength(1);
    const check = await sigmatchAsync(['check', rules]);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain('correlation-cycle');
  });
});
