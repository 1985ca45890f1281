import { describe, expect, it } from 'vitest';
import { normalizeJsonRecord } from '../../src/formats/json/normalize-json.js';

describe('normalizeJsonRecord (Winlogbeat documents)', () => {
  it('keeps the document, then the System fields under their Sigma names, then the event data, in that order', () => {
    const doc = JSON.parse('{"@timestamp":"2026-11-20T09:00:00Z","host":{"name":"ws1"},"winlog":{"event_id":"3","channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"WS1","record_id":7,"event_data":{"Image":"C:\\\\x.exe","Channel":"dup"}}}');
    const { fields, time } = normalizeJsonRecord(doc);
    expect(time).toBe('2026-11-20T09:00:00Z');
    expect(Object.keys(fields)).toEqual(['@timestamp', 'host', 'winlog', 'EventID', 'Channel', 'Computer', 'EventRecordID', 'Image']);
    expect(fields['EventID']).toBe(3);
    // A name the System section and the event data both carry holds both values, System's first.
    expect(fields['Channel']).toEqual(['Microsoft-Windows-Sysmon/Operational', 'dup']);
  });

  it('a field named __proto__ in the document or its event data is a field, never the object\'s prototype', () => {
    const doc = JSON.parse('{"__proto__":{"polluted":true},"winlog":{"event_id":1,"event_data":{"__proto__":"x","Image":"C:\\\\a.exe"}}}');
    const { fields } = normalizeJsonRecord(doc);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.hasOwn(fields, '__proto__')).toBe(true);
    expect(fields['__proto__']).toBe('x');
    expect((fields as { polluted?: boolean }).polluted).toBeUndefined();
    expect(fields['Image']).toBe('C:\\a.exe');
  });
});
