import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { InputItem } from '../../src/formats/input-item.js';
import { JsonRecordSplitter, readJsonText } from '../../src/formats/json/read-json.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { checkItems, mutations, pathological, timed } from './fuzz-inputs.js';
import { filesUnder, fuzzRuns, fuzzTimeout, mutate, spread } from './fuzz-runs.js';

// The JSON reader on mutated and truncated real records (the SigmaHQ samples' .json twins, in the three
// layouts it reads) yields only events and problems, never an exception or a hang, and holds at most the
// record limit and one push whatever the bytes.

const has = corpusAvailable();
const SPECIAL = ['{', '}', '[', ']', '"', '\\', ',', ':', '\n', '\r', '\0', '\uFEFF', '\\u', '{"a":', '"x":"', 'é'];
const limits = { maxRecordSize: 4096, maxProblems: 20 };

/** JSON lines, an array, and the twins as they are (pretty-printed, some holding several records). */
function inputs(): string[] {
  const raw = spread(filesUnder(join(CORPUS, 'sigmahq/regression_data'), '.json'), 12).map((f) => readFileSync(f, 'utf8'));
  const records = raw.flatMap((t) => {
    try {
      return [JSON.parse(t) as unknown];
    } catch {
      return [];
    }
  });
  return [records.map((t) => JSON.stringify(t)).join('\n') + '\n', JSON.stringify(records), raw.join('\n')];
}

/** Reads in pieces of `step` characters, checking what the splitter holds after each. */
function readInPieces(text: string, step: number): InputItem[] {
  const items: InputItem[] = [];
  const s = new JsonRecordSplitter('f.json', (i) => items.push(i), undefined, limits);
  for (let i = 0; i < text.length; i += step) {
    s.push(text.slice(i, i + step));
    if (s.heldChars > limits.maxRecordSize + step + 1) throw new Error(`the splitter holds ${s.heldChars} characters`);
  }
  s.end();
  return items;
}

describe.skipIf(!has)('JSON reader fuzzing', () => {
  const texts = has ? inputs() : [];

  test(
    'mutated and truncated records: only events and problems, in pieces the same as whole, memory within the limit',
    () => {
      fc.assert(
        fc.property(fc.nat({ max: 2 }), mutations(SPECIAL), fc.option(fc.nat(), { nil: undefined }), fc.integer({ min: 1, max: 5000 }), (which, muts, cut, step) => {
          const text = mutate(texts[which] as string, muts, cut);
          const whole = [...readJsonText(text, 'f.json', limits)];
          checkItems(whole, 'f.json', limits.maxProblems);
          expect(readInPieces(text, step)).toEqual(whole);
        }),
        fuzzRuns(300),
      );
    },
    fuzzTimeout(300),
  );

  test(
    'property: time stays linear in the input on constructs repeated to 300 KB (brackets, open strings, escapes, junk)',
    () => {
      const size = 300_000;
      const clean = (texts[0] as string).repeat(Math.ceil(size / (texts[0] as string).length)).slice(0, size);
      // The same machine, now: a clean file of the same size is the yardstick (a quadratic reader takes minutes here).
      const base = Math.min(...[0, 1, 2].map(() => timed(() => [...readJsonText(clean, 'f.json', limits)])));
      const pieces = ['[', '{', '{"a":', '"', '\\', '{"a":"', '}', ']', '\n', 'x', ',', '{"a":[', '\0', '{"a":1}', ' '];
      fc.assert(
        fc.property(pathological(pieces, size), ({ text }) => {
          let items: InputItem[] = [];
          const ms = timed(() => (items = readInPieces(text, 1 << 16)));
          checkItems(items, 'f.json', limits.maxProblems);
          expect(ms).toBeLessThan(100 * base + 1000);
        }),
        fuzzRuns(40),
      );
    },
    fuzzTimeout(40),
  );
});
