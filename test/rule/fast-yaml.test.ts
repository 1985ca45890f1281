import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isMap, isScalar, isSeq, parseAllDocuments, type Node, type Pair } from 'yaml';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { listRuleFiles } from '../../src/rule/load-rules.js';
import { fastParseDocuments } from '../../src/rule/fast-yaml.js';
import { NodeReader } from '../../src/rule/yaml-nodes.js';
import { CORPUS, corpusAvailable } from '../helpers.js';

const SIGMAHQ = join(CORPUS, 'sigmahq');
const has = corpusAvailable();
const shared = new Document();

/** What the rule parser reads of a node: kind, value, scalar type, range start and value end, children. */
function shape(n: Node | null | undefined): unknown {
  if (n === null || n === undefined) return null;
  const range = [n.range?.[0], n.range?.[1]];
  if (isScalar(n)) return { scalar: n.value, type: n.type, range };
  if (isMap(n)) return { map: n.items.map((p: Pair) => [shape(p.key as Node), shape(p.value as Node)]), range };
  if (isSeq(n)) return { seq: n.items.map((i) => shape(i as Node)), range };
  return { other: String(n) };
}

/** The fast reader's documents as the yaml package gives them, or undefined when it gives up. */
function compare(text: string): 'fast' | 'yaml' {
  const fast = fastParseDocuments(text);
  if (fast === undefined) return 'yaml';
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, strict: false });
  const theirs = (Array.isArray(docs) ? docs : []).filter((d) => d.contents !== null || d.errors.length > 0);
  expect(theirs.flatMap((d) => d.errors.map((e) => e.message))).toEqual([]);
  const mine = fast.filter((n): n is Node => n !== null);
  expect(mine.map(shape)).toStrictEqual(theirs.map((d) => shape(d.contents as Node)));
  const expected = theirs.map((d) => (d.contents as Node).toJS(d) as unknown);
  expect(mine.map((n) => n.toJS(shared) as unknown)).toStrictEqual(expected);
  // The rule parser's own conversion (plain data built directly) gives the same.
  expect(mine.map((n) => new NodeReader('f.yml', shared).toJS(n))).toStrictEqual(expected);
  return 'fast';
}

describe('the fast YAML reader builds what the yaml package builds', () => {
  test.each([
    ['scalars of every kind', "a: plain text  # comment\nb: 'single ''quoted'''\nc: \"double \\\\ \\\" \\t\"\nd: 42\ne: -7\nf: true\ng: False\nh: null\ni: ~\nj:\nk: C:\\Windows\\x.exe\nl: http://x/y\n"],
    ['nested maps and sequences, at and beyond the key', 'detection:\n    sel:\n        Image|endswith:\n            - a.exe\n            - "b.exe"\n        CommandLine: x\n    condition: sel\ntags:\n- attack.t1\n- attack.t2\nlevel: high\n'],
    ['maps in sequences', 'x:\n    - k: v\n      k2: v2\n    - z\n    - k3: 1\n'],
    ['literal blocks', 'description: |\n    line one\n\n      indented\n    line two\n\nnext: |-\n    stripped\nlast: |\n    at the end'],
    ['comments around and after collections', 'd:\n    s:\n        - 1\n          # deeper\n        # own\n    t:\n        a: 1\n        # own\n\n    u: 2\n    # parent\nv: 3\n# top\n'],
    ['several documents', '# header\n---\ntitle: one\n---\ntitle: two\n'],
    ['key with a comment and a block below', 'sel: # why\n    a: 1\nother:  # also\n    - x\n'],
    ['a null last value', 'sel:\n    a: 1\n    b:\ncondition: sel\n'],
    ['single-quoted keys', "keywords:\n    '|all':\n        - x\n        - 'y'\nsel:\n    - 'a b': 1\n      c: 2\n"],
  ])('%s', (_, text) => {
    expect(compare(text)).toBe('fast');
  });

  test.each([
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a flow sequence', 'tags: [a, b]\n'],
    ['a flow map', 'logsource: {product: windows}\n'],
    ['a tab', 'a:\t1\n'],
    ['a duplicate key (yaml reports it)', 'a: 1\na: 2\n'],
    ['a multi-line plain scalar', 'description: one\n    two\n'],
    ['a folded block', 'description: >\n    one\n    two\n'],
    ['a float', 'a: 1.5\n'],
    ['a double-quoted key', '"|all":\n    - x\n'],
    ['a syntax error', 'a: b: c\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['an empty document after ---', 'title: one\n---\n'],
    ['an empty file', '# nothing\n'],
    ['a lone dash as a value', 'a: -\n'],
    ['a comment after a null value', 'a:\n# comment\n'],
    ['a comment after a literal block', '- |\n      # comment\n    # comment'],
    ['a comment between a parent and its nested last value', 'a:\n            - a: v\n    # comment'],
    ['a line of spaces beyond a literal block\'s indentation', '- |\n    # comment\n        '],
    ['a key over 1024 characters', `${'k'.repeat(1100)}: v\n`],
    ['a value after a quoted scalar', "a: 'x' 'y'\n"],
    ['spaces before a colon', 'a : b\n'],
    ['an escape it does not know', 'a: "\\x41"\n'],
  ])('gives up on %s', (_, text) => {
    expect(fastParseDocuments(text)).toBeUndefined();
  });
});

describe('the fast YAML reader on generated YAML-like text', () => {
  // Lines made of what Sigma rules are made of, at any indentation: most are not valid YAML or not in the
  // reader's subset. Whatever it accepts must be exactly what yaml reads, without errors.
  const key = fc.constantFrom('a', 'b', 'c', 'Image|endswith', 'sel_1', "'|all'", '1', 'null', 'x y', 'a#b', '"q"', '-k', 'C:\\x');
  const value = fc.constantFrom('v', 'x y', '1', '-7', '007', 'true', 'False', 'null', '~', '', "'q'", "'it''s'", "''", '"d"', '"e\\\\ \\"x\\""', '"\\t"', '|', '|-', '|+', '>', 'v #c', "'q' #c", 'v#c', 'a: b', 'v:', '-', '- x', '1.5', '0x1f', '.inf', '&a v', '*a', '[a, b]', '{a: 1}', '!t v', 'C:\\x\\*.exe', '%p%', '@x', '`x`', 'a, b', 'x]');
  const entry = fc.oneof(
    fc.tuple(key, fc.option(value, { nil: undefined })).map(([k, v]) => (v === undefined ? `${k}:` : `${k}: ${v}`)),
    value.map((v) => `- ${v}`),
    fc.tuple(key, value).map(([k, v]) => `- ${k}: ${v}`),
    fc.constantFrom('# comment', '', '    ', '---', 'text of a block', '- ', '-', '...'),
  );
  const line = fc.tuple(fc.constantFrom(0, 0, 0, 2, 4, 4, 4, 6, 8, 8, 12), entry).map(([n, e]) => ' '.repeat(n) + e);
  const doc = fc.array(line, { minLength: 1, maxLength: 14 }).map((ls) => ls.join('\n') + (ls.length % 3 === 0 ? '' : '\n'));
  test('accepted text reads as yaml reads it', () => {
    let accepted = 0;
    fc.assert(
      fc.property(doc, (text) => {
        if (compare(text) === 'fast') accepted++;
      }),
      { numRuns: 3000, seed: 11 },
    );
    // The generator reaches the accepted subset too (not only give-ups).
    expect(accepted).toBeGreaterThan(20);
  });
});

describe.skipIf(!has)('the fast YAML reader over the SigmaHQ corpus', () => {
  const folders = ['rules/windows/process_creation', 'rules/windows/registry', 'rules/windows', 'rules/linux', 'rules/cloud', 'rules/application', 'rules/category', 'rules/identity', 'rules/macos', 'rules/network', 'rules/web', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'deprecated', 'unsupported'];
  let fast = 0;
  let all = 0;
  test.each(folders)('%s: the same nodes, ranges and values as yaml (or it gives up)', (folder) => {
    const files = listRuleFiles([join(SIGMAHQ, folder)], []).filter((f) => !(folder === 'rules/windows' && (f.includes('/process_creation/') || f.includes('/registry/'))));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      all++;
      try {
        if (compare(readFileSync(f, 'utf8')) === 'fast') fast++;
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
    }
  });
  test('nearly every file is read by the fast reader', () => {
    expect(all).toBeGreaterThan(4000);
    expect(fast / all).toBeGreaterThan(0.97);
  });
});
