import { beforeAll, describe, expect, test } from 'vitest';
import { convertRule, type ConvertedRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { kustoChecker, type KqlDiagnostic } from './kql-language-service.js';

/** One rule of a category and detection (YAML lines under `detection:`), converted to a KQL target. */
function convert(target: 'kql-defender' | 'kql-sentinel', category: string, detection: string, logsource = `category: ${category}`): ConvertedRule {
  const text = `title: Pitfall\nid: 9d3c2f4e-0000-4000-8000-000000000001\nlogsource:\n  product: windows\n  ${logsource}\ndetection:\n${detection}\nlevel: low\n`;
  const collection = loadRuleTexts([{ file: 'pitfall.yml', text }]);
  const rule = collection.rules[0];
  if (rule === undefined) throw new Error(`the rule does not load: ${JSON.stringify(collection.diagnostics)}`);
  return convertRule(rule, BACKENDS[target], target, resolveWindowsLogsource);
}

let check: (q: string) => KqlDiagnostic[];
beforeAll(() => {
  check = kustoChecker();
}, 60_000);

/** The query of a rule that converts, checked by the Kusto language service on the way. */
function query(c: ConvertedRule): string {
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const q = c.query as string;
  expect(check(q)).toEqual([]);
  return q;
}

const sel = (...lines: string[]) => ['  sel:', ...lines.map((l) => `    ${l}`), '  condition: sel'].join('\n');

/** Each pitfall of conversion-notes.md §3 (KQL): what the Defender query must contain, and what it must not. */
describe('kql-defender: the notes\' KQL pitfalls', () => {
  test('equality ignores case (=~), |cased is ==; the string literal doubles backslashes and escapes quotes', () => {
    const q = query(convert('kql-defender', 'process_creation', sel(`Image: 'C:\\Windows\\System32\\cmd.exe'`, `CommandLine|cased: 'say "Hi"'`)));
    expect(q).toContain('FolderPath =~ "c:\\\\windows\\\\system32\\\\cmd.exe"');
    expect(q).toContain('ProcessCommandLine == "say \\"Hi\\""');
  });
  test('a list of equalities is in~ (in for |cased), never has_all or has', () => {
    const q = query(convert('kql-defender', 'process_creation', sel(`OriginalFileName: ['cmd.exe', 'powershell.exe']`, `Product|cased: ['A', 'B']`, `CommandLine|contains|all: ['-enc', 'bypass']`)));
    expect(q).toContain('ProcessVersionInfoOriginalFileName in~ ("cmd.exe", "powershell.exe")');
    expect(q).toContain('ProcessVersionInfoProductName in ("A", "B")');
    expect(q).toContain('ProcessCommandLine contains "-enc" and ProcessCommandLine contains "bypass"');
    expect(q).not.toMatch(/\bhas(_all|_any)?\b/);
  });
  test('contains / startswith / endswith ignore case; |cased gives the _cs operators', () => {
    const q = query(convert('kql-defender', 'process_creation', sel(`CommandLine|contains: 'x'`, `Image|endswith: '\\a.exe'`, `ParentImage|startswith: 'C:\\'`, `Description|cased|contains: 'Tool'`, `Company|cased|startswith: 'Mic'`, `Product|cased|endswith: 'Win'`)));
    for (const s of ['ProcessCommandLine contains "x"', 'FolderPath endswith "\\\\a.exe"', 'InitiatingProcessFolderPath startswith "c:\\\\"', 'ProcessVersionInfoFileDescription contains_cs "Tool"', 'ProcessVersionInfoCompanyName startswith_cs "Mic"', 'ProcessVersionInfoProductName endswith_cs "Win"'])
      expect(q).toContain(s);
  });
  test('an inner wildcard with ? is an anchored (?i) regex: ? is one character, never widened to .*; a literal * is escaped', () => {
    const q = query(convert('kql-defender', 'process_creation', sel(`CommandLine: '*a*b?c\\*d*'`)));
    expect(q).toContain('ProcessCommandLine matches regex "(?is)^.*a.*b.c\\\\*d.*$"');
    expect(q).not.toContain('b.*c');
  });
  test('re is RE2 as written; |re|i adds an inline (?i); a |cased wildcard has no (?i)', () => {
    const q = query(convert('kql-defender', 'process_creation', sel(`CommandLine|re: '\\\\temp\\\\[a-z0-9]{8}\\.exe$'`, `Image|re|i: 'CMD'`, `ParentImage|cased: 'A?B'`)));
    expect(q).toContain('ProcessCommandLine matches regex "\\\\\\\\temp\\\\\\\\[a-z0-9]{8}\\\\.exe$"');
    expect(q).toContain('FolderPath matches regex "(?i)CMD"');
    expect(q).toContain('InitiatingProcessFolderPath matches regex "(?s)^A.B$"');
  });
  test('a regex RE2 cannot run (backreference, lookaround) never reaches KQL: the rule is rejected when it loads', () => {
    for (const re of ['(a)\\1', 'a(?=b)', '(?<!x)y']) {
      const text = `title: Pitfall\nlogsource: {product: windows, category: process_creation}\ndetection:\n${sel(`CommandLine|re: '${re}'`)}\n`;
      const collection = loadRuleTexts([{ file: 'pitfall.yml', text }]);
      expect(collection.rules).toEqual([]);
      expect(collection.diagnostics.map((d) => d.code)).toContain('regex-unsupported');
    }
  });
  test('cidr: an IPv6 network is ipv6_is_match on IPv6 text, never ipv4_is_in_range; IPv4 covers ::ffff:-mapped text; both null-safe', () => {
    const q6 = query(convert('kql-defender', 'network_connection', sel(`DestinationIp|cidr: 'fe80::/10'`)));
    expect(q6).toContain('ipv6_is_match(');
    expect(q6).toContain('"fe80:0:0:0:0:0:0:0/10"');
    expect(q6).not.toContain('ipv4_is_in_range');
    const q4 = query(convert('kql-defender', 'network_connection', ['  sel:', `    DestinationIp|cidr: '10.0.0.0/8'`, '  condition: not sel'].join('\n')));
    expect(q4).toMatch(/^DeviceNetworkEvents\n\| where ActionType in \(.*\)\n\| where not\(\(coalesce\(ipv4_is_in_range\(trim\(/);
    expect(q4).toContain('startswith "::ffff:" and coalesce(ipv4_is_in_range(substring(');
    expect(q4).not.toContain('ipv6_is_match');
    // Every null-returning IP function is coalesced, so not(...) never sees null and drops the row.
    expect(q4.match(/ipv4_is_in_range/g)?.length).toBe(q4.match(/coalesce\(ipv4_is_in_range/g)?.length);
  });
  test('null and exists on a string column are isempty / isnotempty (isnull is never true for a KQL string)', () => {
    const q = query(convert('kql-defender', 'process_creation', sel('Description: null', 'Company|exists: true', 'Product|exists: false')));
    expect(q).toContain('isempty(ProcessVersionInfoFileDescription)');
    expect(q).toContain('isnotempty(ProcessVersionInfoCompanyName)');
    expect(q).toContain('not(isnotempty(ProcessVersionInfoProductName))');
    expect(q).not.toMatch(/isnull\((?!ProcessId)/);
  });
  test('keywords are refused with the reason, never the invalid "a" or "b"', () => {
    const c = convert('kql-defender', 'process_creation', ['  keywords:', "    - 'mimikatz'", "    - 'sekurlsa::'", '  condition: keywords'].join('\n'));
    expect(c.query).toBeUndefined();
    expect(c.diagnostics.map((d) => d.code)).toEqual(['convert-keyword']);
    expect(c.diagnostics[0]?.message).toMatch(/item 'keywords' of detection 'keywords'/);
  });
  test('fieldref compares column with column, case-insensitively, and an empty side fails', () => {
    const q = query(convert('kql-defender', 'process_creation', sel('ParentImage|fieldref: Image')));
    expect(q).toContain('(isnotempty(InitiatingProcessFolderPath) and isnotempty(FolderPath) and InitiatingProcessFolderPath =~ FolderPath)');
  });
  test('numbers on a numeric column are compared as numbers, guarded against null', () => {
    const q = query(convert('kql-defender', 'network_connection', sel('DestinationPort: 443', 'SourcePort|gte: 1024')));
    expect(q).toContain('(isnotnull(RemotePort) and RemotePort == 443)');
    expect(q).toContain('(isnotnull(LocalPort) and LocalPort >= 1024)');
  });
  test("Initiated is never dropped: 'true' is the outbound ActionTypes, 'false' the inbound one", () => {
    const out = query(convert('kql-defender', 'network_connection', sel("Initiated: 'true'")));
    expect(out).toContain('| where ActionType in ("ConnectionSuccess", "ConnectionAttempt", "ConnectionFailed", "ConnectionRequest")');
    const inbound = query(convert('kql-defender', 'network_connection', sel('Initiated: false')));
    expect(inbound).toContain('| where ActionType in ("InboundConnectionAccepted")');
    expect(inbound).not.toContain('Initiated');
  });
  test('the table is the logsource category; the Channel/EventID condition is not rendered', () => {
    expect(query(convert('kql-defender', 'image_load', sel("ImageLoaded|endswith: '\\x.dll'")))).toMatch(/^DeviceImageLoadEvents\n\| where FolderPath endswith "\\\\x\.dll"$/);
    expect(query(convert('kql-defender', 'file_event', sel("TargetFilename|endswith: '.lnk'")))).toMatch(/^DeviceFileEvents\n\| where ActionType in \("FileCreated"\)\n/);
    expect(query(convert('kql-defender', 'process_creation', sel("Image: 'x'")))).not.toMatch(/EventID|Channel|Sysmon/i);
  });
  test('a field or logsource with no exact mapping is refused, naming the rule and the field or category', () => {
    const field = convert('kql-defender', 'process_creation', sel("User|contains: 'AUTHORI'"));
    expect(field.query).toBeUndefined();
    expect(field.diagnostics[0]?.message).toMatch(/rule 'Pitfall' \(9d3c2f4e-.*\): item 'User\|contains' of detection 'sel' cannot be converted to kql-defender: field 'User' has no exact column in DeviceProcessEvents/);
    const registry = convert('kql-defender', 'registry_set', sel("TargetObject|endswith: '\\Run'"));
    expect(registry.diagnostics[0]?.message).toMatch(/logsource category 'registry_set': Sysmon's TargetObject/);
    const service = convert('kql-defender', '', sel("ScriptBlockText|contains: 'x'"), 'service: powershell');
    expect(service.diagnostics[0]?.message).toMatch(/Defender XDR has no table for service 'powershell'/);
  });
  test('timestamp parts are refused, not ignored', () => {
    // UtcTime is an EventData field on Sentinel (Defender has no such column, a field refusal there).
    const c = convert('kql-sentinel', 'process_creation', sel('UtcTime|hour: 3'));
    expect(c.query).toBeUndefined();
    expect(c.diagnostics.map((d) => d.code)).toContain('convert-timepart');
  });
});

describe('kql-sentinel: Event (Sysmon names from EventData) and SecurityEvent 4688', () => {
  test('process_creation is a union of the Sysmon rows in Event and the 4688 rows in SecurityEvent, each with the engine\'s names', () => {
    const q = query(convert('kql-sentinel', 'process_creation', sel("Image|endswith: '\\cmd.exe'", "User|contains: 'AUTHORI'", "OriginalFileName: 'Cmd.Exe'")));
    expect(q).toMatch(/^union\n {2}\(Event\n/);
    expect(q).toContain('parse_xml(EventData)');
    expect(q).toContain('EventLog =~ "microsoft-windows-sysmon/operational" and (isnotnull(EventID) and EventID == 1)');
    expect(q).toContain('tostring(SigmaEventData["Image"]) endswith "\\\\cmd.exe"');
    expect(q).toContain('(SecurityEvent\n');
    expect(q).toContain('NewProcessName endswith "\\\\cmd.exe"');
    expect(q).toContain('strcat(SubjectDomainName, "\\\\", SubjectUserName)) contains "authori"');
    // A field a 4688 event never has fails its test there, as a missing field does in the engine.
    expect(q).toContain('"" =~ "cmd.exe"');
  });
  test('a network_connection rule is the Event table alone, Initiated as the Sysmon text it is', () => {
    const q = query(convert('kql-sentinel', 'network_connection', sel("Initiated: 'true'", "DestinationIp|cidr: '::1/128'")));
    expect(q).toMatch(/^Event\n/);
    expect(q).toContain('tostring(SigmaEventData["Initiated"]) =~ "true"');
    expect(q).toContain('ipv6_is_match(');
  });
  test('Security events other than 4688 are refused with the reason', () => {
    const c = convert('kql-sentinel', '', ['  sel:', '    EventID: 4624', '    LogonType: 10', '  condition: sel'].join('\n'), 'service: security');
    expect(c.query).toBeUndefined();
    expect(c.diagnostics[0]?.message).toMatch(/only 4688 \(process creation\) is mapped/);
  });
});
