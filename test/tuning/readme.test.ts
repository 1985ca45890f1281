import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileRule } from '../../src/compile/compile-rule.js';
import { EventCache } from '../../src/compile/event-cache.js';
import { eventFromObject, type FieldValue } from '../../src/event/event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules, loadRuleTexts } from '../../src/rule/load-rules.js';
import { filterVerdicts } from '../../src/tuning/filter-verdict.js';
import { parseSiteConfig } from '../../src/tuning/site-config.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { writeSiteWeeks } from './site-weeks.js';

const ROOT = resolve(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a section (from its heading to the next heading of the same or a higher level). */
function section(heading: string): string {
  const at = README.indexOf(`\n${heading}`);
  if (at < 0) throw new Error(`README has no section ${heading}`);
  const level = (/^#+/.exec(heading) as RegExpExecArray)[0].length;
  const rest = README.slice(at + heading.length + 1);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}
/** The fenced code blocks of a text with this info string ('' for none), read fence by fence. */
function blocks(text: string, lang: string): string[] {
  const out: string[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (open === undefined && line.startsWith('```')) open = { lang: line.slice(3).trim(), lines: [] };
    else if (open !== undefined && line === '```') {
      if (open.lang === lang) out.push(open.lines.join('\n') + '\n');
      open = undefined;
    } else open?.lines.push(line);
  }
  return out;
}

const pack = loadRules([join(ROOT, 'rules')]).rules.filter((r) => r.logsource.category === 'network_connection');
const sysmon = (f: Record<string, FieldValue>) => eventFromObject({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3, Initiated: 'true', DestinationHostname: '-', ...f });

/** The activity each README entry describes, as Sysmon would log it. */
const KNOWN_GOOD: Record<string, Record<string, FieldValue>> = {
  'microsoft.workflow.compiler.exe': { Image: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Microsoft.Workflow.Compiler.exe', User: 'CORP\\svc_build', DestinationIp: '192.0.2.10', DestinationHostname: 'pkgs.dev.azure.com', DestinationPort: 443 },
  'bginfo.exe': { Image: 'C:\\Tools\\Sysinternals\\Bginfo.exe', User: 'CORP\\alice', DestinationIp: '198.51.100.20', DestinationPort: 445 },
  'cdb.exe': { Image: 'C:\\Program Files (x86)\\Windows Kits\\10\\Debuggers\\x64\\cdb.exe', User: 'CORP\\dev_anna', DestinationIp: '192.0.2.80', DestinationHostname: 'msdl.microsoft.com', DestinationPort: 443 },
  'cmstp.exe': { Image: 'C:\\Windows\\System32\\cmstp.exe', User: 'CORP\\adm_frank', DestinationIp: '198.51.100.77', DestinationPort: 443 },
  'csi.exe': { Image: 'C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\MSBuild\\Current\\Bin\\Roslyn\\csi.exe', User: 'CORP\\dev_ben', DestinationIp: '192.0.2.90', DestinationHostname: 'api.nuget.org', DestinationPort: 443 },
  'dnx.exe': { Image: 'C:\\Users\\svc_build\\.dnx\\runtimes\\dnx-clr-win-x86.1.0.0-rc1-update2\\bin\\dnx.exe', User: 'CORP\\svc_build', DestinationIp: '192.0.2.91', DestinationHostname: 'www.nuget.org', DestinationPort: 443 },
  'fsi.exe': { Image: 'C:\\Program Files\\Microsoft Visual Studio\\2022\\Professional\\Common7\\IDE\\CommonExtensions\\Microsoft\\FSharp\\Tools\\fsi.exe', User: 'CORP\\data_zoe', DestinationIp: '192.0.2.90', DestinationHostname: 'api.nuget.org', DestinationPort: 443 },
  'ieexec.exe': { Image: 'C:\\Windows\\Microsoft.NET\\Framework\\v2.0.50727\\ieexec.exe', User: 'CORP\\carol', DestinationIp: '203.0.113.9', DestinationHostname: 'timesheet.vendor-example.com', DestinationPort: 443 },
  'iexpress.exe': { Image: 'C:\\Windows\\System32\\iexpress.exe', User: 'CORP\\svc_package', DestinationIp: '198.51.100.20', DestinationPort: 445 },
  'odbcconf.exe': { Image: 'C:\\Windows\\System32\\odbcconf.exe', User: 'CORP\\carol', DestinationIp: '203.0.113.40', DestinationPort: 1433 },
  'rcsi.exe': { Image: 'C:\\Users\\svc_build\\.nuget\\packages\\Microsoft.Net.Compilers.Toolset\\4.8.0\\tasks\\net472\\rcsi.exe', User: 'CORP\\svc_build', DestinationIp: '192.0.2.90', DestinationHostname: 'api.nuget.org', DestinationPort: 443 },
  'xwizard.exe': { Image: 'C:\\Windows\\System32\\xwizard.exe', User: 'CORP\\bob', DestinationIp: '198.51.100.30', DestinationPort: 445 },
};

describe('README: the tuning section', () => {
  const yaml = blocks(section('## Tuning'), 'yaml');
  const loaded = loadRuleTexts([{ file: 'README.md#tuning', text: yaml[0] ?? '' }]);

  test('its filters load without an error: one per utility, each naming its utility\'s rule of the pack', () => {
    expect(yaml.length).toBe(1);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.filters.length).toBe(12);
    expect(pack.length).toBe(12);
    const named = loaded.filters.flatMap((f) => (f.rules === 'any' ? [] : f.rules));
    expect(named.sort()).toEqual(pack.map((r) => r.id).sort());
  });

  test.each(Object.keys(KNOWN_GOOD))('%s: the entry suppresses the activity it describes, and not the utility going elsewhere', (utility) => {
    const rule = pack.find((r) => (r.detections.get('selection')?.node.kind === 'allOf' ? JSON.stringify(r.raw).toLowerCase().includes(`\\\\${utility}`) : false));
    expect(rule, utility).toBeDefined();
    const resolved = resolveWindowsLogsource(rule!);
    const compiled = compileRule(rule!, 'condition' in resolved ? resolved.condition : undefined).compiled!;
    const good = sysmon(KNOWN_GOOD[utility]!);
    const attack = sysmon({ ...KNOWN_GOOD[utility]!, DestinationIp: '192.0.2.66', DestinationHostname: '-', DestinationPort: 443 });
    for (const e of [good, attack]) expect(compiled.matcher(new EventCache(e))).toBe(true);
    expect(filterVerdicts(loaded.filters, rule!, good).filter((v) => v.suppresses).length).toBe(1);
    expect(filterVerdicts(loaded.filters, rule!, attack).some((v) => v.suppresses)).toBe(false);
  });
});

describe('README: the other examples run', () => {
  test('the sigmatch.yml example parses without a diagnostic', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-readme-'));
    mkdirSync(join(dir, 'rules'));
    mkdirSync(join(dir, 'tuning'));
    const [text] = blocks(section('### The site configuration: `sigmatch.yml`'), 'yaml');
    const { config, diagnostics } = parseSiteConfig(join(dir, 'sigmatch.yml'), text ?? '');
    expect(diagnostics).toEqual([]);
    expect(config?.minLevel).toBe('medium');
    expect(config?.output.groupWindowMs).toBe(300_000);
    expect(config?.placeholders.get('admins')).toEqual(['CORP\\adm_frank', 'CORP\\adm_grace']);
  });

  test('the explain example prints what the README shows', async () => {
    const text = section('### `sigmatch explain --rule ID|FILE (--event FILE[:RECORD] | --event-json TEXT) [options]`');
    const [command] = blocks(text, 'sh');
    const [shown] = blocks(text, '');
    const args = (command ?? '').trim().split(/\s+/).slice(1);
    const r = await sigmatchAsync(args);
    expect(r.code).toBe(0);
    for (const line of (shown ?? '').split('\n').filter((l) => l !== '' && !l.includes('...'))) expect(r.stdout).toContain(line);
  });

  test('the baseline and tune outputs shown are what the site test gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigmatch-readme-site-'));
    const site = writeSiteWeeks(dir);
    const rules = readdirSync(join(ROOT, 'rules')).filter((f) => f.startsWith('net_connection_win_')).flatMap((f) => ['--rules', join(ROOT, 'rules', f)]);
    const b = await sigmatchAsync(['baseline', ...rules, '--out', join(dir, 'tuning/'), '--min-count', '2', site.baseline]);
    const [shownBaseline] = blocks(section('### `sigmatch baseline PATH... --out DIR [--rules PATH]... [--min-count N] [--min-hosts N]`'), '');
    expect(b.stdout.replace(join(dir, 'tuning/'), 'tuning/')).toBe(shownBaseline);
    const alerts = join(dir, 'alerts.jsonl');
    await sigmatchAsync(['hunt', ...rules, '--format', 'jsonl', '--quiet', '--output', alerts, site.attack]);
    const t = await sigmatchAsync(['tune', ...rules, '--top', '3', alerts]);
    const [shownTune] = blocks(section('### `sigmatch tune PATH... [--rules PATH]... [--top N] [--min-count N] [--min-hosts N]`'), '');
    for (const line of (shownTune ?? '').split('\n').filter((l) => l !== '' && l !== '...')) expect(t.stdout).toContain(line);
  });
});
