import { describe, expect, test } from 'vitest';
import { matches, ruleYaml } from '../helpers.js';

const CMSTP = ruleYaml(`selection:
    Image|endswith: '\\cmstp.exe'
    Initiated: 'true'
filter_main_local_ranges:
    DestinationIp|cidr:
        - '127.0.0.0/8'
        - '10.0.0.0/8'
        - '172.16.0.0/12'
        - '192.168.0.0/16'
        - '169.254.0.0/16'
        - '::1/128'
        - 'fe80::/10'
        - 'fc00::/7'
condition: selection and not 1 of filter_main_*`);

describe('the mission rule', () => {
  const base = { Image: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true' };
  test.each([
    ['8.8.8.8', true],
    ['2001:4860:4860::8888', true],
    ['10.1.2.3', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.0.5', false],
    ['127.0.0.1', false],
    ['169.254.1.1', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::5', false],
    ['::ffff:10.0.0.1', false],
    // Padding around the address (seen in hand-exported CSV/JSON) is tolerated on both sides of the filter.
    ['8.8.8.8 ', true],
    [' 10.0.0.1', false],
  ])('destination %s alerts: %s', (ip, expected) => {
    expect(matches(CMSTP, { ...base, DestinationIp: ip })).toBe(expected);
  });
  test('case-insensitive path', () => {
    expect(matches(CMSTP, { ...base, Image: 'C:\\WINDOWS\\SYSTEM32\\CMSTP.EXE', DestinationIp: '8.8.8.8' })).toBe(true);
  });
  test('lookalike name', () => {
    expect(matches(CMSTP, { ...base, Image: 'C:\\Temp\\notcmstp.exe', DestinationIp: '8.8.8.8' })).toBe(false);
  });
  test('not initiated', () => {
    expect(matches(CMSTP, { ...base, Initiated: 'false', DestinationIp: '8.8.8.8' })).toBe(false);
  });
  test('boolean event value matches the quoted string', () => {
    expect(matches(CMSTP, { ...base, Initiated: true, DestinationIp: '8.8.8.8' })).toBe(true);
  });
});

describe('value semantics', () => {
  const one = (item: string) => ruleYaml(`selection:\n    ${item}\ncondition: selection`);
  test.each<[string, Record<string, unknown>, boolean]>([
    ["EventID: 4688", { EventID: 4688 }, true],
    ["EventID: 4688", { EventID: '4688' }, true],
    ["EventID: '4688'", { EventID: 4688 }, true],
    ["EventID: 4688", { EventID: 4689 }, false],
    ["Image: 'C:\\Windows\\cmd.exe'", { Image: 'c:\\windows\\CMD.EXE' }, true],
    ["Image: 'C:\\Windows\\cmd.exe'", { Image: 'c:\\windows\\cmd.exe ' }, false],
    ["Image: '*\\cmd.exe'", { Image: 'C:\\x\\cmd.exe' }, true],
    ["Image: 'C:\\Win*\\cmd.exe'", { Image: 'C:\\Windows\\System32\\cmd.exe' }, true],
    ["Image: 'cm?.exe'", { Image: 'cmd.exe' }, true],
    ["Image: 'cm?.exe'", { Image: 'cm.exe' }, false],
    ["Image: 'a\\*b'", { Image: 'a*b' }, true],
    ["Image: 'a\\*b'", { Image: 'axxb' }, false],
    ["CommandLine|contains: 'mimikatz'", { CommandLine: 'run MimiKatz.exe' }, true],
    ["CommandLine|startswith: 'powershell'", { CommandLine: 'PowerShell -nop' }, true],
    ["CommandLine|contains|all: ['-nop', 'hidden']", { CommandLine: 'x -nop -w hidden' }, true],
    ["CommandLine|contains|all: ['-nop', 'hidden']", { CommandLine: 'x -nop' }, false],
    ["CommandLine|contains: ['-nop', 'hidden']", { CommandLine: 'x -nop' }, true],
    ["Image|cased|endswith: '\\Cmd.exe'", { Image: 'C:\\Cmd.exe' }, true],
    ["Image|cased|endswith: '\\Cmd.exe'", { Image: 'C:\\cmd.exe' }, false],
    ["CommandLine|re: '\\s-e(nc)?\\s'", { CommandLine: 'ps -enc AAA' }, true],
    ["CommandLine|re: '\\s-E(nc)?\\s'", { CommandLine: 'ps -enc AAA' }, false],
    ["CommandLine|re|i: '\\s-E(nc)?\\s'", { CommandLine: 'ps -enc AAA' }, true],
    ["CommandLine|re: '(?i)\\s-E(nc)?\\s'", { CommandLine: 'ps -enc AAA' }, true],
    ["CommandLine|re: '^a.c$'", { CommandLine: 'a\nc' }, false],
    ["CommandLine|re|s: '^a.c$'", { CommandLine: 'a\nc' }, true],
    ["CommandLine|re|m: '^cmd$'", { CommandLine: 'x\ncmd\ny' }, true],
    ["CommandLine|windash|contains: ' -enc '", { CommandLine: 'ps /enc x' }, true],
    ["CommandLine|windash|contains: ' -enc '", { CommandLine: 'ps \u2014enc x' }, true],
    ["CommandLine|windash|contains: ' -enc '", { CommandLine: 'ps +enc x' }, false],
    ["CommandLine|base64|contains: 'http'", { CommandLine: 'x aHR0cA== y' }, true],
    ["CommandLine|base64offset|contains: 'http://'", { CommandLine: Buffer.from('xxhttp://evil').toString('base64') }, true],
    ["CommandLine|base64offset|contains: 'http://'", { CommandLine: Buffer.from('xhttp://evil').toString('base64') }, true],
    ["CommandLine|wide|base64offset|contains: 'IEX'", { CommandLine: Buffer.from('a IEX b', 'utf16le').toString('base64') }, true],
    ["CommandLine|utf16be|base64|contains: 'ab'", { CommandLine: Buffer.from([0, 97, 0, 98]).toString('base64') }, true],
    ["CommandLine|utf16|base64: 'a'", { CommandLine: Buffer.from([0xff, 0xfe, 97, 0]).toString('base64') }, true],
    ["Field: null", {}, true],
    ["Field: null", { Field: null }, true],
    ["Field: null", { Field: '' }, false],
    ["Field: ''", { Field: '' }, true],
    ["Field: ''", {}, false],
    ["Field|exists: true", { Field: '' }, true],
    ["Field|exists: true", {}, false],
    ["Field|exists: false", {}, true],
    ["Count|gt: 10", { Count: 11 }, true],
    ["Count|gt: 10", { Count: '11' }, true],
    ["Count|gte: 10", { Count: 10 }, true],
    ["Count|lt: 10", { Count: 10 }, false],
    ["Count|lte: 10", { Count: 'ten' }, false],
    ["Status|neq: 'success'", { Status: 'failure' }, true],
    ["Status|neq: 'success'", { Status: 'SUCCESS' }, false],
    ["Status|neq: 'success'", {}, true],
    ["SourceUser|fieldref: TargetUser", { SourceUser: 'Bob', TargetUser: 'bob' }, true],
    ["SourceUser|fieldref: TargetUser", { SourceUser: 'Bob', TargetUser: 'alice' }, false],
    ["SourceUser|fieldref: TargetUser", { SourceUser: 'Bob' }, false],
    ["SourceUser|fieldref|contains: TargetUser", { SourceUser: 'xbobx', TargetUser: 'bob' }, true],
    ["SourceUser|fieldref|neq: TargetUser", { SourceUser: 'a', TargetUser: 'b' }, true],
    ["UtcTime|hour: 3", { UtcTime: '2024-05-01 03:15:00.000' }, true],
    ["UtcTime|hour: 3", { UtcTime: '2024-05-01 04:15:00.000' }, false],
    ["UtcTime|hour|gte: 18", { UtcTime: '2024-05-01T19:00:00Z' }, true],
    ["UtcTime|minute: 15", { UtcTime: '2024-05-01T19:15:00+02:00' }, true],
    ["UtcTime|day: 1", { UtcTime: '2024-05-01T00:00:00Z' }, true],
    ["UtcTime|month: 5", { UtcTime: '2024-05-01T00:00:00Z' }, true],
    ["UtcTime|year: 2024", { UtcTime: '2024-05-01T00:00:00Z' }, true],
    ["UtcTime|week: 1", { UtcTime: '2021-01-04T00:00:00Z' }, true],
    ["UtcTime|week: 53", { UtcTime: '2021-01-03T00:00:00Z' }, true],
    ["Tags: 'b'", { Tags: ['a', 'B', 'c'] }, true],
    ["Tags: 'z'", { Tags: ['a', 'B', 'c'] }, false],
    ["Enabled: true", { Enabled: 'TRUE' }, true],
    ["Enabled: true", { Enabled: false }, false],
    ["Event.EventData.Image|endswith: '.exe'", { Image: 'a.exe' }, true],
  ])('%s on %j → %s', (item, fields, expected) => {
    expect(matches(one(item), fields as never)).toBe(expected);
  });

  test('keywords are substring searches over every value, OR-ed', () => {
    const rule = ruleYaml(`keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\ncondition: keywords`);
    expect(matches(rule, { CommandLine: 'run Mimikatz now' })).toBe(true);
    expect(matches(rule, { Nested: { deep: ['x', 'sekurlsa::logonpasswords'] } })).toBe(true);
    expect(matches(rule, { CommandLine: 'benign' })).toBe(false);
  });

  test("'|all' keywords must all occur", () => {
    const rule = ruleYaml(`keywords:\n    '|all':\n        - 'alpha'\n        - 'beta'\ncondition: keywords`);
    expect(matches(rule, { A: 'alpha', B: 'beta' })).toBe(true);
    expect(matches(rule, { A: 'alpha' })).toBe(false);
  });

  test('list of maps is OR, map is AND', () => {
    const rule = ruleYaml(`selection:\n    - Image|endswith: '\\IEExec.exe'\n    - OriginalFileName: 'IEExec.exe'\nselection_cli:\n    CommandLine|contains:\n        - 'http://'\n        - 'https://'\ncondition: all of selection*`);
    expect(matches(rule, { OriginalFileName: 'ieexec.exe', CommandLine: 'x https://a' })).toBe(true);
    expect(matches(rule, { Image: 'C:\\ieexec.exe', CommandLine: 'x' })).toBe(false);
  });

  test('1 of them / all of them skip identifiers starting with _', () => {
    const rule = ruleYaml(`sel_a:\n    A: 1\nsel_b:\n    B: 1\n_private:\n    C: 1\ncondition: all of them or _private`);
    expect(matches(rule, { A: 1, B: 1 })).toBe(true);
    expect(matches(rule, { A: 1 })).toBe(false);
    expect(matches(rule, { C: 1 })).toBe(true);
  });

  test('a list of conditions is OR', () => {
    const rule = ruleYaml(`a:\n    A: 1\nb:\n    B: 1\ncondition:\n    - a\n    - b`);
    expect(matches(rule, { B: 1 })).toBe(true);
    expect(matches(rule, { C: 1 })).toBe(false);
  });

  test('expand with a user placeholder map', async () => {
    const { load, ev } = await import('../helpers.js');
    const { RuleSet } = await import('../../src/engine/rule-set.js');
    const text = ruleYaml(`selection:\n    User|expand: '%Admins%'\ncondition: selection`);
    const c = load(text, new Map([['Admins', ['root', 'adm_*']]]));
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const set = RuleSet.compile(c.rules);
    expect(set.match(ev({ User: 'ROOT' })).length).toBe(1);
    expect(set.match(ev({ User: 'adm_*' })).length).toBe(1);
    expect(set.match(ev({ User: 'adm_bob' })).length).toBe(0);
  });
});
