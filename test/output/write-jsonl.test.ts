import { describe, expect, test } from 'vitest';
import { ALERT_FIELDS, makeAlert, makeHit } from '../../src/engine/alert.js';
import type { Event } from '../../src/event/event.js';
import { alertToEcs, alertToEcsLine } from '../../src/output/write-jsonl.js';
import type { SigmaRule } from '../../src/rule/model.js';

const rule = { title: 'Cmstp connects out', id: 'r-1', level: 'high', tags: ['attack.t1218'], author: 'a', references: ['https://x'] } as unknown as SigmaRule;
const event: Event = {
  fields: {
    EventID: 3, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS1', UtcTime: '2026-01-02 03:04:05.678',
    Image: 'C:\\Windows\\System32\\cmstp.exe', ProcessId: 4242, ProcessGuid: '{AAAA-1}', DestinationIp: '203.0.113.7',
    DestinationPort: 443, DestinationHostname: '-', Protocol: 'tcp', SourceIp: '10.0.0.5', Initiated: 'true', 'Odd "name"': 'quote " and \\ back',
  },
  source: { file: 'x.evtx', record: 17 },
  timestamp: Date.parse('2026-01-02T03:04:05.678Z'),
};

describe('ECS lines from hits', () => {
  test('a hit keeps only the fields alerts show, and the JSON text of all of them', () => {
    const hit = makeHit(3, event, true);
    expect(hit.rule).toBe(3);
    expect(Object.keys(hit.event.fields).every((k) => (ALERT_FIELDS as readonly string[]).includes(k))).toBe(true);
    expect(hit.event.fields['Protocol']).toBeUndefined();
    expect(hit.event.fields['Image']).toBe(event.fields['Image']);
    expect(hit.event.source).toEqual(event.source);
    expect(hit.event.timestamp).toBe(event.timestamp);
    expect(JSON.parse(hit.eventJson as string)).toEqual(event.fields);
    expect(makeHit(3, event, false).eventJson).toBeUndefined();
  });

  test.each([
    ['without process context', {}, false],
    ['with the creating process and a domain', { process: { image: 'C:\\Windows\\System32\\cmstp.exe', commandLine: 'cmstp /s x.inf', parentImage: 'C:\\Windows\\System32\\cmd.exe', hashes: 'SHA256=AB,MD5=CD', processGuid: '{AAAA-1}', started: '2026-01-02T03:00:00.000Z', matchedBy: 'guid' as const }, domain: 'evil.example' }, true],
    ['naming a process whose creation is missing', {}, true],
  ])('the line from a slim hit is the document of the whole event (%s)', (_, resolved, namesProcess) => {
    const full = makeAlert(rule, event, namesProcess, resolved);
    const hit = makeHit(0, event, true);
    const slim = makeAlert(rule, hit.event, namesProcess, resolved, hit.eventJson);
    const line = alertToEcsLine(slim);
    expect(line).toBe(JSON.stringify(alertToEcs(full)) + '\n');
    expect(alertToEcsLine(full)).toBe(line);
    expect(JSON.parse(line).sigmatch.event.Protocol).toBe('tcp');
  });
});
