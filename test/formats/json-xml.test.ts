import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readJsonText } from '../../src/formats/json/read-json.js';
import { readInput } from '../../src/formats/read-input.js';
import { readXmlText } from '../../src/formats/xml/read-xml.js';
import { writeEvtxBuffer } from '../../src/formats/evtx/write-evtx.js';
import { renderXml } from '../../src/formats/evtx/xml-tree.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { sysmonEvent } from './evtx-writer.js';

const evtxJson = {
  Event: {
    '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
    System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 3, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS01', TimeCreated: { '#attributes': { SystemTime: '2024-05-01T10:00:00.123456Z' } } },
    EventData: { Image: 'C:\\Windows\\System32\\cmstp.exe', DestinationIp: '8.8.8.8', Initiated: 'true' },
  },
};
const ecs = {
  '@timestamp': '2024-05-01T10:00:00.123Z',
  host: { name: 'WS01' },
  winlog: { event_id: '3', channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'WS01', provider_name: 'Microsoft-Windows-Sysmon', event_data: { Image: 'C:\\Windows\\System32\\cmstp.exe', DestinationIp: '8.8.8.8', Initiated: 'true' } },
  process: { executable: 'C:\\Windows\\System32\\cmstp.exe' },
};
const flat = { EventID: 3, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS01', Provider_Name: 'Microsoft-Windows-Sysmon', Image: 'C:\\Windows\\System32\\cmstp.exe', DestinationIp: '8.8.8.8', Initiated: 'true', TimeCreated: '2024-05-01T10:00:00.123Z' };

const events = (items: Iterable<{ kind: string }>) => [...items].filter((i): i is { kind: 'event'; event: any } => i.kind === 'event').map((i) => i.event);
const common = { EventID: 3, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS01', Provider_Name: 'Microsoft-Windows-Sysmon', Image: 'C:\\Windows\\System32\\cmstp.exe', DestinationIp: '8.8.8.8', Initiated: 'true' };

describe('JSON shapes: the same event whatever produced it', () => {
  test.each([
    ['evtx_dump JSON', evtxJson],
    ['Winlogbeat/ECS', ecs],
    ['flat Sysmon', flat],
  ])('%s', (_n, obj) => {
    const [e] = events(readJsonText(JSON.stringify(obj), 'f.json'));
    expect(e.fields).toMatchObject(common);
    expect(new Date(e.timestamp).toISOString()).toBe('2024-05-01T10:00:00.123Z');
    expect(e.source).toEqual({ file: 'f.json', line: 1 });
  });

  test('layouts: JSON lines, an array, pretty-printed objects one after another', () => {
    const lines = [flat, flat, flat].map((o) => JSON.stringify(o)).join('\n');
    const array = JSON.stringify([flat, flat, flat]);
    const pretty = [flat, flat, flat].map((o) => JSON.stringify(o, null, 2)).join('\n');
    for (const text of [lines, array, pretty]) expect(events(readJsonText(text, 'f')).length).toBe(3);
    expect(events(readJsonText(pretty, 'f')).map((e) => e.source.line)).toEqual([1, 11, 21]);
  });

  test('a broken record is reported with line:column and the rest is read', () => {
    const text = `${JSON.stringify(flat)}\n{"EventID": 3, "Image": oops}\n${JSON.stringify(flat)}\n{"EventID": 1, "Image": "trunc`;
    const items = [...readJsonText(text, 'bad.json')];
    expect(events(items).length).toBe(2);
    const ps = items.filter((i) => i.kind === 'problem').map((i: any) => i.problem);
    expect(ps.map((p: any) => [p.code, p.line, p.column])).toEqual([
      ['json-syntax', 2, 1],
      ['json-syntax', 4, 1],
    ]);
  });
});

describe('XML events', () => {
  test('EVTX → XML text → our XML reader gives the same fields', () => {
    const buf = writeEvtxBuffer([sysmonEvent(3, [['Image', 'C:\\a <b> & "c".exe'], ['DestinationPort', { type: 'uint16', value: 443 }]])]);
    const rec = [...readEvtxBuffer(buf, 'x')].find((i) => i.kind === 'record') as any;
    const xml = `<Events>\n${rec.record.xml()}\n${rec.record.xml()}\n</Events>`;
    const evs = events(readXmlText(xml, 'f.xml'));
    expect(evs.length).toBe(2);
    expect(evs[0].fields).toMatchObject({ EventID: 3, Image: 'C:\\a <b> & "c".exe', DestinationPort: '443', Computer: 'WS01.corp.local' });
    expect(evs[1].source.line).toBe(24);
  });

  test('a malformed event is reported with line:column, the next is read', () => {
    const xml = `<Event><System><EventID>1</EventID></System>\n<EventData><Data Name="a">x</Dta></EventData></Event>\n<Event><System><EventID>2</EventID></System></Event>`;
    const items = [...readXmlText(xml, 'f.xml')];
    expect(events(items).map((e) => e.fields.EventID)).toEqual([2]);
    expect(items.find((i) => i.kind === 'problem')).toMatchObject({ problem: { code: 'xml-syntax', line: 2, column: 28 } });
  });
});

describe('format detection from content', () => {
  test('a .log file holding JSON, an .evtx extension holding XML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-detect-'));
    writeFileSync(join(dir, 'a.log'), JSON.stringify(flat));
    writeFileSync(join(dir, 'b.evtx'), '<Event><System><EventID>3</EventID></System></Event>');
    writeFileSync(join(dir, 'c.bin'), 'garbage');
    const read = async (f: string) => {
      const out = [];
      for await (const i of readInput(join(dir, f))) out.push(i);
      return out;
    };
    expect(events(await read('a.log'))[0].fields.EventID).toBe(3);
    expect(events(await read('b.evtx'))[0].fields.EventID).toBe(3);
    expect((await read('c.bin'))[0]).toMatchObject({ kind: 'problem', problem: { code: 'input-format' } });
  });
});
