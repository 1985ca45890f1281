import { describe, expect, test } from 'vitest';
import { applyFilters } from '../../src/rule/apply-filters.js';
import { RuleSet } from '../../src/engine/rule-set.js';
import { ev, load, where } from '../helpers.js';

const BASE = `title: Failed Logon
id: 5f1b2d4e-1c1d-4b59-9a6f-0d0b4c6f7a01
name: failed_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Successful Logon
id: 5f1b2d4e-1c1d-4b59-9a6f-0d0b4c6f7a02
name: successful_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
    condition: selection
`;

describe('correlation documents', () => {
  test('a valid multi-document file: rules plus correlation', () => {
    const c = load(`${BASE}---
title: Many failures then success
correlation:
    type: temporal_ordered
    rules:
        - failed_logon
        - successful_logon
    group-by:
        - TargetUserName
    timespan: 10m
level: high
`);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(c.rules).toHaveLength(2);
    expect(c.correlations).toHaveLength(1);
    expect(c.correlations[0]).toMatchObject({ type: 'temporal_ordered', timespan: 600, groupBy: ['TargetUserName'], generate: false });
  });

  test.each<[string, string]>([
    ['type: event_sum\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5m\n    condition: {gte: 2}', 'correlation-type'],
    ['type: event_count\n    group-by: [a]\n    timespan: 5m\n    condition: {gte: 2}', 'correlation-rules'],
    ['type: event_count\n    rules: [nope]\n    group-by: [a]\n    timespan: 5m\n    condition: {gte: 2}', 'correlation-reference'],
    ['type: event_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5 minutes\n    condition: {gte: 2}', 'correlation-timespan'],
    ['type: event_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5m', 'correlation-condition'],
    ['type: value_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5m\n    condition: {gte: 2}', 'correlation-field'],
    ['type: event_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5m\n    condition: {more: 2}', 'correlation-condition'],
    ['type: event_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 5m\n    condition: {gte: 2}\n    generate: maybe', 'correlation-generate'],
    ['type: temporal\n    rules: [failed_logon, successful_logon]\n    aliases:\n        user:\n            unnamed_rule: TargetUserName\n    group-by: [user]\n    timespan: 5m', 'correlation-alias'],
  ])('%s → %s', (body, code) => {
    const c = load(`${BASE}---\ntitle: C\ncorrelation:\n    ${body}\n`);
    expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain(code);
  });

  test('a range condition (two operators) is accepted', () => {
    const c = load(`${BASE}---\ntitle: C\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    group-by: [a]\n    timespan: 1h\n    condition:\n        gt: 10\n        lte: 20\n`);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(c.correlations[0]?.condition?.comparisons).toEqual([{ op: 'gt', value: 10 }, { op: 'lte', value: 20 }]);
  });
});

const RULE = `title: Whoami
id: 7a0d1c1b-0c0e-4c1e-8a1e-2b9d8f0a1b01
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
`;

describe('filter documents', () => {
  const filter = (logsource: string, rules: string, condition: string) => `---
title: Known admin tooling
id: 1d7f0d6a-4b1c-4a7e-9d9e-6a4f0e1b2c03
logsource:
${logsource}
filter:
    rules:
${rules}
    selection:
        User|startswith: 'adm_'
    condition: ${condition}
`;
  const run = (text: string, fields: Record<string, string>) => {
    const c = load(text);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The hunt's gate (the rule matched and no filter suppresses it) must mean what pySigma's rewrite means.
    const set = RuleSet.compile(c.rules, { filters: c.filters });
    const gated = set.match(ev(fields)).length === 1 && set.suppressedBy(0) === undefined;
    const rewritten = RuleSet.compile(c.rules.map((r) => applyFilters(r, c.filters).rule)).match(ev(fields)).length === 1;
    expect(gated).toBe(rewritten);
    return gated;
  };
  const hit = { Image: 'C:\\Windows\\System32\\whoami.exe', User: 'adm_bob' };
  const other = { Image: 'C:\\Windows\\System32\\whoami.exe', User: 'alice' };

  test('an exclusion (not selection) suppresses the known-good only', () => {
    const text = RULE + filter('    category: process_creation\n    product: windows', '        - 7a0d1c1b-0c0e-4c1e-8a1e-2b9d8f0a1b01', 'not selection');
    expect(run(text, hit)).toBe(false);
    expect(run(text, other)).toBe(true);
  });
  test('a filter whose logsource differs does not apply', () => {
    const text = RULE + filter('    category: network_connection\n    product: windows', '        - 7a0d1c1b-0c0e-4c1e-8a1e-2b9d8f0a1b01', 'not selection');
    expect(run(text, hit)).toBe(true);
  });
  test('a filter for another rule id does not apply; rules: any applies', () => {
    const other_id = RULE + filter('    product: windows', '        - 00000000-0000-4000-8000-000000000000', 'not selection');
    expect(run(other_id, hit)).toBe(true);
    const anyRules = RULE + filter('    product: windows', '        - any', 'not selection').replace('    rules:\n        - any', '    rules: any');
    expect(run(anyRules, hit)).toBe(false);
  });
  test("the filter's identifiers are private: the rule's 'all of them' does not see them", () => {
    const text = RULE.replace('condition: selection', 'condition: all of them') + filter('    product: windows', '        - 7a0d1c1b-0c0e-4c1e-8a1e-2b9d8f0a1b01', 'not selection');
    expect(run(text, other)).toBe(true);
    expect(run(text, hit)).toBe(false);
  });
  test('filter errors', () => {
    const c = load(`title: F\nlogsource: {product: windows}\nfilter:\n    selection: {User: x}\n    condition: not selection\n`);
    expect(c.diagnostics.map((d) => d.code)).toContain('filter-rules');
    const c2 = load(`title: F\nlogsource: {product: windows}\nfilter:\n    rules: any\n    selection: {User: x}\n`);
    expect(c2.diagnostics.map((d) => d.code)).toContain('condition-missing');
  });
});

describe('legacy action collections', () => {
  test('global is merged into each following rule, with a deprecation warning; repeat adds a rule', () => {
    const text = `action: global
title: Shared
logsource:
    product: windows
    category: process_creation
detection:
    condition: selection
---
id: 4e7b0d0a-1a2b-4c3d-8e9f-0a1b2c3d4e01
detection:
    selection:
        Image|endswith: '\\a.exe'
---
action: repeat
id: 4e7b0d0a-1a2b-4c3d-8e9f-0a1b2c3d4e02
detection:
    selection:
        Image|endswith: '\\b.exe'
`;
    const c = load(text);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(where(text, c.diagnostics).filter((d) => d.code === 'legacy-action')).toEqual([
      { code: 'legacy-action', severity: 'warning', line: 1, column: 1 },
      { code: 'legacy-action', severity: 'warning', line: 14, column: 1 },
    ]);
    expect(c.rules.map((r) => r.title)).toEqual(['Shared', 'Shared']);
    const set = RuleSet.compile(c.rules);
    expect(set.match(ev({ Image: 'C:\\b.exe' })).map((r) => r.rule.id)).toEqual(['4e7b0d0a-1a2b-4c3d-8e9f-0a1b2c3d4e02']);
  });
});
