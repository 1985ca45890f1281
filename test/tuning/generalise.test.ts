import { describe, expect, test } from 'vitest';
import { generalise, GENERALISERS, patternText, renderValue, toSigmaValue } from '../../src/tuning/generalise.js';
import { networkOf, userFolderGeneraliser } from '../../src/tuning/learn-baseline.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { compileRule } from '../../src/compile/compile-rule.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { eventFromObject } from '../../src/event/event.js';

const only = (name: string) => GENERALISERS.filter((g) => g.name === name);
const shown = (value: string, name?: string) => patternText(generalise(value, name === undefined ? GENERALISERS : only(name)));

describe('generalisers, each alone', () => {
  test.each([
    ['guid', 'rundll32 {3F2504E0-4F89-41D3-9A0C-0305E82C3301} x', 'rundll32 * x'],
    ['guid', 'C:\\ProgramData\\Package Cache\\3f2504e0-4f89-41d3-9a0c-0305e82c3301\\setup.exe', 'C:\\ProgramData\\Package Cache\\*\\setup.exe'],
    ['guid', 'no guid {3F2504E0-4F89} here', 'no guid {3F2504E0-4F89} here'],
    ['user-path', 'C:\\Users\\alice\\AppData\\Local\\app.exe', 'C:\\Users\\*\\AppData\\Local\\app.exe'],
    ['user-path', 'c:\\users\\Bob.Smith\\Desktop\\x.txt', 'c:\\users\\*\\Desktop\\x.txt'],
    ['user-path', 'C:\\Documents and Settings\\carol\\x', 'C:\\Documents and Settings\\*\\x'],
    ['user-path', 'C:\\Users\\', 'C:\\Users\\'],
    ['temp-name', 'C:\\Temp\\tmp4A3F.tmp', 'C:\\Temp\\tmp*.tmp'],
    ['temp-name', 'C:\\Temp\\~DF12AB.TMP', 'C:\\Temp\\~DF*.TMP'],
    ['temp-name', 'C:\\Temp\\_MEI81562\\python.exe', 'C:\\Temp\\_MEI*\\python.exe'],
    ['temp-name', 'C:\\Temp\\template.txt', 'C:\\Temp\\template.txt'],
    ['temp-name', 'C:\\Temp\\x4f5ab2c.0ab\\a.dll', 'C:\\Temp\\*\\a.dll'],
    ['temp-name', 'hash 9f86d081884c7d659a2feaa0c55ad015 end', 'hash * end'],
    ['temp-name', 'C:\\Temp\\setup.exe', 'C:\\Temp\\setup.exe'],
    ['number', 'cdb.exe -pv -p 4312', 'cdb.exe -pv -p *'],
    ['number', 'tool /pid:0x1F4 /n 3', 'tool /pid:* /n *'],
    ['number', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE'],
    ['number', 'connect 203.0.113.5 version 10.0.19041.1', 'connect 203.0.113.5 version 10.0.19041.1'],
  ])('%s: %s', (name, value, expected) => {
    expect(shown(value, name)).toBe(expected);
  });

  test('all together, in order', () => {
    expect(shown('"C:\\Users\\alice\\AppData\\Local\\Temp\\tmp4A3F.tmp\\setup.exe" /install {3F2504E0-4F89-41D3-9A0C-0305E82C3301} /log 771')).toBe('"C:\\Users\\*\\AppData\\Local\\Temp\\tmp*.tmp\\setup.exe" /install * /log *');
  });

  test("the event's own user name as a folder", () => {
    const g = userFolderGeneraliser('CORP\\alice');
    expect(g).toBeDefined();
    expect(patternText(generalise('\\\\fs01\\home\\alice\\profile.bgi', [g!]))).toBe('\\\\fs01\\home\\*\\profile.bgi');
    expect(patternText(generalise('alicesprings\\x', [g!]))).toBe('alicesprings\\x');
    expect(userFolderGeneraliser('NT AUTHORITY\\SYSTEM')).toBeUndefined();
  });

  test('networks: /24 for IPv4 (mapped ones too), /64 for IPv6', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(networkOf('2001:db8:85a3:12:8a2e:370:7334:1')).toBe('2001:db8:85a3:12::/64');
    expect(networkOf('not an ip')).toBeUndefined();
  });
});

describe('Sigma values of patterns', () => {
  // Each written value, read back by our rule parser, matches the original and other runs, and not a different value.
  const matches = (value: string, event: string, modifiers = '') => {
    const text = `title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n    CommandLine${modifiers}: '${value.replace(/'/g, "''")}'\n  condition: sel\n`;
    const rule = loadRuleTexts([{ file: 'v.yml', text }]).rules[0]!;
    const c = compileRule(rule).compiled!;
    return c.matcher(new EventCache(eventFromObject({ CommandLine: event })));
  };
  test.each([
    ['\\\\fs01\\share\\x.exe', '\\\\fs01\\share\\x.exe', '\\fs01\\share\\x.exe'],
    ['C:\\Temp\\tmp4A3F.tmp', 'C:\\Temp\\tmp99.tmp', 'C:\\Temp\\tmp99.exe'],
    ['what? *now* C:\\dir\\', 'what? *now* C:\\dir\\', 'whatX XnowX C:\\dir\\'],
    ['C:\\Users\\alice\\x.exe -n 12', 'C:\\Users\\bob\\x.exe -n 7', 'C:\\Users\\bob\\y.exe -n 7'],
    ['x.exe -n 12', 'X.EXE -n 4096', 'x.exe -n 12 --evil'],
    ['run {3F2504E0-4F89-41D3-9A0C-0305E82C3301} now', 'run {11111111-2222-4333-8444-555555555555} now', 'run {x} now'],
  ])('%s', (original, sameActivity, different) => {
    const { modifiers, value } = renderValue(generalise(original));
    expect(matches(value, original, modifiers)).toBe(true);
    expect(matches(value, sameActivity, modifiers)).toBe(true);
    expect(matches(value, different, modifiers)).toBe(false);
  });

  test('an exact value stays a plain Sigma string, escaped where a single backslash would escape', () => {
    expect(renderValue(generalise('C:\\Windows\\cdb.exe'))).toEqual({ modifiers: '', value: 'C:\\Windows\\cdb.exe' });
    expect(toSigmaValue([{ kind: 'text', text: '\\\\fs01\\a*b?\\' }])).toBe('\\\\\\fs01\\a\\*b\\?\\\\'); // \\ then \f: the second backslash escapes nothing
    expect(matches(toSigmaValue([{ kind: 'text', text: '\\\\fs01\\a*b?\\' }]), '\\\\fs01\\a*b?\\')).toBe(true);
  });
});
