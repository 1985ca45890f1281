import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rng } from '../../bench/generate-corpus.js';
import { fileCreate, networkConnect, processCreate, securityProcessCreate, sysmonGuid } from '../../bench/sysmon-events.js';
import { convertRule } from '../../src/backends/convert-rule.js';
import { convertCorrelationsKql, type KqlCorrelationTarget } from '../../src/backends/kql/kql-correlation.js';
import { BACKENDS } from '../../src/backends/registry.js';
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
import { kustoChecker, type KqlDiagnostic } from './kql-language-service.js';
import { CORRELATION_METRICS, metricStream } from './metric-stream.js';
import { defenderRows } from './kql-model/defender-rows.js';
import type { Row } from './kql-model/evaluate.js';
import { runModelCorrelation, runModelStages } from './kql-model/run-correlation.js';
import { sentinelRows } from './kql-model/sentinel-rows.js';

/**
 * Correlations converted to KQL: every query passes Microsoft's Kusto parser and type checker, and run in our model
 * of KQL (MODELLED: no Sentinel or Defender here) over the generated Sysmon streams of sql-correlations.test.ts, as
 * the target's rows, it gives the engine's correlation alerts (group, window end, aggregate, contributor count).
 */
const TARGETS: readonly KqlCorrelationTarget[] = ['kql-sentinel', 'kql-defender'];
type Tables = ReadonlyMap<string, ReadonlyArray<{ id: number; row: Row }>>;
const OUT_COLUMNS = new Set(['window_start_ms', 'window_end_ms', 'first_ms', 'last_ms', 'contributor_count', 'contributor_times', 'record_ids', 'aggregate', 'last_rid']);
/** Defender has no ProcessGuid column: these are refused there, with that reason. */
/** Defender has no column for the stream's Bytes and Score, nor ProcessGuid: only the port metrics convert. */
const DEFENDER_METRICS_REFUSED = ['Bytes Sent Burst', 'High Score Percentile', 'Low Median Score', 'Low Percentile Bytes Not Zero', 'Moderate Average Bytes Per Process'];
const DEFENDER_REFUSED = ['Few Connections In a Window Per Process', 'Per-Process Connections', 'Quiet Connections Then a Write', 'Start Then Connect Then Write By One Process', 'Started Then Repeated Connections'];

function convertAll(target: KqlCorrelationTarget, paths: readonly string[]): ConvertedCorrelation[] {
  const loaded = loadRules(paths);
  const byRule = new Map(loaded.rules.map((r) => [r, convertRule(r, BACKENDS[target], target, resolveWindowsLogsource)]));
  return convertCorrelationsKql(target, loaded.rules, loaded.correlations, (rule) => {
    const r = byRule.get(rule);
    return r?.query !== undefined ? { query: r.query } : { reason: (r?.diagnostics ?? []).map((d) => d.message).join('; ') || 'not converted' };
  });
}

function tablesOf(target: KqlCorrelationTarget, events: readonly Event[]): { tables: Tables; left: number } {
  if (target === 'kql-sentinel') {
    const s = sentinelRows(events);
    return { tables: new Map([['Event', s.Event], ['SecurityEvent', s.SecurityEvent]]), left: s.unrepresentable.size };
  }
  const d = defenderRows(events);
  const tables = new Map<string, Array<{ id: number; row: Row }>>();
  for (const r of d.rows) tables.set(r.table, [...(tables.get(r.table) ?? []), r]);
  return { tables, left: d.unrepresentable.size };
}

/** The firings of the converted correlations the engine outputs, run in the model (a turn of the event loop between queries). */
async function modelFirings(converted: readonly ConvertedCorrelation[], tables: Tables, emitted: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  for (const c of converted) {
    if (c.query === undefined || !emitted.has(c.correlation.title)) continue;
    for (const row of runModelCorrelation(c.query, tables)) {
      const group = Object.fromEntries(Object.entries(row).filter(([k]) => !OUT_COLUMNS.has(k)));
      out.push(firingKey(c.correlation.title, group, Number(row['window_end_ms']), Number(row['aggregate']), Number(row['contributor_count'])));
    }
    await eventLoopTurn();
  }
  return out.sort();
}

/** The converted correlations of `rules` run in the model over `input` give the engine's firings, each converted one firing. */
async function modelMatchesEngine(target: KqlCorrelationTarget, converted: readonly ConvertedCorrelation[], rules: string, input: string, atLeast: number): Promise<void> {
  const titles = new Set(converted.filter((c) => c.query !== undefined).map((c) => c.correlation.title));
  const want = (await engineFirings(rules, input)).filter((k) => titles.has(titleOf(k)));
  expect(want.length).toBeGreaterThan(atLeast);
  const emitted = new Set(want.map(titleOf));
  // Every converted correlation fires at least once in the engine (else the comparison proves little).
  expect([...emitted].sort()).toEqual([...titles].sort());
  const { tables, left } = tablesOf(target, eventsOf(input));
  expect(left).toBe(0);
  expect(await modelFirings(converted, tables, emitted)).toEqual(want);
  console.log(`${target} ${input.replace(/^.*\//, '')}: ${want.length} firings of ${emitted.size} correlations, the model's equal to the engine's`);
}

/**
 * The stream with Security 4688 process starts added (Sentinel: SecurityEvent rows in the rule's union; Defender:
 * DeviceProcessEvents rows): some start a file the stream wrote, on its host; none has a ProcessGuid.
 */
function withSecurityStarts(events: readonly WriterEvent[]): WriterEvent[] {
  const r = rng(5);
  const taken = new Set(events.map((e) => Date.parse(e.time)));
  const t0 = Math.min(...taken);
  const added: WriterEvent[] = [];
  for (let k = 0; k < 60; k++) {
    let t = t0 + Math.floor(r() * 3_600_000);
    while (taken.has(t)) t++;
    taken.add(t);
    const h = 1 + (k % 3);
    const image = r() < 0.5 ? `C:\\Users\\u${h}\\AppData\\Local\\Temp\\d${1 + Math.floor(r() * 20)}.exe` : 'C:\\Windows\\System32\\cmstp.exe';
    added.push(securityProcessCreate(new Date(t).toISOString(), `HOST${h}.corp.example`, { guid: sysmonGuid(h, 900 + k), pid: 5000 + k, image, commandLine: 'x', user: 'CORP\\u' }));
  }
  return [...events, ...added].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/**
 * Events exactly a timespan apart (both window ends inclusive: a burst of three connections over exactly 2 minutes,
 * two starts exactly 1 minute apart in one complete window, two writes exactly 4 minutes apart) and a start, its
 * connection and its write at the same millisecond (ties count as ordered).
 */
function windowEdges(): WriterEvent[] {
  const host = 'EDGE.corp.example';
  const t0 = Date.parse('2026-06-01T09:00:00Z');
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const p = { guid: sysmonGuid(9, 1), pid: 4100, image: 'C:\\Windows\\System32\\cmstp.exe', commandLine: 'x', user: 'CORP\\u' };
  const q = { guid: sysmonGuid(9, 2), pid: 4101, image: 'C:\\Tools\\app.exe', commandLine: 'y', user: 'CORP\\u' };
  return [
    networkConnect(at(0), host, p, '203.0.113.1', 443),
    networkConnect(at(60_000), host, p, '203.0.113.2', 443),
    networkConnect(at(120_000), host, p, '203.0.113.3', 443),
    processCreate(at(1_000_000), host, q),
    processCreate(at(1_060_000), host, p),
    fileCreate(at(2_000_000), host, q, 'C:\\Temp\\a.exe'),
    fileCreate(at(2_240_000), host, q, 'C:\\Temp\\b.exe'),
    processCreate(at(3_000_000), host, { ...q, guid: sysmonGuid(9, 3) }),
    networkConnect(at(3_000_000), host, { ...q, guid: sysmonGuid(9, 3) }, '203.0.113.9', 80),
    fileCreate(at(3_000_000), host, { ...q, guid: sysmonGuid(9, 3) }, 'C:\\Temp\\c.exe'),
  ];
}

const eventsOf = (file: string): Event[] => [...readEvtxBuffer(readFileSync(file), file)].flatMap((it) => (it.kind === 'record' ? [normalizeWindowsEvent(it.event)] : []));

let dir: string;
let edges: string;
let metricFile: string;
const files: string[] = [];
let check: (q: string) => KqlDiagnostic[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-kqlcorr-'));
  for (const seed of [3, 11]) {
    const f = join(dir, `stream-${seed}.evtx`);
    writeEvtxFile(f, correlationStream(seed));
    files.push(f);
  }
  const mixed = join(dir, 'stream-3-with-4688.evtx');
  writeEvtxFile(mixed, withSecurityStarts(correlationStream(3)));
  files.push(mixed);
  metricFile = join(dir, 'metric-stream-3.evtx');
  writeEvtxFile(metricFile, metricStream(3));
  edges = join(dir, 'window-edges.evtx');
  writeEvtxFile(edges, windowEdges());
  await eventLoopTurn();
  check = kustoChecker();
  check('DeviceProcessEvents | take 1'); // the first analysis loads the service (seconds)
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('correlations converted to KQL', () => {
  for (const target of TARGETS) {
    test(`${target}: every converted query parses and type-checks (Kusto language service); refusals name their reason`, async () => {
      for (const paths of [[CORRELATION_TYPES], [CORRELATION_METRICS], ['rules/']]) {
        const converted = convertAll(target, paths);
        for (const c of converted) {
          if (c.query === undefined) {
            expect(c.diagnostics.length, c.correlation.title).toBeGreaterThan(0);
            continue;
          }
          expect(check(c.query), `${target} ${c.correlation.title}\n${c.query}`).toEqual([]);
          await eventLoopTurn();
        }
        if (paths[0] === CORRELATION_TYPES) {
          const refused = converted.filter((c) => c.query === undefined);
          expect(refused.map((c) => c.correlation.title).sort()).toEqual(target === 'kql-defender' ? DEFENDER_REFUSED : []);
          for (const c of refused) expect(c.diagnostics.map((d) => d.message).join(' ')).toMatch(/ProcessGuid.*has no exact column/);
        }
        if (paths[0] === CORRELATION_METRICS) {
          const refused = converted.filter((c) => c.query === undefined);
          expect(refused.map((c) => c.correlation.title).sort()).toEqual(target === 'kql-defender' ? DEFENDER_METRICS_REFUSED : []);
          for (const c of refused) expect(c.diagnostics.map((d) => d.message).join(' ')).toMatch(/'(Bytes|Score|ProcessGuid)'.*has no exact column/);
        }
      }
    }, 60_000);
  }

  for (const target of TARGETS) {
    test(`${target} (modelled): every converted correlation type gives the engine's firings on three generated streams (one with Security 4688 starts)`, async () => {
      const converted = convertAll(target, [CORRELATION_TYPES]);
      const titles = new Set(converted.filter((c) => c.query !== undefined).map((c) => c.correlation.title));
      for (const input of files) await modelMatchesEngine(target, converted, CORRELATION_TYPES, input, target === 'kql-sentinel' ? 200 : 100);
      // The window edges: the engine's firings (some of which only inclusive ends and ordered ties give) and the model's.
      const want = (await engineFirings(CORRELATION_TYPES, edges)).filter((k) => titles.has(titleOf(k)));
      const fired = new Set(want.map(titleOf));
      for (const title of ['Burst of Connections', 'Two To Four Starts A Minute', 'Exactly Two Writes']) expect(fired.has(title), title).toBe(true);
      if (target === 'kql-sentinel') expect(fired.has('Start Then Connect Then Write By One Process')).toBe(true);
      expect(await modelFirings(converted, tablesOf(target, eventsOf(edges)).tables, fired)).toEqual(want);
    }, 120_000);
  }

  for (const target of TARGETS) {
    test(`${target} (modelled): value_sum, value_avg, value_percentile, value_median (and a chain) over numbers of every form and texts that are none`, async () => {
      await modelMatchesEngine(target, convertAll(target, [CORRELATION_METRICS]), CORRELATION_METRICS, metricFile, target === 'kql-sentinel' ? 150 : 80);
    }, 120_000);
  }

  test('the built-in chain on the example log (modelled): each converted correlation gives the hunt\'s alerts', async () => {
    const want = await engineFirings('rules/', 'examples/ws01-sysmon.evtx');
    expect(want.length).toBeGreaterThanOrEqual(3);
    const events = eventsOf('examples/ws01-sysmon.evtx');
    for (const target of TARGETS) {
      const converted = convertAll(target, ['rules/']);
      const titles = new Set(converted.filter((c) => c.query !== undefined).map((c) => c.correlation.title));
      const { tables, left } = tablesOf(target, events);
      expect(left).toBe(0);
      const expected = want.filter((k) => titles.has(titleOf(k)));
      expect(expected.length, target).toBeGreaterThan(0);
      expect(await modelFirings(converted, tables, new Set(want.map(titleOf)))).toEqual(expected);
      console.log(`${target} examples/ws01-sysmon.evtx: ${titles.size} of ${converted.length} pack correlations converted, ${expected.length} firings equal to the engine's`);
    }
  }, 120_000);

  test('refused with the reason: a metric over a field with no exact column (Defender), a group-by name the query uses itself; other correlations still convert', () => {
    const base = (name: string, extra: string) => `title: ${name}\nname: ${name}\ncorrelation:\n    rules: [t_net]\n    timespan: 5m\n${extra}level: low\n`;
    const text = [
      readFileSync(CORRELATION_TYPES, 'utf8').split('\n---\n').slice(0, 3).join('\n---\n'),
      base('c_sum', '    type: value_sum\n    group-by: [Computer]\n    condition:\n        field: DestinationPort\n        gt: 100\n'),
      base('c_bytes', '    type: value_avg\n    group-by: [Computer]\n    condition:\n        field: Bytes\n        gt: 100\n'),
      base('c_reserved', '    type: event_count\n    group-by: [t]\n    condition:\n        gte: 2\n'),
      base('c_fine', '    type: event_count\n    group-by: [Computer]\n    condition:\n        gte: 2\n'),
    ].join('\n---\n');
    const loaded = loadRuleTexts([{ file: 'c.yml', text }]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const target of TARGETS) {
      const queries = new Map(loaded.rules.map((r) => [r, convertRule(r, BACKENDS[target], target, resolveWindowsLogsource).query]));
      const out = convertCorrelationsKql(target, loaded.rules, loaded.correlations, (rule) => ({ query: queries.get(rule) as string }));
      const why = Object.fromEntries(out.map((c) => [c.correlation.title, c.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')]));
      expect(out.find((c) => c.correlation.title === 'c_sum')?.query).toMatch(/array_sum\(w_v\)/);
      if (target === 'kql-defender') expect(why['c_bytes']).toMatch(/^convert-correlation: .*field 'Bytes' \(group-by or condition field\) has no exact column in DeviceNetworkEvents/);
      else expect(out.find((c) => c.correlation.title === 'c_bytes')?.query).toMatch(/SigmaEventData\["Bytes"\]/);
      expect(why['c_reserved']).toMatch(/group-by name 't' is a column name of the converted query/);
      expect(out.find((c) => c.correlation.title === 'c_fine')?.query).toBeDefined();
    }
  });

  test('sigmatch convert writes them: the listing has each converted correlation with the same query as the converter, the refused one with its reason', async () => {
    const r = await sigmatchAsync(['convert', '--target', 'kql-defender', '--format', 'json', 'rules/']);
    const listing = JSON.parse(r.stdout) as { correlations: Array<{ title: string; query: string | null; diagnostics: Array<{ code: string; message: string }> }> };
    const loaded = loadRules([join(__dirname, '../../rules')]);
    const direct = convertCorrelationsKql('kql-defender', loaded.rules, loaded.correlations, (rule) => {
      const c = convertRule(rule, BACKENDS['kql-defender'], 'kql-defender', resolveWindowsLogsource);
      return c.query !== undefined ? { query: c.query } : { reason: 'not converted' };
    });
    expect(listing.correlations.map((c) => [c.title, c.query])).toEqual(direct.map((c) => [c.correlation.title, c.query ?? null]));
    expect(listing.correlations.filter((c) => c.query !== null).length).toBeGreaterThan(0);
    for (const c of listing.correlations.filter((x) => x.query === null)) expect(c.diagnostics.map((d) => d.code)).toContain('convert-correlation');
    expect(r.stderr).toMatch(/5 correlations: [1-9] converted/);
  });

  test("the model's scan reads the previous record's state: the documentation's cumulative sum", () => {
    const rows = [1, 2, 3, 4, 5].map((x) => ({ x }));
    const out = runModelStages(rows, ['scan declare (cumulative_x: long = 0) with (\nstep s1: true => cumulative_x = x + s1.cumulative_x;\n)']);
    expect(out.map((r) => r['cumulative_x'])).toEqual([1, 3, 6, 10, 15]);
    expect(() => runModelStages(rows, ['scan declare (c: long) with (\nstep s1: x > 1 => c = x;\n)'])).toThrow(/not in the model/);
  });
});
