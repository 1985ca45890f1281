import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AhoCorasick } from '../../src/compile/aho-corasick.js';
import { anchorOf } from '../../src/compile/anchor.js';
import { lowerRule } from '../../src/compile/lower-rule.js';
import { load, ruleYaml } from '../helpers.js';

function naive(patterns: readonly string[], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((p, id) => {
    for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1)) out.push(`${id}@${i + p.length}`);
  });
  return out.sort();
}

function found(ac: AhoCorasick, text: string): string[] {
  const out: string[] = [];
  ac.scan(text, (p, end) => out.push(`${p}@${end}`));
  return out.sort();
}

describe('Aho-Corasick automaton', () => {
  test('reports every occurrence of every pattern, overlapping and nested', () => {
    const patterns = ['he', 'she', 'his', 'hers', 'e', '\\cmd.exe', 'cmd'];
    const ac = new AhoCorasick(patterns);
    for (const text of ['ushers', 'c:\\windows\\system32\\cmd.exe /c echo his', '', 'hhhhe', 'ééé she']) expect(found(ac, text)).toEqual(naive(patterns, text));
  });

  test('agrees with a naive search on random patterns and texts', () => {
    const str = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\\', 'é', '\u0130'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.uniqueArray(str, { minLength: 1, maxLength: 12 }), fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '\\', 'é', '\u0130'), maxLength: 40 }), { maxLength: 6 }), (patterns, texts) => {
        const ac = new AhoCorasick(patterns);
        for (const t of texts) expect(found(ac, t)).toEqual(naive(patterns, t));
      }),
      { numRuns: 300 },
    );
  });

  test('rejects an empty pattern', () => {
    expect(() => new AhoCorasick(['a', ''])).toThrow(/empty/);
  });
});

describe('rule anchors', () => {
  const anchor = (detection: string) => anchorOf(lowerRule(load(ruleYaml(detection)).rules[0]!).ir);

  test('an AND takes its most selective side; an OR needs every branch', () => {
    expect(anchor("sel:\n    Image|endswith: '\\\\cmstp.exe'\n    CommandLine|contains: '/s'\ncondition: sel")).toEqual([{ field: 'Image', kind: 'suffix', value: '\\cmstp.exe' }]);
    expect(anchor("a:\n    Image|endswith: '\\\\x.exe'\nb:\n    CommandLine|contains: 'evil'\ncondition: a or b")).toEqual([
      { field: 'Image', kind: 'suffix', value: '\\x.exe' },
      { field: 'CommandLine', kind: 'contains', value: 'evil' },
    ]);
  });

  test('negations, regexes, case-sensitive and keyword tests give no anchor', () => {
    expect(anchor("sel:\n    Image|endswith: 'x.exe'\ncondition: not sel")).toBeUndefined();
    expect(anchor("sel:\n    Image|re: 'x'\ncondition: sel")).toBeUndefined();
    expect(anchor("sel:\n    Image|cased: 'X'\ncondition: sel")).toBeUndefined();
    expect(anchor("kw:\n    - 'mimikatz'\ncondition: kw")).toBeUndefined();
    expect(anchor("a:\n    Image|endswith: 'x.exe'\nb:\n    Image|re: 'y'\ncondition: a or b")).toBeUndefined();
  });

  test('a glob anchors on its longest literal', () => {
    expect(anchor("sel:\n    CommandLine: '*-enc*JAB*'\ncondition: sel")).toEqual([{ field: 'CommandLine', kind: 'contains', value: '-enc' }]);
  });
});
