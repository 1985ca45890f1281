import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { InputItem, InputProblem } from '../../src/formats/input-item.js';
import { readJsonRange } from '../../src/formats/json/read-json-range.js';
import { JsonRecordSplitter, readJsonFile, readJsonText } from '../../src/formats/json/read-json.js';
import { readInput } from '../../src/formats/read-input.js';
import { readXmlFile, readXmlText } from '../../src/formats/xml/read-xml.js';
import { XmlRecordSplitter } from '../../src/formats/xml/xml-record-splitter.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (items: InputItem[]): InputProblem[] => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));
const eventIds = (items: InputItem[]) => items.flatMap((i) => (i.kind === 'event' ? [i.event.fields['EventID']] : []));
const where = (p: InputProblem) => [p.code, p.line, p.column];
async function all(gen: AsyncIterable<InputItem>): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const i of gen) out.push(i);
  return out;
}
const file = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const limits = { maxRecordSize: 1000, maxProblems: 5 };

describe('JSON records larger than --max-record-size', () => {
  const text = `{"EventID":1}\n{"EventID":2,"pad":"${'x\\"'.repeat(3000)}","n":{"a":[1,2]}}\n{"EventID":3}\n  {"EventID":4,\n"pad":"${'y'.repeat(2000)}"\n}\n{"EventID":5}\n`;

  test('are reported at their line and column, skipped, and reading goes on (one line or several)', () => {
    const items = [...readJsonText(text, 'f.json', limits)];
    expect(eventIds(items)).toEqual([1, 3, 5]);
    expect(problems(items).map(where)).toEqual([
      ['json-syntax', 2, 1],
      ['json-syntax', 4, 3],
    ]);
  });

  test('are never held whole: the splitter holds at most the limit and one push', () => {
    const held: number[] = [];
    const s = new JsonRecordSplitter('f.json', () => undefined, undefined, limits);
    for (let i = 0; i < text.length; i += 100) {
      s.push(text.slice(i, i + 100));
      held.push(s.heldChars);
    }
    s.end();
    expect(Math.max(...held)).toBeLessThanOrEqual(limits.maxRecordSize + 100 + 1);
  });

  test('the same from a file, from byte ranges (the worker path) and through readInput', async () => {
    const f = file('big.json', text);
    const expected = [...readJsonText(text, f, limits)];
    expect(await all(readJsonFile(f, undefined, limits))).toEqual(expected);
    expect(await all(readInput(f, { limits }))).toEqual(expected);
    const got: InputItem[] = [];
    const size = Buffer.byteLength(text);
    const end = readJsonRange({ file: f, start: 0, end: size, state: { inArray: false, sawContent: false }, next: undefined, limits }, (i) => got.push(i));
    expect(got).toEqual(expected);
    expect(end.resume).toBeUndefined();
  });

  test('nesting deeper than 64 is skipped too, on the fast path of whole lines and in the character scan', () => {
    const deep = `{"a":${'['.repeat(100)}${']'.repeat(100)}}`;
    const items = [...readJsonText(`${deep}\n{"EventID":1}\n  ${deep}\n{"EventID":2}`, 'f.json')];
    expect(eventIds(items)).toEqual([1, 2]);
    expect(problems(items).map(where)).toEqual([
      ['json-syntax', 1, 1],
      ['json-syntax', 3, 3],
    ]);
  });
});

describe('bounded problems', () => {
  test('per file the first N problems are kept, then one closing problem counts the rest', () => {
    const text = `{"EventID":1}\n${'{bad}\n'.repeat(40)}{"EventID":2}\n`;
    const items = [...readJsonText(text, 'f.json', limits)];
    expect(eventIds(items)).toEqual([1, 2]);
    const ps = problems(items);
    expect(ps.map((p) => p.code)).toEqual([...Array(5).fill('json-syntax'), 'input-problems-truncated']);
    expect(ps[5]?.message).toContain('35 more');
  });

  test('a run of junk between records is one problem, not one a character (2 MB of brackets: one problem)', () => {
    const items = [...readJsonText('['.repeat(1_000_000) + ']'.repeat(1_000_000), 'f.json')];
    expect(problems(items).map(where)).toEqual([['json-syntax', 1, 2]]);
  });

  test('a text with only problems and no record is given up with one problem at the first', () => {
    const items = [...readJsonText('[\n'.repeat(100_000), 'f.json', limits)];
    expect(problems(items).map(where)).toEqual([['input-not-events', 2, 1]]);
  });

  test('a NUL byte before any record (a binary file that starts with a brace) gives up at once', async () => {
    const f = join(dir, 'bin.json');
    writeFileSync(f, Buffer.concat([Buffer.from('{"a'), Buffer.from([0, 1, 2, 0, 255, 10, 0]), Buffer.alloc(100_000, 7)]));
    const items = await all(readInput(f));
    expect(problems(items).map((p) => p.code)).toEqual(['input-not-events']);
    expect(eventIds(items)).toEqual([]);
  });

  test('problems before the first record are kept once a record shows the file holds events', () => {
    const items = [...readJsonText('junk\n{"EventID":1}\n', 'f.json', limits)];
    expect(items.map((i) => i.kind)).toEqual(['problem', 'event']);
  });
});

describe('XML', () => {
  const ev = (id: number, pad = '') => `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>${id}</EventID></System><EventData><Data Name="a">${pad}</Data></EventData></Event>`;
  const text = `<Events>\n${ev(1)}\n${ev(2, 'z'.repeat(5000))}\n<Event><System><EventID>3</EventID></System>\n${ev(4)}\n</Events>\n`;

  test('an event larger than the limit is reported and skipped, an unclosed one reported, the rest read with their lines', () => {
    const items = [...readXmlText(text, 'f.xml', limits)];
    expect(eventIds(items)).toEqual([1, 4]);
    expect(items.flatMap((i) => (i.kind === 'event' ? [i.event.source?.line] : []))).toEqual([2, 5]);
    expect(problems(items).map((p) => [p.code, p.line])).toEqual([
      ['xml-syntax', 3],
      ['xml-syntax', 5],
    ]);
  });

  test('streamed in pieces of any size it gives what the whole text gives, holding at most the limit and a piece', async () => {
    const whole = [...readXmlText(text, 'f.xml', limits)];
    for (const step of [1, 7, 64, 4096]) {
      const items: InputItem[] = [];
      const s = new XmlRecordSplitter('f.xml', (i) => items.push(i), limits);
      let held = 0;
      for (let i = 0; i < text.length; i += step) {
        s.push(text.slice(i, i + step));
        held = Math.max(held, s.heldChars);
      }
      s.end();
      expect(JSON.stringify(items)).toEqual(JSON.stringify(whole));
      expect(held).toBeLessThanOrEqual(limits.maxRecordSize + step + 72);
    }
    const f = file('f.xml', text);
    expect(JSON.stringify(await all(readXmlFile(f, limits)))).toEqual(JSON.stringify([...readXmlText(text, f, limits)]));
  });

  test('many broken events: the first N problems and a count; none at all and only problems: given up with one', () => {
    const broken = `${ev(1)}\n${'<Event><System></Sys>\n'.repeat(30)}`;
    expect(problems([...readXmlText(broken, 'f.xml', limits)]).map((p) => p.code)).toEqual([...Array(5).fill('xml-syntax'), 'input-problems-truncated']);
    expect(problems([...readXmlText('<Event '.repeat(10_000), 'f.xml', limits)]).map((p) => p.code)).toEqual(['input-not-events']);
  });
});
