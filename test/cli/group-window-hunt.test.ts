import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sigmatchAsync } from './run-cli.js';

/**
 * A beacon: cmstp.exe (one process) connects to the same address every 20 s for 10 minutes, plus a second
 * process and a second destination, written across two files in reverse time order.
 */
let dir: string;
const START = Date.parse('2026-03-12T09:00:00Z');
const SYSMON = { Channel: 'Microsoft-Windows-Sysmon/Operational', Provider_Name: 'Microsoft-Windows-Sysmon', Computer: 'WS01.corp.example' };
const start = (guid: string, at: number) => ({ ...SYSMON, EventID: 1, TimeCreated: new Date(at).toISOString(), UtcTime: new Date(at).toISOString().replace('T', ' ').replace('Z', ''), ProcessGuid: guid, ProcessId: 4242, Image: 'C:\\Windows\\System32\\cmstp.exe', CommandLine: 'cmstp.exe /ni /s x.inf', ParentImage: 'C:\\Windows\\System32\\cmd.exe', User: 'CORP\\alice' });
const connect = (guid: string, at: number, ip: string) => ({ ...SYSMON, EventID: 3, TimeCreated: new Date(at).toISOString(), UtcTime: new Date(at).toISOString().replace('T', ' ').replace('Z', ''), ProcessGuid: guid, ProcessId: 4242, Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: ip, DestinationPort: 443, User: 'CORP\\alice' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-group-'));
  const events: object[] = [start('{A}', START - 1000), start('{B}', START - 500)];
  // Process A: 30 connections to one address, 20 s apart (09:00:00 .. 09:09:40); one to another address.
  for (let i = 0; i < 30; i++) events.push(connect('{A}', START + i * 20_000, '203.0.113.50'));
  events.push(connect('{A}', START + 5_000, '198.51.100.7'));
  // Process B: the same address twice.
  events.push(connect('{B}', START + 1_000, '203.0.113.50'), connect('{B}', START + 2_000, '203.0.113.50'));
  const lines = events.map((e) => JSON.stringify(e));
  // Later events in the first file: input order is not time order.
  writeFileSync(join(dir, 'a.jsonl'), lines.slice(18).join('\n') + '\n');
  writeFileSync(join(dir, 'b.jsonl'), lines.slice(0, 18).join('\n') + '\n');
  writeFileSync(join(dir, 'sigmatch.yml'), 'output:\n  group-window: 5m\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hunt = (args: string[]) => sigmatchAsync(['hunt', '--no-correlations', ...args, join(dir, 'a.jsonl'), join(dir, 'b.jsonl')]);

interface Doc {
  '@timestamp': string;
  event: { start?: string; end?: string };
  destination: { ip?: string };
  process: { entity_id?: string };
  rule: { name: string };
  sigmatch: { group?: { count: number; first: string; last: string } };
}

describe('hunt --group-window', () => {
  test('repeats of one rule, host, process and destination inside the window become one alert with count, first and last', async () => {
    const plain = await hunt(['--format', 'jsonl', '--quiet']);
    const all = plain.stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc).filter((d) => d.rule.name.startsWith('Outbound Network Connection'));
    expect(all).toHaveLength(33);
    expect(all.every((d) => d.sigmatch.group === undefined)).toBe(true);

    const grouped = await hunt(['--format', 'jsonl', '--group-window', '5m']);
    expect(grouped.code).toBe(1);
    const docs = grouped.stdout.trim().split('\n').map((l) => JSON.parse(l) as Doc).filter((d) => d.rule.name.startsWith('Outbound Network Connection'));
    const shape = docs.map((d) => [d.process.entity_id, d.destination.ip, d.sigmatch.group?.count, d.sigmatch.group?.first, d.sigmatch.group?.last]);
    // A's beacon: 09:00:00..09:04:40 (15 alerts), then 09:05:00..09:09:40 (15): the window is anchored at a group's first alert.
    expect(shape).toEqual([
      ['{A}', '203.0.113.50', 15, '2026-03-12T09:00:00.000Z', '2026-03-12T09:04:40.000Z'],
      ['{B}', '203.0.113.50', 2, '2026-03-12T09:00:01.000Z', '2026-03-12T09:00:02.000Z'],
      ['{A}', '198.51.100.7', 1, '2026-03-12T09:00:05.000Z', '2026-03-12T09:00:05.000Z'],
      ['{A}', '203.0.113.50', 15, '2026-03-12T09:05:00.000Z', '2026-03-12T09:09:40.000Z'],
    ]);
    // The shown alert is the group's first, and ECS event.start/end span the group.
    expect(docs[0]?.['@timestamp']).toBe('2026-03-12T09:00:00.000Z');
    expect([docs[0]?.event.start, docs[0]?.event.end]).toEqual(['2026-03-12T09:00:00.000Z', '2026-03-12T09:04:40.000Z']);
    expect(grouped.stderr).toContain('Grouped (--group-window 5m): ');
    expect(grouped.stderr).toMatch(/alerts shown as \d+, 3 of them repeated/);
    // Counts in the summary stay counts of alerts, not of lines.
    expect(grouped.stderr).toMatch(/ {4}33 {2}Outbound Network Connection Initiated By Cmstp\.EXE/);
  });

  test('the same output in every mode: main thread, workers, tiny limits; from the site configuration too', async () => {
    const base = await hunt(['--format', 'jsonl', '--quiet', '--group-window', '5m', '--threads', '0']);
    for (const args of [['--threads', '2'], ['--threads', '1', '--sort-limit', '1', '--pending-limit', '1', '--context-limit', '1']]) {
      const again = await hunt(['--format', 'jsonl', '--quiet', '--group-window', '5m', ...args]);
      expect(again.stdout).toBe(base.stdout);
    }
    const fromConfig = await hunt(['--format', 'jsonl', '--quiet', '--threads', '0', '--config', join(dir, 'sigmatch.yml')]);
    expect(fromConfig.stdout).toBe(base.stdout);
  });

  test('table and CSV show the count and the span', async () => {
    const table = await hunt(['--quiet', '--group-window', '5m']);
    const lines = table.stdout.trim().split('\n').filter((l) => l.includes('Outbound Network Connection'));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^2026-03-12T09:00:00\.000Z .*203\.0\.113\.50:443.*  ×15 until 2026-03-12T09:04:40\.000Z$/);
    expect(lines[2]).not.toContain('×');
    const csv = await hunt(['--quiet', '--format', 'csv', '--group-window', '5m']);
    const [header, ...rows] = csv.stdout.trim().split('\n');
    const cols = (header ?? '').split(',');
    const at = (row: string, name: string) => row.split(',')[cols.indexOf(name)];
    const network = rows.filter((r) => r.includes('Outbound Network Connection'));
    expect(network.map((r) => [at(r, 'count'), at(r, 'firstSeen'), at(r, 'lastSeen')])[0]).toEqual(['15', '2026-03-12T09:00:00.000Z', '2026-03-12T09:04:40.000Z']);
  });

  test('a bad duration is a usage error naming the option', async () => {
    const r = await hunt(['--group-window', '5 minutes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--group-window <duration>' argument '5 minutes' is invalid. Expected a duration such as 30s, 5m, 2h or 1d");
  });
});
