import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EventCache } from '../../src/compile/event-cache.js';
import { explain } from '../../src/engine/explain.js';
import { contextEntryOf } from '../../src/engine/process-context.js';
import { RuleIndex } from '../../src/engine/rule-index.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import type { Event, FieldValue } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxBuffer, writeEvtxFile, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { normalizeJsonRecord } from '../../src/formats/json/normalize-json.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { CORPUS, corpusAvailable, ev, load } from '../helpers.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const CHANNELS = ['System', 'Security', SYSMON, 'Microsoft-Windows-PowerShell/Operational', 'Windows PowerShell', 'Application'];
const IDS: FieldValue[] = [1, 3, 104, 4688, 4104, 7045, '104', ' 1', '3'];
const LOGSOURCES = [
  '    product: windows\n    service: system',
  '    product: windows\n    service: security',
  '    product: windows\n    service: sysmon',
  '    product: windows\n    service: powershell',
  '    product: windows\n    category: process_creation',
  '    product: windows\n    category: network_connection',
  '    product: windows\n    category: ps_script',
];
const quote = (v: FieldValue) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

/** A rule with a random logsource whose detection may test EventID, Channel and a payload field A. */
const rule = fc
  .record({
    logsource: fc.constantFrom(...LOGSOURCES),
    ids: fc.option(fc.uniqueArray(fc.constantFrom(1, 3, 104, 4688, 4104, 7045), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    channels: fc.option(fc.uniqueArray(fc.constantFrom(...CHANNELS), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    a: fc.constantFrom('x', 'y', 'xy'),
    modifier: fc.constantFrom('', '|contains', '|startswith'),
    condition: fc.constantFrom('sel', 'sel and not other', 'sel or other', 'not other'),
  })
  .map(({ logsource, ids, channels, a, modifier, condition }) => {
    const sel = [`        A${modifier}: '${a}'`];
    if (ids !== undefined) sel.push(`        EventID:\n${ids.map((i) => `            - ${i}`).join('\n')}`);
    if (channels !== undefined) sel.push(`        Channel:\n${channels.map((c) => `            - ${quote(c)}`).join('\n')}`);
    return `title: T\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c20\nlogsource:\n${logsource}\ndetection:\n    sel:\n${sel.join('\n')}\n    other:\n        A: 'y'\n    condition: ${condition}\nlevel: low\n`;
  });

/** One value or several: multi-valued Channel and EventID are what the index once turned into no bucket at all. */
const oneOrMore = <T extends FieldValue>(values: readonly T[]) =>
  fc.oneof(fc.constantFrom(...values), fc.uniqueArray(fc.constantFrom(...values), { minLength: 2, maxLength: 3 }) as fc.Arbitrary<FieldValue>);

const event = fc
  .record(
    {
      Channel: oneOrMore(CHANNELS),
      EventID: oneOrMore(IDS),
      A: oneOrMore(['x', 'y', 'xy', 'z']),
    },
    { requiredKeys: [] },
  )
  .map((fields) => ev(fields as Record<string, FieldValue>));

describe('events whose Channel or EventID hold several values meet the rules of every bucket they select', () => {
  test('random rules with logsources and events with multi-valued fields: indexed and prefiltered = every rule tried', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 5, maxLength: 30 }), fc.array(event, { minLength: 5, maxLength: 25 }), (texts, events) => {
        const rules = texts.map((t, i) => load(t.replace('title: T', `title: Rule ${i}`)).rules[0]!);
        const set = RuleSet.compile(rules, { logsource: resolveWindowsLogsource });
        expect(set.rules.length).toBe(rules.length);
        for (const e of events) {
          const cache = new EventCache(e);
          const brute = set.rules.filter((r) => r.matcher(cache)).map((r) => r.rule.title);
          expect(set.match(e).map((r) => r.rule.title)).toEqual(brute);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a System 104 event naming the cleared Sysmon log meets System rules and Sysmon-channel rules', () => {
    const set = RuleSet.compile(
      [
        load(`title: S\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c21\nlogsource:\n    product: windows\n    service: system\ndetection:\n    sel:\n        EventID: 104\n    condition: sel\nlevel: low\n`).rules[0]!,
        load(`title: Y\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c22\nlogsource:\n    product: windows\n    service: sysmon\ndetection:\n    sel:\n        EventID: 104\n    condition: sel\nlevel: low\n`).rules[0]!,
      ],
      { logsource: resolveWindowsLogsource },
    );
    const index = new RuleIndex(set.rules, { prefilter: false });
    for (const id of [104, '104', [104, 5], ['x', ' 104']] as FieldValue[]) {
      const e = ev({ Channel: ['System', SYSMON], EventID: id });
      expect(index.candidates(e, new EventCache(e)).map((r) => r.rule.title)).toEqual(['S', 'Y']);
      expect(set.match(e).map((r) => r.rule.title)).toEqual(['S', 'Y']);
    }
    expect(index.takeUnselected().count).toBe(0);
  });

  test('events no bucket selects are counted by their channel and event ID', () => {
    const set = RuleSet.compile([load(`title: S\nid: 0b2b3a9e-6a52-4c3e-9a4a-3b1f3f0d6c23\nlogsource:\n    product: windows\n    service: system\ndetection:\n    sel:\n        EventID: 104\n    condition: sel\nlevel: low\n`).rules[0]!], {
      logsource: resolveWindowsLogsource,
    });
    const index = new RuleIndex(set.rules);
    const seen = (fields: Record<string, FieldValue>) => {
      const e = ev(fields);
      return index.candidates(e, new EventCache(e)).length;
    };
    expect(seen({ Channel: 'System', EventID: 104 })).toBe(1);
    expect(seen({ Channel: 'Application', EventID: 1000 })).toBe(0);
    expect(seen({ Channel: 'Application', EventID: 1000 })).toBe(0);
    expect(seen({ Channel: ['Application', 'System'], EventID: [7, 104] })).toBe(1);
    expect(seen({ EventID: 104 })).toBe(0);
    const u = index.takeUnselected();
    expect(u.count).toBe(3);
    expect([...u.byKey]).toEqual([
      ['application|1000', 2],
      ['(no channel)|104', 1],
    ]);
    expect(index.takeUnselected().count).toBe(0);
  });

  test('the Windows pipeline and process context read every value too', () => {
    const e = normalizeWindowsEvent(ev({ Channel: ['Security', 'Other'], EventID: [4688], NewProcessName: 'C:\\x.exe', NewProcessId: '0x10' }));
    expect(e.fields['Image']).toBe('C:\\x.exe');
    expect(e.fields['ProcessId']).toBe(16);
    expect(contextEntryOf(e)?.kind).toBe('process');
    expect(contextEntryOf(ev({ Channel: [SYSMON, 'X'], EventID: '1', ProcessGuid: '{A}', ProcessId: 4, Image: 'C:\\y.exe', Computer: 'h' }))?.kind).toBe('process');
  });
});

/** System 104 as Windows writes it: the cleared log's name in UserData/LogFileCleared/Channel. */
function logCleared(cleared: string, record: number): WriterEvent {
  return {
    provider: 'Microsoft-Windows-Eventlog',
    providerGuid: '{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}',
    eventId: 104,
    time: `2026-03-12T09:0${record}:00.0000000Z`,
    channel: 'System',
    computer: 'WS01.corp.example',
    userSid: 'S-1-5-21-1-2-3-1001',
    data: [],
    userData: {
      element: 'LogFileCleared',
      xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog',
      fields: [
        ['SubjectUserName', 'alice'],
        ['SubjectDomainName', 'CORP'],
        ['Channel', cleared],
        ['BackupPath', ''],
      ],
    },
  };
}

const has = corpusAvailable();
const CLEARED_RULE = 'sigmahq/rules/windows/builtin/system/microsoft_windows_eventlog/win_system_susp_eventlog_cleared.yml';

describe.skipIf(!has)('SigmaHQ "Important Windows Eventlog Cleared" on System 104 events written by our EVTX writer', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sigmatch-104-'));
    file = join(dir, 'system.evtx');
    writeEvtxFile(file, [logCleared(SYSMON, 1), logCleared('Microsoft-Windows-AppLocker/EXE and DLL', 2), logCleared('Security', 3)]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the reader keeps both Channel values, System first; the rule matches and explain shows them', () => {
    const events = [...readEvtxBuffer(readFileSync(file), file)].flatMap((it) => (it.kind === 'record' ? [it.event] : []));
    expect(events.map((e) => e.fields['Channel'])).toEqual([
      ['System', SYSMON],
      ['System', 'Microsoft-Windows-AppLocker/EXE and DLL'],
      ['System', 'Security'],
    ]);
    const set = RuleSet.compile(loadRules([join(CORPUS, CLEARED_RULE)]).rules, { logsource: resolveWindowsLogsource });
    for (const e of events) {
      const [hit] = set.match(e);
      expect(hit?.rule.id).toBe('100ef69e-3327-481c-8e5c-6d80d9507556');
      const why = explain(hit!, e);
      const channel = why.detections.flatMap((d) => d.items).find((i) => i.field === 'Channel');
      expect(channel?.eventValue).toEqual(e.fields['Channel']);
      expect(channel?.matched).toBe(true);
    }
  });

  test('the hunt alerts on every System 104 in every mode, and dump shows both Channel values', async () => {
    const hunt = (threads: string) => sigmatchAsync(['hunt', '--quiet', '--format', 'csv', '--rules', join(CORPUS, CLEARED_RULE), '--threads', threads, file]);
    const main = await hunt('0');
    expect(main.stderr).toBe('');
    expect(main.code).toBe(1);
    const lines = main.stdout.trim().split('\n');
    expect(lines.length).toBe(4);
    expect(lines.slice(1).every((l) => l.includes('Important Windows Eventlog Cleared'))).toBe(true);
    expect((await hunt('1')).stdout).toBe(main.stdout);
    expect((await hunt('2')).stdout).toBe(main.stdout);
    const dump = await sigmatchAsync(['dump', '--format', 'jsonl', file]);
    expect(dump.code).toBe(0);
    const first = JSON.parse(dump.stdout.split('\n')[0]!) as Record<string, FieldValue>;
    expect(first['Channel']).toEqual(['System', SYSMON]);
    const xml = await sigmatchAsync(['dump', '--format', 'xml', file]);
    expect(xml.stdout).toContain(`<Channel>${SYSMON}</Channel>`);
    expect(xml.stdout).toContain('<Channel>System</Channel>');
  });

  test('the hunt summary counts the events no rule\'s logsource selected, in every mode', async () => {
    const mixed = join(dir, 'mixed.evtx');
    const app = (n: number): WriterEvent => ({ provider: 'App', eventId: 1000, time: `2026-03-12T09:1${n}:00.0000000Z`, channel: 'Application', computer: 'h', data: [['x', 'y']] });
    writeEvtxFile(mixed, [app(1), logCleared(SYSMON, 4), app(2), { ...app(3), eventId: 1001 }]);
    for (const threads of ['0', '2']) {
      const r = await sigmatchAsync(['hunt', '--format', 'csv', '--rules', join(CORPUS, CLEARED_RULE), '--threads', threads, mixed]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Events no rule's logsource selected: 3 (channel|event ID: application|1000 2, application|1001 1)");
    }
  });

  test('the same event as evtx_dump JSON, Winlogbeat JSON and XML gives the same Channel values and the same alert', async () => {
    const evtxDump = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Eventlog' } }, EventID: 104, Channel: 'System', Computer: 'WS01' },
        UserData: { LogFileCleared: { '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' }, SubjectUserName: 'alice', Channel: SYSMON } },
      },
    };
    const winlogbeat = {
      '@timestamp': '2026-03-12T09:01:00.000Z',
      winlog: { channel: 'System', event_id: '104', provider_name: 'Microsoft-Windows-Eventlog', computer_name: 'WS01', user_data: { SubjectUserName: 'alice', Channel: SYSMON } },
    };
    const set = RuleSet.compile(loadRules([join(CORPUS, CLEARED_RULE)]).rules, { logsource: resolveWindowsLogsource });
    for (const obj of [evtxDump, winlogbeat]) {
      const fields = normalizeJsonRecord(obj as unknown as Record<string, FieldValue>).fields;
      expect(fields['Channel']).toEqual(['System', SYSMON]);
      const e: Event = { fields };
      expect(set.match(e).map((r) => r.rule.id)).toEqual(['100ef69e-3327-481c-8e5c-6d80d9507556']);
    }
    const jsonl = join(dir, 'beats.jsonl');
    writeFileSync(jsonl, `${JSON.stringify(evtxDump)}\n${JSON.stringify(winlogbeat)}\n`);
    const xmlFile = join(dir, 'system.xml');
    writeFileSync(xmlFile, (await sigmatchAsync(['dump', '--format', 'xml', file])).stdout);
    for (const input of [jsonl, xmlFile]) {
      const r = await sigmatchAsync(['hunt', '--quiet', '--format', 'csv', '--rules', join(CORPUS, CLEARED_RULE), input]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n').length - 1).toBe(input === jsonl ? 2 : 3);
    }
  });
});

test('writer round trip: UserData fields are flattened by leaf name beside the System ones', () => {
  const [it] = [...readEvtxBuffer(writeEvtxBuffer([logCleared('Windows PowerShell', 1)]), 'x.evtx')];
  expect(it?.kind).toBe('record');
  if (it?.kind !== 'record') return;
  expect(it.event.fields['SubjectUserName']).toBe('alice');
  expect(it.event.fields['BackupPath']).toBe('');
  expect(it.event.fields['Channel']).toEqual(['System', 'Windows PowerShell']);
  expect(it.event.fields['EventID']).toBe(104);
});

test('repeated EventData names become one multi-valued field, in the order written', () => {
  const [it] = [
    ...readEvtxBuffer(
      writeEvtxBuffer([{ provider: 'P', eventId: 7, time: '2026-03-12T09:00:00.0000000Z', channel: 'Application', computer: 'h', data: [['Path', 'a'], ['Other', 'x'], ['Path', 'b']] }]),
      'x.evtx',
    ),
  ];
  expect(it?.kind === 'record' && it.event.fields['Path']).toEqual(['a', 'b']);
});
