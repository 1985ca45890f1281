import { describe, expect, it } from 'vitest';
import { documentEvent, winlogbeatEvent, type Doc } from '../../src/service/event/document-event.js';
import { ecsToSigma } from '../../src/service/event/ecs-to-sigma.js';
import { normalizeJsonRecord } from '../../src/formats/json/normalize-json.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { timeOf } from '../../src/event/event-time.js';
import type { Event } from '../../src/event/event.js';
import { benchDocument } from '../../bench/serve-bench.js';
import { networkConnect, processCreate } from './winlogbeat-docs.js';

/** documentEvent's general path: normalizeJsonRecord after the ECS mapping, the time read by timeOf. */
function general(doc: Doc): Event {
  const { fields, time } = normalizeJsonRecord(ecsToSigma(doc));
  const t = time === undefined ? NaN : timeOf(time);
  return Number.isNaN(t) ? { fields } : { fields, timestamp: t };
}

/** The same event both ways: the same fields with the same values in the same order, the same time. */
function same(doc: Doc): void {
  const a = documentEvent(doc);
  const b = general(doc);
  expect(Object.keys(a.fields)).toEqual(Object.keys(b.fields));
  expect(a).toEqual(b);
  expect(normalizeWindowsEvent(a)).toEqual(normalizeWindowsEvent(b));
}

const parse = (o: object) => JSON.parse(JSON.stringify(o)) as Doc;
const base = (winlog: object, extra: object = {}) => parse({ '@timestamp': '2026-11-20T09:00:00.123Z', host: { name: 'ws-1' }, ...extra, winlog: { channel: 'Security', computer_name: 'WS-1', event_id: '4688', record_id: 42, ...winlog } });

describe('documentEvent of a raw Winlogbeat document (the fast path)', () => {
  it('takes the fast path for the bench and test documents and gives what normalizeJsonRecord gives', () => {
    const story = { host: 'WS-7', record: 9, guid: '{aa}', pid: 4242, image: 'C:\\Windows\\System32\\cmstp.exe', time: Date.parse('2026-11-20T10:00:00Z') };
    const docs = [...Array.from({ length: 12 }, (_, i) => parse(benchDocument(i))), parse(processCreate(story, 'cmstp /s x.inf')), parse(networkConnect(story, '203.0.113.5'))];
    for (const d of docs) {
      expect(winlogbeatEvent(d)).toBeDefined();
      same(d);
    }
    const e = documentEvent(docs[1] as Doc);
    expect(e.fields['EventID']).toBe(1);
    expect(e.fields['Image']).toBe('C:\\Windows\\System32\\cmstp.exe');
    expect(e.timestamp).toBe(Date.parse('2026-11-20T09:00:00.001Z'));
  });

  it('keeps the general path for the shapes it does not cover, with the same result', () => {
    const fallbacks: Doc[] = [
      // A System name in the event data too: two values (System's first).
      base({ event_data: { Channel: 'other', X: '1' } }),
      base({ user_data: { Channel: 'Security', SubjectUserName: 'x' } }),
      // ECS objects: ecsToSigma adds their Sysmon names.
      base({ event_data: { X: '1' } }, { process: { executable: 'C:\\a.exe' } }),
      JSON.parse('{"winlog":{"channel":"Security","event_data":{"__proto__":"x","A":"1"}}}') as Doc,
      JSON.parse('{"__proto__":{"a":1},"winlog":{"channel":"Security"}}') as Doc,
      base({ event_data: 'not an object' }),
      parse({ Event: { System: { EventID: 1 } }, winlog: { channel: 'x' } }),
    ];
    for (const d of fallbacks) {
      expect(winlogbeatEvent(d)).toBeUndefined();
      same(d);
    }
    expect(documentEvent(fallbacks[0] as Doc).fields['Channel']).toEqual(['Security', 'other']);
  });

  it('gives the same fields and time for the edge cases it does cover', () => {
    const covered: Doc[] = [
      // A top-level name wins over winlog's System field; event data overwrites a top-level name, in place.
      base({ event_data: { agent: 'data', Image: 'C:\\x.exe' } }, { Channel: 'top', agent: { type: 'winlogbeat' } }),
      // No computer_name: host.name; no event data; a numeric or non-numeric event_id.
      base({ computer_name: undefined, event_id: 'x1' }),
      base({ event_id: 7, event_data: { Computer: 'from-data' }, computer_name: undefined }),
      // Times: other forms go through timeOf (offset, no fraction, more digits, nonsense, a number, none).
      base({ event_data: { A: '1' } }, { '@timestamp': '2026-11-20T10:00:00+02:00' }),
      base({ event_data: { A: '1' } }, { '@timestamp': '2026-11-20T10:00:00.123456Z' }),
      base({ event_data: { A: '1' } }, { '@timestamp': 'yesterday' }),
      base({ event_data: { A: '1' } }, { '@timestamp': 1763629200 }),
      parse({ winlog: { channel: 'Security', event_data: { A: 'b', 'Threat Name': 'x', Hashes: 'MD5=AA,IMPHASH=BB' } } }),
    ];
    for (const d of covered) {
      expect(winlogbeatEvent(d)).toBeDefined();
      same(d);
    }
    expect(documentEvent(covered[0] as Doc).fields['Channel']).toBe('top');
    expect(documentEvent(covered[0] as Doc).fields['agent']).toBe('data');
    expect(documentEvent(covered[2] as Doc).fields['Computer']).toBe('from-data');
    expect(documentEvent(covered[5] as Doc).timestamp).toBeUndefined();
  });
});
