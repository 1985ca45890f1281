import { describe, expect, test } from 'vitest';
import { AhoCorasick } from '../../src/compile/aho-corasick.js';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { anchorOf, regexLiteral } from '../../src/compile/anchor.js';
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

  test('negations, regexes without a 3-character literal, case-sensitive and keyword tests give no anchor', () => {
    expect(anchor("sel:\n    Image|endswith: 'x.exe'\ncondition: not sel")).toBeUndefined();
    expect(anchor("sel:\n    Image|re: 'x'\ncondition: sel")).toBeUndefined();
    expect(anchor("sel:\n    Image|cased: 'X'\ncondition: sel")).toBeUndefined();
    expect(anchor("kw:\n    - 'mimikatz'\ncondition: kw")).toBeUndefined();
    expect(anchor("a:\n    Image|endswith: 'x.exe'\nb:\n    Image|re: 'y'\ncondition: a or b")).toBeUndefined();
  });

  test('a glob anchors on its longest literal', () => {
    expect(anchor("sel:\n    CommandLine: '*-enc*JAB*'\ncondition: sel")).toEqual([{ field: 'CommandLine', kind: 'contains', value: '-enc' }]);
  });

  test('equality on a low-cardinality field or a flag value yields to a more selective side', () => {
    const detection = "sel:\n    Initiated: 'true'\n    DestinationHostname|contains:\n        - 'pastebin.com'\n        - 'ghostbin.co'\ncondition: sel";
    expect(anchor(detection)).toEqual([
      { field: 'DestinationHostname', kind: 'contains', value: 'pastebin.com' },
      { field: 'DestinationHostname', kind: 'contains', value: 'ghostbin.co' },
    ]);
    expect(anchor("sel:\n    Initiated: 'true'\ncondition: sel")).toEqual([{ field: 'Initiated', kind: 'eq', value: 'true' }]);
  });

  test('a regex anchors on the longest literal run every match contains', () => {
    expect(anchor("sel:\n    CommandLine|re: '\\\\Temp\\\\[a-z]+\\.exe'\ncondition: sel")).toEqual([{ field: 'CommandLine', kind: 'contains', value: '\\temp\\' }]);
  });
});

describe('required regex literals', () => {
  test.each<[string, string, string | undefined]>([
    ['invoke-expression', '', 'invoke-expression'],
    ['Invoke-Mimikatz', '', 'invoke-mimikatz'],
    ['abc(def|ghi)jklm', '', 'jklm'],
    ['abc|defgh', '', undefined],
    ['abcd*xyz', '', 'abc'],
    ['abcd{2,3}xy', '', 'abc'],
    ['ab{x', '', undefined],
    ['\\x41bcdef', '', undefined],
    ['\\p{L}bcdef', '', undefined],
    ['\\d+\\.exe', '', '.exe'],
    ['[a-z]{3}hello[^]x]world', '', 'hello'],
    ['powershell', 'i', 'power'],
    ['(?i)powershell', '', 'power'],
    ['powershell', '', 'powershell'],
    ['^\\s*cmd\\.exe$', '', 'cmd.exe'],
    ['a.b.c', '', undefined],
    ['(unclosed', '', undefined],
    ['caf\u00e9latte', '', 'latte'],
  ])('%s (flags %s) → %s', (source, flags, want) => {
    expect(regexLiteral(source, flags)).toBe(want);
  });

  const PIECES = ['abc', 'Abc', 'POWER', 'shell', 'ſ', 'K', 'x', '.', '-', '\\', 'exe', ' ', '1', 'é'];
  const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((xs) => xs.join(''));
  const SOURCES = ['abc', 'powershell', '(?i)powershell', 'POWER.*shell', 'ab+c', 'ab?c.exe', '\\\\exe', 'x[a-z]*abc', '(abc|x)exe', 'k.x', 'shell$', '^abc'];
  test('a regex match always contains its literal, lower-cased (property, RE2 case folding included)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.constantFrom('', 'i'), text, (source, flags, s) => {
        const literal = regexLiteral(source, flags);
        if (literal === undefined) return;
        const re = RE2JS.compile(source, flags === 'i' ? RE2JS.CASE_INSENSITIVE : 0);
        if (re.matcher(s).find()) expect(s.toLowerCase()).toContain(literal);
      }),
      { numRuns: 3000 },
    );
  });
});

