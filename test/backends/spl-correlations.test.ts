import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { networkConnect, sysmonGuid, type ProcessSpec } from '../../bench/sysmon-events.js';
import { convertRule } from '../../src/backends/convert-rule.js';
import { BACKENDS } from '../../src/backends/registry.js';
import { convertCorrelationsSpl, SPL_FIRING_COLUMNS } from '../../src/backends/splunk/spl-correlation.js';
import type { ConvertedCorrelation } from '../../src/backends/sql/sql-correlation.js';
import type { Event } from '../../src/event/event.js';
import { readEvtxBuffer } from '../../src/formats/evtx/read-evtx.js';
import { writeEvtxFile, type WriterEvent } from '../../src/formats/evtx/write-evtx.js';
import { normalizeWindowsEvent } from '../../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../../src/pipeline/windows-logsources.js';
import { loadRules, loadRuleTexts } from '../../src/rule/load-rules.js';
import { CORRELATION_TYPES, correlationStream } from '../engine/correlation-stream.js';
import { eventLoopTurn } from '../helpers.js';
import { sigmatchAsync } from '../cli/run-cli.js';
import { engineFirings, firingKey, titleOf } from './correlation-firings.js';
import { parsePipeline, runPipeline, type TieOrder } from './spl-model/pipeline.js';
import { splunkRows } from './spl-model/splunk-rows.js';

/**
 * Correlations converted to SPL (MODELLED: no Splunk here): each converted search, run in the SPL model
 * (test/backends/spl-model/pipeline.ts: multisearch, eval, where, sort, streamstats with window, global and
 * reset_after as the search reference states them) over the events as the Windows add-on presents them, gives the
 * engine's correlation alerts (group, window end, aggregate, contributor count), with ties of sort taken both ways;
 * every other correlation is refused with its reason.
 */
const CONVERTED = ['Burst of Connections', 'Fleet-Wide Connection Burst', 'Per-Process Connections'];
const OUT = new Set<string>(SPL_FIRING_COLUMNS);

function convertAll(paths: readonly string[]): ConvertedCorrelation[] {
  const loaded = loadRules(paths);
  const byRule = new Map(loaded.rules.map((r) => [r, convertRule(r, BACKENDS.splunk, 'splunk', resolveWindowsLogsource)]));
  return convertCorrelationsSpl(loaded.rules, loaded.correlations, (rule) => {
    const r = byRule.get(rule);
    return r?.query !== undefined ? { query: r.query } : { reason: (r?.diagnostics ?? []).map((d) => d.message).join('; ') || 'not converted' };
  });
}

const eventsOf = (file: string): Event[] => [...readEvtxBuffer(readFileSync(file), file)].flatMap((it) => (it.kind === 'record' ? [normalizeWindowsEvent(it.event)] : []));

async function modelFirings(converted: readonly ConvertedCorrelation[], events: readonly Event[], emitted: ReadonlySet<string>, ties: TieOrder): Promise<string[]> {
  const { rows, unrepresentable } = splunkRows(events);
  expect(unrepresentable.size).toBe(0);
  const out: string[] = [];
  for (const c of converted) {
    if (c.query === undefined || !emitted.has(c.correlation.title)) continue;
    for (const row of runPipeline(parsePipeline(c.query), rows.map((r) => r.row), ties)) {
      const value = (k: string) => Number(row[k]?.[0]);
      const group = Object.fromEntries(Object.entries(row).filter(([k]) => !OUT.has(k)).map(([k, v]) => [k, v[0]]));
      expect(value('window_start_ms'), c.correlation.title).toBe(value('window_end_ms') - c.correlation.timespan * 1000);
      expect(value('last_ms')).toBe(value('window_end_ms'));
      expect(value('first_ms')).toBeGreaterThanOrEqual(value('window_start_ms'));
      out.push(firingKey(c.correlation.title, group, value('window_end_ms'), value('aggregate'), value('contributor_count')));
    }
    await eventLoopTurn();
  }
  return out.sort();
}

/**
 * Window edges for the converted counts: three connections of one process exactly 2 minutes apart end to end (both
 * ends inclusive: a burst, and per process a pair exactly 1 minute apart), three more over 2 minutes and 1 ms (no
 * burst), four at one millisecond (a burst and a leftover that starts the next window), and five connections of five
 * hosts exactly 30 s apart end to end (more than four fleet-wide).
 */
function windowEdges(): WriterEvent[] {
  const t0 = Date.parse('2026-06-01T09:00:00Z');
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const proc = (h: number, n: number): ProcessSpec => ({ guid: sysmonGuid(h, n), pid: 4000 + n, image: 'C:\\Windows\\System32\\cmstp.exe', commandLine: 'x', user: 'CORP\\u' });
  const host = 'EDGE.corp.example';
  const p = proc(9, 1);
  const q = proc(9, 2);
  const events = [
    ...[0, 60_000, 120_000].map((ms) => networkConnect(at(ms), host, p, '203.0.113.1', 443)),
    ...[1_000_000, 1_060_000, 1_120_001].map((ms) => networkConnect(at(ms), host, q, '203.0.113.2', 443)),
    ...[0, 1, 2, 3].map((k) => networkConnect(at(2_000_000), host, proc(9, 10 + k), `203.0.113.${10 + k}`, 80)),
    ...[0, 7_500, 15_000, 22_500, 30_000].map((ms, k) => networkConnect(at(3_000_000 + ms), `FLEET${k}.corp.example`, proc(k + 20, 1), '198.51.100.7', 443)),
  ];
  return events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

let dir: string;
const files: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-splcorr-'));
  for (const seed of [3, 11]) {
    const f = join(dir, `stream-${seed}.evtx`);
    writeEvtxFile(f, correlationStream(seed));
    files.push(f);
  }
  const edges = join(dir, 'window-edges.evtx');
  writeEvtxFile(edges, windowEdges());
  files.push(edges);
  await eventLoopTurn();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('correlations converted to SPL', () => {
  test("(modelled) the converted correlations give the engine's firings on two generated streams and the window edges, ties of sort either way", async () => {
    const converted = convertAll([CORRELATION_TYPES]);
    const titles = new Set(converted.filter((c) => c.query !== undefined).map((c) => c.correlation.title));
    expect([...titles].sort()).toEqual(CONVERTED);
    for (const input of files) {
      const want = (await engineFirings(CORRELATION_TYPES, input)).filter((k) => titles.has(titleOf(k)));
      const emitted = new Set(want.map(titleOf));
      // Every converted correlation fires in the engine (else the comparison proves little).
      expect([...emitted].sort(), input).toEqual(CONVERTED);
      if (input.endsWith('window-edges.evtx')) {
        // Both ends inclusive: the burst exactly 2 minutes long and the pair exactly 1 minute apart fire; the tie burst fires once.
        expect(want.length).toBe(5);
        expect(want.some((k) => k.startsWith('Burst of Connections') && k.includes('end 2026-06-01T09:02:00.000Z | 3 | 3 events'))).toBe(true);
        expect(want.some((k) => k.startsWith('Per-Process Connections') && k.includes('end 2026-06-01T09:17:40.000Z | 2 | 2 events'))).toBe(true);
      }
      const events = eventsOf(input);
      for (const ties of ['input', 'reversed'] as const) expect(await modelFirings(converted, events, emitted, ties), `${input} ${ties}`).toEqual(want);
      console.log(`splunk ${input.replace(/^.*\//, '')}: ${want.length} firings of ${emitted.size} correlations, the model's equal to the engine's`);
    }
  }, 60_000);

  test("(modelled) a count over two rules, one of them matching events the other matches too: multisearch gives the engine's firings", async () => {
    // The engine counts an event once per referenced rule it matches; multisearch yields it once per subsearch.
    const base = readFileSync(CORRELATION_TYPES, 'utf8').split('\n---\n').slice(0, 3);
    const extra = [
      'title: Test HTTPS Connection\nname: t_https\nlogsource:\n    category: network_connection\n    product: windows\ndetection:\n    selection:\n        DestinationPort: 443\n    condition: selection\nlevel: low\n',
      'title: Connections Or Writes\nname: c_two\ncorrelation:\n    type: event_count\n    rules: [t_https, t_file, t_net]\n    group-by: [Computer]\n    timespan: 3m\n    condition:\n        gt: 5\nlevel: low\n',
    ];
    const rules = join(dir, 'two-rules.yml');
    writeFileSync(rules, [...base, ...extra].join('\n---\n'));
    const converted = convertAll([rules]);
    expect(converted[0]?.query).toMatch(/^\| multisearch /);
    for (const input of files.slice(0, 2)) {
      const want = await engineFirings(rules, input);
      expect(want.length, input).toBeGreaterThan(10);
      expect(await modelFirings(converted, eventsOf(input), new Set(['Connections Or Writes']), 'input')).toEqual(want);
    }
  }, 60_000);

  test('every other correlation is refused with the reason; the pack\'s chain among them', () => {
    const converted = convertAll([CORRELATION_TYPES]);
    const why = Object.fromEntries(converted.filter((c) => c.query === undefined).map((c) => [c.correlation.title, c.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')]));
    expect(Object.keys(why).length).toBe(converted.length - CONVERTED.length);
    for (const [title, message] of Object.entries(why)) expect(message, title).toMatch(/^convert-correlation: correlation '.*' \(.*?\) cannot be converted to splunk: /);
    expect(why['Many Destinations']).toMatch(/value_count cannot be said exactly in SPL: .*streamstats windows are bounded/);
    expect(why['Start Connect Write On a Host']).toMatch(/temporal cannot be said exactly/);
    expect(why['Two To Four Starts A Minute']).toMatch(/upper side is judged once per complete window.*max_stream_window/);
    expect(why['Exactly Two Writes']).toMatch(/upper side/);
    expect(why['Started Then Repeated Connections']).toMatch(/temporal_ordered cannot be said exactly/);
    const pack = convertAll(['rules/']);
    expect(pack.length).toBeGreaterThan(0);
    for (const c of pack) if (c.query === undefined) expect(c.diagnostics.map((d) => d.code), c.correlation.title).toContain('convert-correlation');
  });

  test('refused with the reason: metric types, a threshold past max_stream_window, a correlation of a correlation, a reserved group-by name', () => {
    const base = (name: string, body: string) => `title: ${name}\nname: ${name}\ncorrelation:\n${body}level: low\n`;
    const text = [
      readFileSync(CORRELATION_TYPES, 'utf8').split('\n---\n').slice(0, 3).join('\n---\n'),
      base('c_sum', '    type: value_sum\n    rules: [t_net]\n    timespan: 5m\n    group-by: [Computer]\n    condition:\n        field: DestinationPort\n        gt: 100\n'),
      base('c_huge', '    type: event_count\n    rules: [t_net]\n    timespan: 5m\n    group-by: [Computer]\n    condition:\n        gte: 10001\n'),
      base('c_inner', '    type: event_count\n    rules: [t_net]\n    timespan: 5m\n    group-by: [Computer]\n    condition:\n        gte: 2\n'),
      base('c_outer', '    type: event_count\n    rules: [c_inner]\n    timespan: 5m\n    group-by: [Computer]\n    condition:\n        gte: 2\n'),
      base('c_reserved', '    type: event_count\n    rules: [t_net]\n    timespan: 5m\n    group-by: [aggregate]\n    condition:\n        gte: 2\n'),
      base('c_two_rules', '    type: event_count\n    rules: [t_net, t_file]\n    timespan: 5m\n    group-by: [Computer]\n    condition:\n        gt: 2\n'),
    ].join('\n---\n');
    const loaded = loadRuleTexts([{ file: 'c.yml', text }]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const queries = new Map(loaded.rules.map((r) => [r, convertRule(r, BACKENDS.splunk, 'splunk', resolveWindowsLogsource).query]));
    const out = convertCorrelationsSpl(loaded.rules, loaded.correlations, (rule) => ({ query: queries.get(rule) as string }));
    const why = Object.fromEntries(out.map((c) => [c.correlation.title, c.diagnostics.map((d) => d.message).join('; ')]));
    expect(why['c_sum']).toMatch(/value_sum cannot be said exactly in SPL: its window is every event/);
    expect(why['c_huge']).toMatch(/threshold \(10001 events\) is more than a streamstats window takes/);
    expect(why['c_outer']).toMatch(/its input 'c_inner' is a correlation/);
    expect(why['c_reserved']).toMatch(/group-by name 'aggregate' is a field name of the converted search/);
    expect(out.find((c) => c.correlation.title === 'c_inner')?.query).toBeDefined();
    // Two rules: one multisearch (an event once per rule that matches it, as the engine counts it); gt 2 is a window of 3.
    const two = out.find((c) => c.correlation.title === 'c_two_rules')?.query as string;
    expect(two).toMatch(/^\| multisearch \[search .*\n\| eval sigma_g0=Computer\] \[search .*\n\| eval sigma_g0=Computer\]\n/);
    expect(two).toContain('window=3 global=false');
    expect(parsePipeline(two)[0]?.kind).toBe('multisearch');
  });

  test('sigmatch convert --target splunk lists the converted correlations with the converter\'s query and writes them to savedsearches.conf', async () => {
    const r = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'json', CORRELATION_TYPES]);
    const listing = JSON.parse(r.stdout) as { correlations: Array<{ title: string; query: string | null }> };
    const direct = convertAll([CORRELATION_TYPES]);
    expect(listing.correlations.map((c) => [c.title, c.query])).toEqual(direct.map((c) => [c.correlation.title, c.query ?? null]));
    expect(r.stderr).toMatch(/13 correlations: 3 converted, 10 refused/);
    const conf = await sigmatchAsync(['convert', '--target', 'splunk', '--format', 'savedsearches', '--schedule', '10m', CORRELATION_TYPES]);
    const stanza = conf.stdout.split('\n[').find((s) => s.startsWith('Burst of Connections]')) as string;
    expect(stanza).toBeDefined();
    expect(stanza).toMatch(/\ndispatch\.earliest_time = -17m@m\n/);
    const search = (/\nsearch = ([^]*)$/.exec(stanza)?.[1] as string).replace(/ \\\n/g, '\n').trimEnd();
    const query = direct.find((c) => c.correlation.title === 'Burst of Connections')?.query as string;
    expect(search.startsWith(query)).toBe(true);
    // Run over the window edges for a range ending a minute after the tie burst: the run keeps the firings whose
    // window ends in its last 10 minutes (the tie burst), not the earlier burst.
    const rows = splunkRows(eventsOf(files[2] as string)).rows.map((x) => x.row);
    const max = Date.parse('2026-06-01T09:34:20Z') / 1000;
    const all = runPipeline(parsePipeline(query), rows);
    const kept = runPipeline(parsePipeline(search), rows, 'input', { min: max - 17 * 60, max });
    expect(all.map((x) => x['window_end_ms']?.[0])).toEqual(['1780304520000', '1780306400000']);
    expect(kept).toEqual(all.slice(1));
  });
});
