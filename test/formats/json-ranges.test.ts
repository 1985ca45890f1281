import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { InputItem } from '../../src/formats/input-item.js';
import { readJsonRange } from '../../src/formats/json/read-json-range.js';
import { readJsonFile, readJsonText } from '../../src/formats/json/read-json.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-json-ranges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines of every kind a JSON input can hold: whole objects, pretty-printed ones, broken ones, array marks, junk. */
const piece = fc.constantFrom(
  JSON.stringify({ EventID: 1, Image: 'C:\\Windows\\é€', n: { a: [1, '}'] } }),
  '  {"a":"{\\"x\\""} ,',
  JSON.stringify({ Event: { System: { EventID: 4 }, EventData: { A: 'b' } } }, null, 2),
  '{"EventID": 1, "Image": "trunc',
  '{"EventID": 3, "x": {',
  '}',
  ']',
  '[',
  'junk',
  '',
  '{"a":1}{"b":2}',
  '{"a": 1}\r',
  '{bad json}',
  '\uFEFF{"a":2}',
);

/** The file read in ranges of `step` bytes as the hunt does: line numbers made file-wide, the rest read on where a range asks. */
async function inRanges(file: string, text: string, step: number): Promise<InputItem[]> {
  const size = Buffer.byteLength(text);
  const later = { inArray: text.replace(/^\uFEFF/, '').trimStart().startsWith('['), sawContent: true };
  const items: InputItem[] = [];
  let base = 0;
  for (let start = 0; start === 0 || start < size; start += step) {
    const end = Math.min(size, start + step);
    const got: InputItem[] = [];
    const r = readJsonRange({ file, start, end, state: start === 0 ? { inArray: false, sawContent: false } : later, next: end >= size ? undefined : later }, (it) => got.push(it));
    for (const it of got) {
      if (it.kind === 'problem') items.push({ kind: 'problem', problem: { ...it.problem, line: (it.problem.line ?? 0) + base } });
      else items.push({ kind: 'event', event: { ...it.event, source: { file, line: (it.event.source?.line ?? 0) + base } } });
    }
    if (r.resume !== undefined) {
      for await (const it of readJsonFile(file, { ...r.resume, line: base + r.resume.line })) items.push(it);
      break;
    }
    base += r.lines;
  }
  return items;
}

test('a JSON file read in byte ranges gives the items, lines and columns of one reader, whatever the layout', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(piece, { minLength: 1, maxLength: 25 }), fc.constantFrom('\n', ',\n', '\r\n'), fc.integer({ min: 1, max: 80 }), async (array, lines, sep, step) => {
      const text = (array ? '[' : '') + lines.join(sep) + '\n';
      const file = join(dir, `${n++}.json`);
      writeFileSync(file, text);
      expect(await inRanges(file, text, step)).toEqual([...readJsonText(text, file)]);
    }),
    { numRuns: 400 },
  );
});
