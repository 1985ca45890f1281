import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { corpusAvailable } from '../helpers.js';
import { parseQuery } from '../backends/spl-model/parse.js';
import { parsePipeline } from '../backends/spl-model/pipeline.js';
import { sigmatchAsync } from './run-cli.js';

/** `convert --target splunk --format savedsearches`: one savedsearches.conf a site drops into an app's local/. */
const dir = mkdtempSync(join(tmpdir(), 'sigmatch-savedsearches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * savedsearches.conf read as Splunk reads a .conf file: `#` comment lines, `[stanza]` headers, `key = value`, and a
 * value continued on the next line when its line ends in a backslash (the line break is kept). A key given twice
 * in one stanza, or a line that is none of these, fails the test.
 */
function readConf(text: string): Map<string, Map<string, string>> {
  const stanzas = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const head = /^\[([^\]]*)\]$/.exec(line);
    if (head !== null) {
      expect(stanzas.has(head[1] as string), `stanza [${head[1]}] twice`).toBe(false);
      current = new Map();
      stanzas.set(head[1] as string, current);
      continue;
    }
    while (line.endsWith('\\')) line = line.slice(0, -1) + '\n' + (lines[++i] as string);
    const kv = /^([A-Za-z_.]+) = ([^]*)$/.exec(line);
    expect(kv, `line ${i + 1}: ${line}`).not.toBeNull();
    expect(current, 'a setting before any stanza').toBeDefined();
    expect(current!.has(kv![1] as string), `${kv![1]} twice`).toBe(false);
    current!.set(kv![1] as string, kv![2] as string);
  }
  return stanzas;
}

/** The query as the conf holds it: our continuation is " \" at a line's end, so a stored line break follows a space. */
const queryOf = (search: string) => search.replace(/ \n/g, '\n');

const SEVERITY: Record<string, string> = { informational: '2', low: '3', medium: '4', high: '5', critical: '6' };

describe('convert --format savedsearches', () => {
  test('the pack and a SigmaHQ folder: a [default] schedule, one stanza per converted rule with its query, severity and schedule', async () => {
    corpusAvailable();
    const rules = ['rules/', '../shared/corpus/sigmahq/rules/windows/network_connection', '../shared/corpus/sigmahq/rules/windows/process_creation'];
    const out = join(dir, 'app');
    const r = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'savedsearches', '--schedule', '15m', '--output', out, ...rules]);
    expect(r.code).toBe(1); // some SigmaHQ rules are refused (listed on stderr), the others written
    const listing = JSON.parse((await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'json', ...rules])).stdout) as {
      rules: Array<{ id: string | null; title: string; query: string | null; file: string }>;
      correlations: Array<{ title: string; query: string | null }>;
    };
    const converted = listing.rules.filter((x) => x.query !== null);
    const conf = readConf(readFileSync(join(out, 'savedsearches.conf'), 'utf8'));
    const defaults = conf.get('default');
    expect(Object.fromEntries(defaults ?? [])).toMatchObject({
      enableSched: '1',
      cron_schedule: '*/15 * * * *',
      'dispatch.earliest_time': '-20m@m',
      'dispatch.latest_time': '-5m@m',
      counttype: 'number of events',
      relation: 'greater than',
      quantity: '0',
    });
    const all = [...conf].filter(([name]) => name !== 'default');
    // The rules' stanzas, then the converted correlations' (the pack's event_count one): its search is the listing's
    // query with the run's own windows kept, a range one timespan longer, read by the SPL model.
    const correlations = listing.correlations.filter((c) => c.query !== null);
    expect(correlations.length).toBeGreaterThan(0);
    expect(all.length).toBe(converted.length + correlations.length);
    const stanzas = all.slice(0, converted.length);
    for (const [k, [name, settings]] of all.slice(converted.length).entries()) {
      const c = correlations[k]!;
      expect(name).toBe(c.title);
      const search = queryOf(settings.get('search') as string);
      expect(search.startsWith(`${c.query}\n| addinfo\n| where window_end_ms > (info_max_time - 900) * 1000 AND`)).toBe(true);
      expect(() => parsePipeline(search)).not.toThrow();
      expect(settings.get('dispatch.earliest_time')).toMatch(/^-\d+m@m$/);
      // The pack's count correlation feeds the chain (generate: false): a hunt outputs no firing of it.
      expect(settings.get('enableSched'), name).toBe('0');
    }
    expect(stanzas.length).toBeGreaterThan(400);
    const levels = new Map<string, string>();
    for (const file of new Set(converted.map((c) => c.file))) {
      const level = /^level: *(\w+)/m.exec(readFileSync(file, 'utf8'))?.[1];
      if (level !== undefined) levels.set(file, level);
    }
    let unscheduled = 0;
    for (const [i, [name, settings]] of stanzas.entries()) {
      const source = converted[i]!;
      expect(name.startsWith(source.title.replace(/\s+/g, ' ').replace(/\[/g, '(').replace(/\]/g, ')').trim()), name).toBe(true);
      const search = settings.get('search') as string;
      expect(queryOf(search)).toBe(source.query);
      // The search as stored is still SPL our model of the language reads (search terms, then `| where`).
      expect(() => parseQuery(queryOf(search))).not.toThrow();
      expect(settings.get('description')).toContain(source.id ?? source.title);
      const level = levels.get(source.file);
      if (level !== undefined && !source.file.startsWith('rules/correlation')) expect(settings.get('alert.severity'), name).toBe(SEVERITY[level]);
      if (settings.get('enableSched') === '0') unscheduled++;
    }
    // The chain correlations' three input rules (generate: false) are saved but not scheduled; every other rule alerts.
    expect(unscheduled).toBe(3);
    for (const input of ['Proxy-Execution Utility Started', 'Proxy-Execution Utility Writes an Executable File', 'Process Started From a User-Writable Folder']) {
      expect(conf.get(input)?.get('enableSched'), input).toBe('0');
    }
    expect(r.stderr).toMatch(/\d+ rules: \d+ converted to splunk, \d+ refused/);
  });

  test('a multi-line search is continued with backslashes, a bad schedule or target is a usage error', async () => {
    const r = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'savedsearches', '--schedule', '1h', '--lag', '10', 'rules/net_connection_win_cmstp_initiated_connection.yml']);
    expect(r.code).toBe(0);
    const conf = readConf(r.stdout);
    expect(Object.fromEntries(conf.get('default') ?? [])).toMatchObject({ cron_schedule: '0 * * * *', 'dispatch.earliest_time': '-70m@m', 'dispatch.latest_time': '-10m@m' });
    const [, stanza] = [...conf].find(([n]) => n !== 'default')!;
    expect(stanza.get('search')).toMatch(/ \n\| where /);
    expect(stanza.get('alert.severity')).toBe('5');
    const bad = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'savedsearches', '--schedule', '7m', 'rules/']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--schedule 7m: a cron schedule repeats evenly only every .* minutes/)]);
    const wrong = await sigmatchAsync(['convert', '--target', 'postgres', '--format', 'savedsearches', 'rules/']);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/needs --target splunk \(not postgres\)/)]);
    const lag = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'savedsearches', '--lag', 'soon', 'rules/']);
    expect([lag.code, lag.stderr]).toEqual([2, expect.stringMatching(/--lag soon: expected whole minutes/)]);
  });
});
