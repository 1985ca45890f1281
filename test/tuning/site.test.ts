import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadRules } from '../../src/rule/load-rules.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { writeSiteWeeks } from './site-weeks.js';

const ROOT = resolve(__dirname, '../..');
// The twelve network rules of the pack, named one by one: the site's baseline is about them.
const NET_RULES = readdirSync(join(ROOT, 'rules')).filter((f) => f.startsWith('net_connection_win_')).sort();
const ruleArgs = NET_RULES.flatMap((f) => ['--rules', join(ROOT, 'rules', f)]);

interface EcsAlert {
  rule: { name: string };
  host: { name: string };
  process: { name: string };
  destination: { ip: string; port: number };
}
const alertsOf = (stdout: string): EcsAlert[] => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EcsAlert);
const key = (a: { utility: string; host: string; destinationIp: string; port: number }) => `${a.utility.toLowerCase()}@${a.host.toLowerCase()}->${a.destinationIp}:${a.port}`;

describe('the site test: baseline a normal week, hunt an attack week with the learned filters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmatch-site-'));
  const site = writeSiteWeeks(dir);
  const tuning = join(dir, 'tuning');

  test('exactly the attacks alert; the known-good activity is suppressed', async () => {
    expect(NET_RULES.length).toBe(12);
    const learned = await sigmatchAsync(['baseline', ...ruleArgs, '--out', tuning, '--min-count', '2', site.baseline]);
    expect(learned.stderr).toBe('');
    expect(learned.code).toBe(0);
    // BGInfo for each of five users, cdb for two developers, odbcconf, the administrator's cmstp.
    expect(learned.stdout).toMatch(/Wrote 4 filter files/);
    expect(learned.stdout).toContain('mf_baseline_net_connection_win_bginfo_initiated_connection.yml  5 entries, 25 events');
    expect(learned.stdout).toContain('mf_baseline_net_connection_win_cdb_initiated_connection.yml  2 entries');
    expect(learned.stdout).toContain('mf_baseline_net_connection_win_odbcconf_initiated_connection.yml  1 entry, 5 events');
    expect(learned.stdout).toContain('mf_baseline_net_connection_win_cmstp_initiated_connection.yml  1 entry, 2 events');

    // The learned files are Sigma filters our parser loads without an error.
    const filters = loadRules([tuning]);
    expect(filters.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(filters.filters.length).toBe(9);
    expect(filters.rules.length).toBe(0);

    // Without the filters the attack week alerts on the normal activity too.
    const raw = await sigmatchAsync(['hunt', ...ruleArgs, '--format', 'jsonl', '--quiet', site.attack]);
    const rawAlerts = alertsOf(raw.stdout);
    expect(rawAlerts.length).toBe(site.normalPerWeek + site.attacks.length);

    // With them (today: the filter folder as one more --rules path), exactly the attacks.
    const tuned = await sigmatchAsync(['hunt', ...ruleArgs, '--rules', tuning, '--format', 'jsonl', '--quiet', site.attack]);
    expect(tuned.code).toBe(1);
    const got = alertsOf(tuned.stdout).map((a) => key({ utility: a.process.name, host: a.host.name, destinationIp: a.destination.ip, port: a.destination.port }));
    expect(got.sort()).toEqual(site.attacks.map(key).sort());
    // Among them the attack by a utility with a known-good entry (odbcconf, its own user and host) to a new destination.
    expect(got).toContain('odbcconf.exe@ws03.corp.example->192.0.2.66:443');
  });

  test('the learned entry says how often, on how many hosts, first and last seen', () => {
    const text = readFileSync(join(tuning, 'mf_baseline_net_connection_win_odbcconf_initiated_connection.yml'), 'utf8');
    expect(text).toContain('# 5 events on 1 host (ws03.corp.example), first seen 2026-11-02T14:00:07Z, last seen 2026-11-06T14:00:07Z');
    expect(text).toContain("title: 'Known good: odbcconf.exe to db.vendor-example.com:1433 as CORP\\carol'");
    expect(text).toContain('condition: not selection');
  });

  test('entries below --min-hosts are left out and listed', async () => {
    const out = join(dir, 'tuning-2-hosts');
    const r = await sigmatchAsync(['baseline', ...ruleArgs, '--out', out, '--min-hosts', '2', site.baseline]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote 0 filter files/);
    expect(r.stdout).toMatch(/Left out, below --min-count 1 or --min-hosts 2: 9/);
    expect(r.stdout).toContain('Outbound Network Connection Initiated By Cmstp.EXE: cmstp.exe to 198.51.100.0/24:443 as CORP\\adm_frank (2 events on 1 host)');
  });

  test('with the whole built-in pack (its chain correlation too): the attacks and their chains alert, and the summary counts each filter', async () => {
    const pack = join(ROOT, 'rules');
    const out = join(dir, 'tuning-pack');
    const learned = await sigmatchAsync(['baseline', '--rules', pack, '--out', out, site.baseline]);
    expect(learned.code).toBe(0);
    // The chain's process-start rule raises no alert of its own, but its known-good runs are learned: filters
    // gate a rule's matches before they feed a correlation.
    expect(learned.stdout).toContain('mf_baseline_correlation_proxy_utility_chain.yml  9 entries, 52 events');
    const r = await sigmatchAsync(['hunt', '--rules', pack, '--rules', out, '--format', 'jsonl', site.attack]);
    const alerts = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { rule: { name: string }; host: { name: string }; destination?: { ip: string } });
    const chains = alerts.filter((a) => a.destination === undefined);
    expect(alerts.length - chains.length).toBe(site.attacks.length);
    expect(chains.map((a) => `${a.rule.name}@${a.host.name}`).sort()).toEqual(site.attacks.map((a) => `Proxy-Execution Utility Started and Connected Out@${a.host}`).sort());
    // Every learned entry suppressed something in the attack week, and the summary says how much of what.
    const titles = [...loadRules([out]).filters.map((f) => f.title)];
    expect(titles.length).toBe(18);
    for (const t of titles) expect(r.stderr).toContain(t);
  });
});
