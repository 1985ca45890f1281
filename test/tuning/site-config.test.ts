import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lineColOf, type Diagnostic } from '../../src/diagnostics.js';
import { loadRuleTexts } from '../../src/rule/load-rules.js';
import { applySiteConfig } from '../../src/tuning/apply-site-config.js';
import { loadSiteConfig, parseSiteConfig } from '../../src/tuning/site-config.js';

const dir = mkdtempSync(join(tmpdir(), 'sigmatch-site-'));
mkdirSync(join(dir, 'rules'));
mkdirSync(join(dir, 'tuning'));

const where = (text: string, d: Diagnostic) => {
  const p = lineColOf(text, d.span?.start ?? -1);
  return `${d.code}@${p.line}:${p.column}`;
};

const good = `rules: [rules]
filters:
  - tuning
placeholders:
  admins: [CORP\\adm_a, CORP\\adm_b]
  port: 8443
min-level: medium
levels:
  86DE11E8-17C8-5346-ADD9-448B2AACE1CE: critical
  proc_creation_name: low
disable:
  - 94efc546-0b93-5fbc-818b-ec1050986ed3
output:
  format: jsonl
  file: out/alerts.jsonl
  show-suppressed: true
  group-window: 5m
`;

describe('site configuration', () => {
  test('every key is read, paths resolved against the file, ids lower case', () => {
    const file = join(dir, 'sigmatch.yml');
    const { config, diagnostics } = parseSiteConfig(file, good);
    expect(diagnostics).toEqual([]);
    expect(config?.rules).toEqual([join(dir, 'rules')]);
    expect(config?.filters).toEqual([join(dir, 'tuning')]);
    expect(config?.placeholders).toEqual(new Map([['admins', ['CORP\\adm_a', 'CORP\\adm_b']], ['port', ['8443']]]));
    expect(config?.minLevel).toBe('medium');
    expect(config?.levels).toEqual(new Map([['86de11e8-17c8-5346-add9-448b2aace1ce', 'critical'], ['proc_creation_name', 'low']]));
    expect([...(config?.disabled ?? [])]).toEqual(['94efc546-0b93-5fbc-818b-ec1050986ed3']);
    expect(config?.output).toEqual({ format: 'jsonl', file: join(dir, 'out/alerts.jsonl'), showSuppressed: true, groupWindowMs: 300_000 });
  });

  test.each([
    ['an unknown top-level key', 'rules: [rules]\nminimum-level: high\n', ['config-unknown-key@2:1']],
    ['an unknown output key', 'output:\n  format: csv\n  colour: no\n', ['config-unknown-key@3:3']],
    ['a bad level', 'min-level: severe\n', ['config-level@1:12']],
    ['a bad per-rule level', 'levels:\n  abc: 3\n', ['config-type@2:8']],
    ['a missing path', 'rules:\n  - rules\n  - nowhere\n', ['config-path-missing@3:5']],
    ['a bad format', 'output:\n  format: xml\n', ['config-format@2:11']],
    ['a bad duration', 'output:\n  group-window: 5 minutes\n', ['config-duration@2:17']],
    ['a non-boolean', 'output:\n  show-suppressed: yes please\n', ['config-type@2:20']],
    ['disable as a map', 'disable:\n  a: b\n', ['config-type@2:3']],
    ['a YAML error', 'rules: [rules\nmin-level: high\n', ['yaml-syntax@']],
    ['a duplicate key', 'min-level: high\nmin-level: low\n', ['yaml-duplicate-key@2:1']],
  ])('%s: its code and line:column', (_name, text, expected) => {
    const { diagnostics } = parseSiteConfig(join(dir, 'sigmatch.yml'), text);
    const got = diagnostics.map((d) => where(text, d));
    expect(got.length).toBe(expected.length);
    expected.forEach((e, i) => expect(got[i]?.startsWith(e)).toBe(true));
  });

  test('a duplicate key in a map of 100,000 keys is still found, with its line:column', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `  r${i}: high\n`);
    const text = `levels:\n${keys.join('')}  r5: low\n`;
    const { diagnostics } = parseSiteConfig(join(dir, 'sigmatch.yml'), text);
    expect(diagnostics.map((d) => where(text, d))).toEqual([expect.stringMatching(/^yaml-duplicate-key@100002:3/)]);
  });

  test('a bad entry is left out and the rest still loads', () => {
    const text = 'rules: [rules, nowhere]\nmin-level: severe\nlevels:\n  a: high\n  b: loud\noutput:\n  format: csv\n  colour: red\n';
    const { config, diagnostics } = parseSiteConfig(join(dir, 'sigmatch.yml'), text);
    expect(diagnostics.map((d) => where(text, d))).toEqual(['config-path-missing@1:16', 'config-level@2:12', 'config-level@5:6', 'config-unknown-key@8:3']);
    expect(config?.rules).toEqual([join(dir, 'rules')]);
    expect(config?.minLevel).toBeUndefined();
    expect(config?.levels).toEqual(new Map([['a', 'high']]));
    expect(config?.output.format).toBe('csv');
  });

  test('found in the working folder; --config wins; none is no config and no error; a missing --config is an error', () => {
    writeFileSync(join(dir, 'sigmatch.yml'), 'min-level: high\n');
    writeFileSync(join(dir, 'other.yml'), 'min-level: low\n');
    expect(loadSiteConfig(dir).config?.minLevel).toBe('high');
    expect(loadSiteConfig(dir, 'other.yml').config?.minLevel).toBe('low');
    const none = loadSiteConfig(join(dir, 'rules'));
    expect(none.config).toBeUndefined();
    expect(none.diagnostics).toEqual([]);
    expect(loadSiteConfig(dir, 'absent.yml').diagnostics.map((d) => d.code)).toEqual(['config-unreadable']);
  });

  test('applied to rules: disables by id, overrides levels, warns of unknown ids where they are written', () => {
    const rule = (id: string, level: string) => `title: R ${id}\nid: ${id}\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image: x}\n  condition: sel\nlevel: ${level}\n`;
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    const rules = loadRuleTexts([{ file: 'a.yml', text: rule(a, 'low') }, { file: 'b.yml', text: rule(b, 'high') }]).rules;
    const text = `levels:\n  ${a.toUpperCase()}: critical\ndisable:\n  - ${b}\n  - 33333333-3333-4333-8333-333333333333\n`;
    const { config } = parseSiteConfig(join(dir, 'sigmatch.yml'), text);
    const applied = applySiteConfig(rules, config!);
    expect(applied.rules.map((r) => [r.id, r.level])).toEqual([[a, 'critical']]);
    expect(applied.disabled.map((r) => r.id)).toEqual([b]);
    expect(applied.diagnostics.map((d) => where(text, d))).toEqual(['config-unknown-rule@5:5']);
  });
});
