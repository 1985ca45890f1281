import { describe, expect, it } from 'vitest';
import { documentKey, eventKey, winlogbeatKey, type Doc } from '../../src/service/event/document-event.js';
import { timeOf } from '../../src/event/event-time.js';
import { scanWinlogbeat } from '../../src/service/event/scan-winlogbeat.js';
import { prepareText } from '../../src/service/ingest/prepare-document.js';
import { benchDocument } from '../../bench/serve-bench.js';

/** What ingest did before the scanner: JSON.parse, then the key of the parsed document (undefined: not a JSON object). */
function parsedKey(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return documentKey(v as Doc, text).toString('hex');
}

/** The scanner's key; it must only answer for JSON objects, with the key parsing gives. */
function check(text: string): boolean {
  const f = scanWinlogbeat(text);
  if (f === undefined) return false;
  expect(parsedKey(text), text).toBe(winlogbeatKey(f.host, f.channel, f.record, f.timestamp, text).toString('hex'));
  return true;
}

const doc = (winlog: object, extra: object = {}) => JSON.stringify({ '@timestamp': '2026-11-20T09:00:00.123Z', ...extra, winlog: { channel: 'Security', computer_name: 'WS-1', record_id: 42, ...winlog } });

describe('scanWinlogbeat', () => {
  it('reads the key fields of Winlogbeat documents as JSON.parse would', () => {
    for (let i = 0; i < 300; i++) expect(check(JSON.stringify(benchDocument(i)))).toBe(true);
    expect(scanWinlogbeat(doc({ record_id: '7', channel: 'Microsoft-Windows-Sysmon/Operational' }))).toEqual({ timestamp: '2026-11-20T09:00:00.123Z', host: 'WS-1', channel: 'Microsoft-Windows-Sysmon/Operational', record: '7' });
    // Escapes in the values, nested arrays and objects, every literal, numbers in every form, pretty-printed text.
    expect(check(doc({ computer_name: 'WS-\\u00e9\\"x\\\\', channel: 'a\\/b\\n' }, { a: [1, -2.5e+3, 0.1E-2, true, false, null, [], {}, [{ 'x\\u0041': 'y' }]] }))).toBe(true);
    expect(check(JSON.stringify(JSON.parse(doc({}, { user: { name: 'C:\\Users\\x' } })), null, 2))).toBe(true);
    expect(check(' \t\r\n' + doc({ record_id: 0 }) + '\n ')).toBe(true);
    expect(check(doc({ record_id: -3 }))).toBe(true);
    expect(check(doc({ channel: undefined }))).toBe(true);
    expect(scanWinlogbeat(doc({ channel: undefined }))?.channel).toBe('');
    // A record id of "" keys by the whole text, as before.
    expect(check(doc({ record_id: '' }))).toBe(true);
  });

  it('answers only for JSON objects: invalid or other JSON is left to JSON.parse', () => {
    for (const bad of ['', '[]', '"x"', '1', 'null', '{', '{"a":1', '{"a":1}x', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":1e}', '{"a":tru}', '{"a":"\\x"}', '{"a":"\\u12G4"}', '{"a":"\u0001"}', '{"a":1,}', '{,}', '{"a" 1}', '[1,]', '{"a":[1 2]}', "{'a':1}", '{"a":1}{"b":2}', '\u00a0{"a":1}']) {
      const text = bad.startsWith('{') && bad.length > 3 ? bad.replace('{', `{"@timestamp":"2026-11-20T09:00:00Z","winlog":{"computer_name":"h","record_id":1},`) : bad;
      expect(scanWinlogbeat(text), text).toBeUndefined();
    }
  });

  it('is unsure, never wrong, where JSON.parse could read other values', () => {
    // A name twice (JSON.parse keeps the last), an escaped name that spells one, values of other types.
    expect(scanWinlogbeat('{"@timestamp":"2026-11-20T09:00:00Z","winlog":{"computer_name":"a","record_id":1,"computer_name":"b"}}')).toBeUndefined();
    expect(scanWinlogbeat('{"@timestamp":"2026-11-20T09:00:00Z","winlog":{"computer_name":"a","record_id":1},"win\\u006cog":{"computer_name":"b","record_id":2}}')).toBeUndefined();
    for (const record of ['1.0', '1e3', '12345678901234567890', '-0', 'null', 'true', '[1]', '{"a":1}']) expect(scanWinlogbeat(`{"@timestamp":"2026-11-20T09:00:00Z","winlog":{"computer_name":"a","record_id":${record}}}`), record).toBeUndefined();
    expect(scanWinlogbeat(doc({ channel: 5 }))).toBeUndefined();
    expect(scanWinlogbeat(doc({ computer_name: ['a'] }))).toBeUndefined();
    expect(scanWinlogbeat(doc({ record_id: undefined }))).toBeUndefined();
    expect(scanWinlogbeat(JSON.stringify({ '@timestamp': 5, winlog: { computer_name: 'a', record_id: 1 } }))).toBeUndefined();
    // Deeper than the scanner goes: JSON.parse decides.
    expect(scanWinlogbeat(doc({}, { deep: JSON.parse('['.repeat(300) + ']'.repeat(300)) }))).toBeUndefined();
    // Names of interest deeper down are other fields.
    expect(scanWinlogbeat(doc({}, { x: { winlog: { computer_name: 'other' }, '@timestamp': 'x' } }))?.host).toBe('WS-1');
  });

  it('agrees with JSON.parse on mutated documents (random edits of a Winlogbeat document)', () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const alphabet = '{}[]",:\\/ u0aeE.-+1tfn\n\u0001é';
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      let text = JSON.stringify(benchDocument(i % 50));
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(text.length);
        const what = rand(3);
        const c = alphabet[rand(alphabet.length)] as string;
        text = what === 0 ? text.slice(0, at) + text.slice(at + 1) : what === 1 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + c + text.slice(at + 1);
      }
      if (check(text)) answered++;
      else {
        // Whatever the scanner left, prepareText still journals a JSON object (parsed) and quarantines the rest.
        const p = prepareText(text, 'test');
        expect(p.kind === 'entry', text).toBe(parsedKey(text) !== undefined);
      }
    }
    // Edits inside string values keep the text valid: a good part is still answered by the scanner.
    expect(answered).toBeGreaterThan(300);
  });

  it('keys an event time in Beats\' form as timeOf reads it (the key of the normalized event)', () => {
    for (const ts of ['2026-11-20T09:00:00.123Z', '2026-02-30T09:00:00.000Z', '2026-13-45T99:99:99.999Z', '2026-11-20T09:00:00Z', '2026-11-20T09:00:00.1234567Z', '2026-11-20 09:00:00.123', '2026-11-20T10:00:00.123+01:00']) {
      const t = timeOf(ts);
      const expected = Number.isNaN(t) ? winlogbeatKey('WS-1', 'Security', '42', 'not a time', 'x') : eventKey({ fields: { Computer: 'WS-1', Channel: 'Security', EventRecordID: '42' }, timestamp: t }, 'x');
      expect(winlogbeatKey('WS-1', 'Security', '42', ts, 'x').toString('hex'), ts).toBe(expected.toString('hex'));
    }
  });

  it('prepareText journals the text as sent, with the key parsing gives and the host', () => {
    const text = JSON.stringify(benchDocument(7));
    const p = prepareText(text, 'es-bulk');
    expect(p.kind).toBe('entry');
    if (p.kind !== 'entry') return;
    expect(p.entry.doc).toBe(text);
    expect(p.entry.host).toBe('WS-007');
    expect(p.entry.key.toString('hex')).toBe(parsedKey(text));
    const q = prepareText('{"@timestamp":"x","winlog":{"computer_name":"a","record_id":1', 'es-bulk');
    expect(q.kind === 'quarantine' && q.entry.reason.startsWith('not JSON: ')).toBe(true);
  });
});
