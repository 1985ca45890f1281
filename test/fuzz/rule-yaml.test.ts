import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics.js';
import { parseRuleFile } from '../../src/rule/parse-rule-file.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { mutations, pathological, timed } from './fuzz-inputs.js';
import { filesUnder, fuzzRuns, fuzzTimeout, mutate, spread } from './fuzz-runs.js';

// The rule reader (the fast YAML reader, the yaml package behind it, the Sigma parsers) on mutated and
// truncated SigmaHQ rule files gives only diagnostics with a code and a span inside the text, never an
// exception, and its time stays linear on hostile YAML (aliases of aliases, nesting, long scalars).

const has = corpusAvailable();
const SPECIAL = [':', ': ', '- ', '-', '|', '>', '&a ', '*a', '&b [*a, *a, *a]', '!!', '!', '%', '@', '`', '#', "'", '"', '[', ']', '{', '}', ',', '?', '\n', '\n  ', '\t', '\r', '\0', '---\n', '...\n', '<<: ', '|re', '|contains|all', '1e999', '0x', '~'];

function check(file: string, text: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    if (!/^[a-z]+(-[a-z0-9]+)*$/.test(d.code) || d.message === '') throw new Error(`a diagnostic without code or message: ${JSON.stringify(d)}`);
    if (d.span !== undefined && (d.span.file !== file || d.span.start < 0 || d.span.start > text.length || d.span.end < d.span.start)) throw new Error(`a span outside the text: ${JSON.stringify(d)}`);
  }
}

describe.skipIf(!has)('rule YAML fuzzing', () => {
  const rules = has ? spread(filesUnder(join(CORPUS, 'sigmahq'), '.yml'), 60).map((f) => readFileSync(f, 'utf8')) : [];

  test(
    'mutated and truncated rule files: diagnostics with a code and a span, never an exception',
    () => {
      fc.assert(
        fc.property(fc.nat({ max: rules.length - 1 }), mutations(SPECIAL, 12), fc.option(fc.nat(), { nil: undefined }), (which, muts, cut) => {
          const text = mutate(rules[which] as string, muts, cut);
          const parsed = parseRuleFile('r.yml', text);
          check('r.yml', text, parsed.diagnostics);
        }),
        fuzzRuns(400),
      );
    },
    fuzzTimeout(400),
  );

  test(
    'property: time stays linear on hostile YAML repeated to 200 KB (aliases, anchors, flow and block nesting, quotes)',
    () => {
      const size = 200_000;
      const clean = (rules[0] as string).repeat(Math.ceil(size / (rules[0] as string).length));
      const base = Math.min(...[0, 1].map(() => timed(() => parseRuleFile('r.yml', clean))));
      const pieces = ['a: &a [1, 2]\n', 'b: &b [*a, *a, *a, *a]\n', 'c: [*b, *b, *b, *b]\n', '[', '{a: ', '- ', ' ', 'k:\n', '  ', '"', "'", '\\', '|\n', '? ', '&x ', '*x ', '\n'];
      fc.assert(
        fc.property(pathological(pieces, size), ({ text }) => {
          let parsed: ReturnType<typeof parseRuleFile> | undefined;
          const ms = timed(() => (parsed = parseRuleFile('r.yml', text)));
          check('r.yml', text, parsed?.diagnostics ?? []);
          expect(ms).toBeLessThan(100 * base + 3000);
        }),
        fuzzRuns(25),
      );
    },
    fuzzTimeout(25),
  );
});
