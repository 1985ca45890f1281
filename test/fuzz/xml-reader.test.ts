import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readEvtxFile } from '../../src/formats/evtx/read-evtx.js';
import type { InputItem } from '../../src/formats/input-item.js';
import { readXmlText } from '../../src/formats/xml/read-xml.js';
import { XmlRecordSplitter } from '../../src/formats/xml/xml-record-splitter.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { checkItems, mutations, pathological, timed } from './fuzz-inputs.js';
import { filesUnder, fuzzRuns, fuzzTimeout, mutate, spread } from './fuzz-runs.js';

// The XML reader on mutated and truncated event XML (the SigmaHQ samples' records as XML) yields only events
// and problems, gives the same streamed in pieces of any size as whole, and holds at most the limit and a piece.

const has = corpusAvailable();
const SPECIAL = ['<', '>', '/', '"', "'", '&', '&amp;', '&#x', ';', '=', '\n', '\0', '<Event>', '</Event>', '<Event ', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<Data Name="a">'];
const limits = { maxRecordSize: 8192, maxProblems: 20 };

let records = 0;
function inputs(): string[] {
  const files = spread(filesUnder(join(CORPUS, 'sigmahq/regression_data'), '.evtx'), 24);
  const xml: string[] = [];
  for (const f of files) for (const item of readEvtxFile(f)) if (item.kind === 'record' && xml.length < 40) xml.push(item.record.xml());
  records = xml.length;
  return [`<?xml version="1.0"?>\n<Events>\n${xml.join('\n')}\n</Events>\n`, xml.join('')];
}

function readInPieces(text: string, step: number): InputItem[] {
  const items: InputItem[] = [];
  const s = new XmlRecordSplitter('f.xml', (i) => items.push(i), limits);
  for (let i = 0; i < text.length; i += step) {
    s.push(text.slice(i, i + step));
    if (s.heldChars > limits.maxRecordSize + step + 72) throw new Error(`the splitter holds ${s.heldChars} characters`);
  }
  s.end();
  return items;
}

/** Items as data (an event's xml() is a function). */
const plain = (items: InputItem[]) => JSON.stringify(items);

describe.skipIf(!has)('XML reader fuzzing', () => {
  const texts = has ? inputs() : [];

  test('unmutated, every record of the samples is read back, without a problem', () => {
    for (const text of texts) expect([...readXmlText(text, 'f.xml')].map((i) => i.kind)).toEqual(Array(records).fill('event'));
    expect(records).toBeGreaterThanOrEqual(24);
  });

  test(
    'mutated and truncated event XML: only events and problems, in pieces the same as whole, memory within the limit',
    () => {
      fc.assert(
        fc.property(fc.nat({ max: 1 }), mutations(SPECIAL), fc.option(fc.nat(), { nil: undefined }), fc.integer({ min: 1, max: 5000 }), (which, muts, cut, step) => {
          const text = mutate(texts[which] as string, muts, cut);
          const whole = [...readXmlText(text, 'f.xml', limits)];
          checkItems(whole, 'f.xml', limits.maxProblems);
          expect(plain(readInPieces(text, step))).toEqual(plain(whole));
        }),
        fuzzRuns(200),
      );
    },
    fuzzTimeout(200),
  );

  test(
    'property: time stays linear in the input on constructs repeated to 300 KB (open tags, comments, CDATA, entities)',
    () => {
      const size = 300_000;
      const clean = (texts[1] as string).repeat(Math.ceil(size / (texts[1] as string).length)).slice(0, size);
      const base = Math.min(...[0, 1, 2].map(() => timed(() => [...readXmlText(clean, 'f.xml', limits)])));
      const pieces = ['<Event>', '<Event ', '<Event a="', '<!--', '<![CDATA[', '&', '&#x', '<', '</Event>', '<System>', 'x', '\n', '<Data Name="a">', '"'];
      fc.assert(
        fc.property(pathological(pieces, size), ({ text }) => {
          let items: InputItem[] = [];
          const ms = timed(() => (items = readInPieces(text, 1 << 16)));
          checkItems(items, 'f.xml', limits.maxProblems);
          expect(ms).toBeLessThan(100 * base + 1000);
        }),
        fuzzRuns(40),
      );
    },
    fuzzTimeout(40),
  );
});
