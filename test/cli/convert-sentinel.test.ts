import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { corpusAvailable } from '../helpers.js';
import { loadRules } from '../../src/rule/load-rules.js';
import { kustoChecker } from '../backends/kql-language-service.js';
import { sigmatchAsync } from './run-cli.js';

/** `convert --format sentinel`: Microsoft Sentinel scheduled analytics rules a site deploys, one YAML file a rule. */
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-sentinel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface AnalyticsRule {
  id: string;
  name: string;
  description: string;
  severity: string;
  requiredDataConnectors: Array<{ connectorId: string; dataTypes: string[] }>;
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: string;
  triggerThreshold: number;
  tactics: string[];
  relevantTechniques: string[];
  query: string;
  entityMappings: Array<{ entityType: string; fieldMappings: Array<{ identifier: string; columnName: string }> }>;
  version: string;
  kind: string;
}

const INPUTS = ['Proxy-Execution Utility Started', 'Proxy-Execution Utility Writes an Executable File', 'Process Started From a User-Writable Folder'];
/** The pack's four chain correlations KQL converts (the fifth selects rules by level). */
const CORRELATION_IDS = ['5009929b-bc4b-4604-9f4e-de41ad84749d', '6df8b8a4-41d1-4821-985f-39b79e2cfb3d', 'd041478b-e49a-4a01-afca-55f0ef82d64d', 'f5253764-7891-48c2-ba0e-055a92240e06'];

const SENTINEL_TACTICS = ['Reconnaissance', 'ResourceDevelopment', 'InitialAccess', 'Execution', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion', 'CredentialAccess', 'Discovery', 'LateralMovement', 'Collection', 'Exfiltration', 'CommandAndControl', 'Impact'];

describe('convert --format sentinel', () => {
  test('the pack and a SigmaHQ folder become analytics rules: ids, severity, ATT&CK from tags, schedule, the same query as the listing', async () => {
    corpusAvailable();
    const rules = ['rules/', '../shared/corpus/sigmahq/rules/windows/process_creation'];
    const out = join(dir, 'analytics');
    const r = await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'sentinel', '--schedule', '1h', '--output', out, ...rules]);
    expect(r.code).toBe(1); // some SigmaHQ rules are refused (listed on stderr), the others written
    const listing = JSON.parse((await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'json', ...rules])).stdout) as { rules: Array<{ id: string | null; title: string; query: string | null }> };
    // The chain's three inputs (generate: false) raise no alert of their own: no analytics rule (stderr says so).
    expect(r.stderr).toMatch(/3 rules only feeding correlations \(generate: false\) not written as analytics rules/);
    const converted = listing.rules.filter((x) => x.query !== null && !INPUTS.includes(x.title));
    const files = readdirSync(out).filter((f) => !CORRELATION_IDS.includes(f.replace(/\.yaml$/, '')));
    expect(files.length).toBe(converted.length);
    expect(files.length).toBeGreaterThan(500);
    let unions = 0;
    for (const f of files) {
      const doc = parse(readFileSync(join(out, f), 'utf8')) as AnalyticsRule;
      expect(doc.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const source = converted.find((x) => x.id === doc.id || x.title === doc.name);
      expect(source, f).toBeDefined();
      expect(doc.query).toBe(source?.query);
      expect(['Informational', 'Low', 'Medium', 'High']).toContain(doc.severity);
      expect(doc.kind).toBe('Scheduled');
      expect([doc.queryFrequency, doc.queryPeriod]).toEqual(['1h', '1h']);
      expect([doc.triggerOperator, doc.triggerThreshold]).toEqual(['gt', 0]);
      for (const t of doc.tactics) expect(SENTINEL_TACTICS).toContain(t);
      for (const t of doc.relevantTechniques) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect(doc.entityMappings).toEqual([{ entityType: 'Host', fieldMappings: [{ identifier: 'FullName', columnName: 'Computer' }] }]);
      // A query over SecurityEvent (Security 4688 in a process_creation rule's union) names its connectors.
      if (/\(\s*SecurityEvent\b/.test(doc.query)) {
        unions++;
        expect(doc.requiredDataConnectors.map((c) => c.connectorId)).toEqual(['SecurityEvents', 'WindowsSecurityEvents']);
      }
    }
    expect(unions).toBeGreaterThan(100);
    // The cmstp rule of the pack: high, Defense Evasion, T1218.003.
    const cmstp = parse(readFileSync(join(out, '47c894ee-c2b8-55e8-b332-3ba3ee37e8ce.yaml'), 'utf8')) as AnalyticsRule;
    expect([cmstp.name, cmstp.severity, cmstp.tactics, cmstp.relevantTechniques]).toEqual(['Outbound Network Connection Initiated By Cmstp.EXE', 'High', ['DefenseEvasion'], ['T1218.003']]);
    expect(cmstp.description).toContain('Converted by sigmatch from the Sigma rule 47c894ee-c2b8-55e8-b332-3ba3ee37e8ce');
  });

  test('the chain correlations become analytics rules: lookback of schedule + timespan, only windows that ended in the last schedule, valid KQL', async () => {
    const out = join(dir, 'correlations');
    const r = await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'sentinel', '--schedule', '1h', '--output', out, 'rules/']);
    expect(r.code).toBe(1); // the level-selector correlation is refused (listed on stderr)
    const listing = JSON.parse((await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'json', 'rules/'])).stdout) as { correlations: Array<{ id: string; title: string; query: string | null }> };
    const check = kustoChecker();
    const written = listing.correlations.filter((c) => c.query !== null);
    expect(written.map((c) => c.id).sort()).toEqual([...CORRELATION_IDS].sort());
    // Each looks back an hour plus its own timespan (1 to 10 minutes in the pack).
    const timespan = new Map(loadRules(['rules/']).correlations.map((c) => [c.id, c.timespan]));
    for (const c of written) {
      const doc = parse(readFileSync(join(out, `${c.id}.yaml`), 'utf8')) as AnalyticsRule;
      expect([doc.name, doc.queryFrequency, doc.queryPeriod, doc.kind]).toEqual([c.title, '1h', `${(3600 + (timespan.get(c.id) as number)) / 60}m`, 'Scheduled']);
      expect(doc.query.startsWith(c.query as string)).toBe(true);
      expect(doc.query.slice((c.query as string).length)).toBe('\n| where window_end_ms > tolong((ago(1h) - datetime(1970-01-01)) / 1ms) and window_end_ms <= tolong((now() - datetime(1970-01-01)) / 1ms)');
      expect(check(doc.query), c.title).toEqual([]);
      expect(doc.entityMappings).toEqual([{ entityType: 'Host', fieldMappings: [{ identifier: 'FullName', columnName: 'Computer' }] }]);
    }
  });

  test('to stdout the rules are YAML documents; another target or a bad schedule is a usage error', async () => {
    const r = await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'sentinel', 'rules/net_connection_win_cmstp_initiated_connection.yml', 'rules/net_connection_win_odbcconf_initiated_connection.yml']);
    expect(r.code, r.stderr).toBe(0);
    const docs = r.stdout.split(/^---$/m).map((d) => parse(d) as AnalyticsRule);
    expect(docs.map((d) => d.queryFrequency)).toEqual(['5m', '5m']);
    expect(docs.map((d) => d.name).sort()).toEqual(['Outbound Network Connection Initiated By Cmstp.EXE', 'Outbound Network Connection Initiated By Odbcconf.EXE']);
    const wrong = await sigmatchAsync(['convert', '--target', 'postgres', '--format', 'sentinel', 'rules/']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--format sentinel writes Microsoft Sentinel analytics rules: it needs --target kql-sentinel (not postgres)');
    const bad = await sigmatchAsync(['convert', '--target', 'kql-sentinel', '--format', 'sentinel', '--schedule', '5 minutes', 'rules/']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--schedule 5 minutes: expected minutes, hours or days such as 5m, 1h, 1d');
  });
});
