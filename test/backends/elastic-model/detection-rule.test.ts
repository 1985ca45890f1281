import { describe, expect, test } from 'vitest';
import { elasticDetectionRule, threatOf } from '../../../src/backends/elastic/detection-rule.js';
import { loadRuleTexts } from '../../../src/rule/load-rules.js';

const text = `title: Certutil Download
id: 9f3b1a2c-6c1e-4b5e-8a7d-2f4e5d6c7b8a
status: test
description: certutil fetching a file
author: Alice, Bob
license: MIT
references:
    - https://example.org/certutil
falsepositives:
    - Admin scripts
tags:
    - attack.command-and-control
    - attack.defense-evasion
    - attack.t1105
    - attack.t1218.003
    - attack.t9999
    - attack.s0160
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        CommandLine|contains: urlcache
    condition: selection
level: high
`;

describe('Elastic detection rules (NDJSON)', () => {
  const rule = loadRuleTexts([{ file: 'rule.yml', text }]).rules[0];
  if (rule === undefined) throw new Error('the rule does not load');
  test('one JSON object a line with the rule id, type and language per target, schedule, severity, metadata', () => {
    const line = elasticDetectionRule(rule, 'process.command_line:/.*x.*/', 'lucene', { interval: '5m', enabled: true });
    expect(line).not.toContain('\n');
    const doc = JSON.parse(line) as Record<string, unknown>;
    expect(doc).toMatchObject({
      rule_id: '9f3b1a2c-6c1e-4b5e-8a7d-2f4e5d6c7b8a',
      name: 'Certutil Download',
      type: 'query',
      language: 'lucene',
      query: 'process.command_line:/.*x.*/',
      index: ['winlogbeat-*'],
      interval: '5m',
      from: 'now-5m',
      severity: 'high',
      risk_score: 73,
      references: ['https://example.org/certutil'],
      false_positives: ['Admin scripts'],
      author: ['Alice', 'Bob'],
      license: 'MIT',
    });
    expect(String(doc['description'])).toMatch(/^certutil fetching a file\n/);
    const esql = JSON.parse(elasticDetectionRule(rule, 'FROM winlogbeat-* | WHERE true', 'esql', { interval: '1h', enabled: false })) as Record<string, unknown>;
    expect([esql['type'], esql['language'], esql['index'], esql['from'], esql['enabled']]).toEqual(['esql', 'esql', undefined, 'now-1h', false]);
  });
  test('ATT&CK from the tags, offline: a threat entry per tactic, techniques with names where known and sub-techniques under them', () => {
    const threat = threatOf(rule.tags) as Array<{ tactic: { id: string; name: string }; technique: Array<{ id: string; name: string; subtechnique: Array<{ id: string }> }> }>;
    expect(threat.map((t) => [t.tactic.id, t.tactic.name])).toEqual([
      ['TA0011', 'Command and Control'],
      ['TA0005', 'Defense Evasion'],
    ]);
    const techniques = threat[0]?.technique ?? [];
    expect(techniques.map((t) => [t.id, t.name])).toEqual([
      ['T1105', 'Ingress Tool Transfer'],
      ['T1218', 'System Binary Proxy Execution'],
      ['T9999', 'T9999'],
    ]);
    expect(techniques[1]?.subtechnique.map((s) => s.id)).toEqual(['T1218.003']);
    expect(threatOf(['attack.t1105'])).toEqual([]);
  });
  test('no license is assumed; a rule without an id gets a stable one', () => {
    const bare = loadRuleTexts([{ file: 'bare.yml', text: text.replace(/^id: .*\n/m, '').replace(/^license: .*\n/m, '') }]).rules[0];
    if (bare === undefined) throw new Error('the rule does not load');
    const a = JSON.parse(elasticDetectionRule(bare, 'x:"y"', 'lucene', { interval: '5m', enabled: true })) as Record<string, unknown>;
    const b = JSON.parse(elasticDetectionRule(bare, 'x:"y"', 'lucene', { interval: '5m', enabled: true })) as Record<string, unknown>;
    expect(a['license']).toBeUndefined();
    expect(a['rule_id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a['rule_id']).toBe(b['rule_id']);
  });
});
