import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { load, ruleYaml, where } from '../helpers.js';

/** The rule body starts at line 8 (detection children) in ruleYaml. */
describe('each rule error has its own code and points at its place', () => {
  test.each<[string, string, string, number, number]>([
    ['malformed YAML', 'selection:\n    Image: [a, b\ncondition: selection', 'yaml-syntax', 10, 5],
    ['duplicate key', "selection:\n    Image: 'a'\n    Image: 'b'\ncondition: selection", 'yaml-duplicate-key', 10, 9],
    ['unknown modifier', "selection:\n    Image|endwith: 'a'\ncondition: selection", 'modifier-unknown', 9, 9],
    ['bad modifier chain', "selection:\n    Image|contains|re: 'a'\ncondition: selection", 'modifier-chain', 9, 9],
    ['re flag without re', "selection:\n    Image|i: 'a'\ncondition: selection", 'modifier-chain', 9, 9],
    ['unknown identifier', "selection:\n    Image: 'a'\ncondition: selection and not filter", 'condition-unknown-identifier', 10, 34],
    ['pattern with no match', "selection:\n    Image: 'a'\ncondition: selection and not 1 of filter_*", 'condition-pattern-no-match', 10, 34],
    ['condition syntax', "selection:\n    Image: 'a'\ncondition: selection and", 'condition-syntax', 10, 29],
    ['aggregation', "selection:\n    Image: 'a'\ncondition: selection | count() > 5", 'condition-aggregation', 10, 26],
    ['invalid regex', "selection:\n    Image|re: 'a(b'\ncondition: selection", 'regex-invalid', 9, 19],
    ['unsupported regex', "selection:\n    Image|re: '(?<=a)b'\ncondition: selection", 'regex-unsupported', 9, 19],
    ['invalid CIDR', "selection:\n    DestinationIp|cidr: '10.0.0.0/33'\ncondition: selection", 'cidr-invalid', 9, 29],
    ['CIDR host bits', "selection:\n    DestinationIp|cidr:\n        - '10.0.0.0/8'\n        - '10.1.0.0/8'\ncondition: selection", 'cidr-invalid', 11, 15],
    ['empty detection', 'selection: {}\ncondition: selection', 'detection-empty', 8, 5],
    ['empty list', 'selection: []\ncondition: selection', 'detection-empty', 8, 5],
    ['null in list', "selection:\n    Image:\n        - 'a'\n        - null\ncondition: selection", 'null-in-list', 11, 15],
    ['keyword null', 'keywords:\n    - null\ncondition: keywords', 'keyword-null', 9, 9],
    ['contains on boolean', 'selection:\n    Image|contains: true\ncondition: selection', 'modifier-value-type', 9, 25],
    ['gt on string', "selection:\n    Count|gt: 'x'\ncondition: selection", 'modifier-value-type', 9, 19],
    ['exists on string', "selection:\n    Field|exists: 'true'\ncondition: selection", 'modifier-value-type', 9, 23],
    ['wildcard under base64', "selection:\n    F|base64: 'a*'\ncondition: selection", 'wildcard-not-allowed', 9, 19],
    ['wildcard in fieldref', "selection:\n    F|fieldref: 'a*'\ncondition: selection", 'wildcard-not-allowed', 9, 21],
    ['unresolved placeholder', "selection:\n    User|expand: '%Admins%'\ncondition: selection", 'placeholder-unresolved', 9, 22],
    ['encoding without base64', "selection:\n    F|wide: 'a'\ncondition: selection", 'modifier-chain', 9, 17],
    ['missing condition', "selection:\n    Image: 'a'", 'condition-missing', 7, 1],
  ])('%s', (_name, detection, code, line, column) => {
    const text = ruleYaml(detection);
    const c = load(text);
    const errors = where(text, c.diagnostics).filter((d) => d.severity === 'error');
    expect(errors[0]).toEqual({ code, severity: 'error', line, column });
    expect(c.rules).toHaveLength(0);
  });

  test.each<[string, string, string]>([
    ['missing title', 'logsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n', 'title-missing'],
    ['bad id', "title: t\nid: 'nope'\nlogsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n", 'id-invalid'],
    ['bad status', 'title: t\nstatus: shiny\nlogsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n', 'status-invalid'],
    ['bad level', 'title: t\nlevel: severe\nlogsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n', 'level-invalid'],
    ['bad date', "title: t\ndate: '22-08-2022'\nlogsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n", 'date-invalid'],
    ['no logsource', 'title: t\ndetection: {sel: {A: 1}, condition: sel}\n', 'logsource-missing'],
    ['empty logsource', 'title: t\nlogsource: {definition: x}\ndetection: {sel: {A: 1}, condition: sel}\n', 'logsource-invalid'],
    ['detection not a map', 'title: t\nlogsource: {product: windows}\ndetection: [a]\n', 'detection-invalid'],
    ['bad related', 'title: t\nrelated: [{id: x, type: cousin}]\nlogsource: {product: windows}\ndetection: {sel: {A: 1}, condition: sel}\n', 'related-invalid'],
    ['not a map', '- a\n- b\n', 'document-kind'],
  ])('metadata: %s', (_name, text, code) => {
    const c = load(text);
    expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain(code);
    expect(c.rules).toHaveLength(0);
  });

  test.each<[string, string]>([
    ["selection:\n    Image|contains|all: 'a'\ncondition: selection", 'all-single-value'],
    ["selection:\n    Image|all:\n        - 'a'\n        - 'b'\ncondition: selection", 'all-without-contains'],
    ["selection:\n    Image|base64offset: 'a'\ncondition: selection", 'base64offset-without-contains'],
    ["selection:\n    Image|windash|contains|all:\n        - '-a'\n        - '-b'\ncondition: selection", 'windash-with-all'],
    ["selection:\n    Image|contains|contains: 'a'\ncondition: selection", 'modifier-repeated'],
    ["selection:\n    Image: 'a'\ncondition: 1 of them", 'of-them-single'],
    ["selection:\n    Image: 'a'\nunused:\n    Image: 'b'\ncondition: selection", 'identifier-unused'],
    ["selection:\n    EventID: '4688'\ncondition: selection", 'number-as-string'],
    ["selection:\n    Image: 'a**b'\ncondition: selection", 'double-wildcard'],
    ["selection:\n    Image: '*\\cmd.exe'\ncondition: selection", 'wildcard-instead-of-modifier'],
    ["selection:\n    Image: 'a\\*b'\ncondition: selection", 'escaped-wildcard'],
    ["selection:\n    Image|re: '(?i)cmd'\ncondition: selection", 'regex-inline-flag'],
    ["selection:\n    Image|contains: 429\ncondition: selection", 'number-coerced'],
    ["selection:\n    query_length: '> 70'\ncondition: selection", 'comparison-as-string'],
  ])('warning %s → %s', (detection, code) => {
    const c = load(ruleYaml(detection));
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(c.diagnostics.map((d) => d.code)).toContain(code);
    expect(c.rules).toHaveLength(1);
  });

  test.each<[string, string]>([
    ['tags: [attack.t1218.003, attack.t1218.003]', 'tag-duplicate'],
    ['tags: [foo.bar]', 'tag-namespace'],
    ['tags: [attack.T1218]', 'tag-format'],
    ['tags: [attack.not-a-tactic]', 'tag-invalid'],
    ['tags: [tlp.purple]', 'tag-invalid'],
  ])('tags: %s → %s', (extra, code) => {
    const c = load(ruleYaml("sel:\n    A: 1\ncondition: sel", extra));
    expect(c.diagnostics.map((d) => d.code)).toContain(code);
  });

  test('formatted as path:line:col: error CODE: message with the line shown', () => {
    const text = ruleYaml("selection:\n    Image|endwith: 'a'\ncondition: selection");
    const c = load(text);
    const out = formatDiagnostic(c.diagnostics[0]!, c.sources);
    expect(out.split('\n')[0]).toBe("rule.yml:9:9: error modifier-unknown: unknown modifier 'endwith'");
    expect(out.split('\n')[1]).toContain("Image|endwith: 'a'");
    expect(out.split('\n')[2]).toMatch(/\|\s+\^+$/);
  });
});
