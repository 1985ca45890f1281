import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateEvents, type Injected } from '../../bench/generate-corpus.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { sigmatchAsync } from './run-cli.js';

const has = corpusAvailable();
let dir: string;
let files: string[];
const truth: Injected[] = [];
const HALF = 2400;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-modes-'));
  // One generated stream split over two files: context for an alert in the second file sits in the first. 4,800
  // events with a scenario every 64 (75 of them): the modes and limits are what is tested, and each of the file's
  // sixteen hunts pays for every event with 1,200 rules.
  const all = [...generateEvents(2 * HALF, 11, { injectEvery: 64, truth: (i) => truth.push(i) })];
  files = [join(dir, 'a.evtx'), join(dir, 'b.evtx')];
  writeEvtxFile(files[0]!, all.slice(0, HALF));
  writeEvtxFile(files[1]!, all.slice(HALF));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alertsOf = (stdout: string) => stdout.split('\n').filter((l) => l !== '');

describe.skipIf(!has)('hunt gives the same alerts in every mode', () => {
  const rules = () => ['--rules', 'rules', '--rules', join(CORPUS, 'sigmahq/rules/windows/process_creation'), '--rules', join(CORPUS, 'sigmahq/rules/windows/network_connection')];

  // Each hunt loads some 1,200 SigmaHQ rules: seconds of work, awaited so that the test worker's event loop goes on.
  test('main thread, one and two worker threads, and tiny memory bounds that force every spill path', async () => {
    const run = async (extra: string[]) => {
      const r = await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', ...rules(), ...extra, ...files]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      return r.stdout;
    };
    const main = await run(['--threads', '0']);
    expect(alertsOf(main).length).toBeGreaterThan(100);
    // The pack's chain correlations fire on the injected attacks, with SigmaHQ's high rules as the "other alerts".
    const correlations = alertsOf(main).filter((l) => l.includes('"category":["correlation"]'));
    expect(correlations.some((l) => l.includes('Started and Connected Out'))).toBe(true);
    expect(correlations.some((l) => l.includes('Other High Alerts'))).toBe(true);
    expect(await run(['--threads', '1'])).toBe(main);
    expect(await run(['--threads', '2'])).toBe(main);
    expect(await run(['--threads', '2', '--context-limit', '40', '--pending-limit', '7', '--sort-limit', '4000'])).toBe(main);
    // Context spilled, pending alerts in memory: one resolving round with the keys collected as they came.
    expect(await run(['--threads', '2', '--context-limit', '40'])).toBe(main);
    expect(await run(['--threads', '0', '--context-limit', '1', '--pending-limit', '1', '--sort-limit', '1'])).toBe(main);
  });

  test('table and CSV output (hits without the event\'s JSON text) agree in every mode too', async () => {
    for (const format of ['csv', 'table']) {
      const run = async (extra: string[]) => (await sigmatchAsync(['hunt', '--quiet', '--format', format, ...rules(), ...extra, ...files])).stdout;
      const main = await run(['--threads', '0']);
      expect(alertsOf(main).length).toBeGreaterThan(100);
      expect(await run(['--threads', '2', '--context-limit', '40', '--pending-limit', '7', '--sort-limit', '4000'])).toBe(main);
      expect(await run(['--threads', '0', '--context-limit', '1', '--pending-limit', '1', '--sort-limit', '1'])).toBe(main);
    }
  });

  test('ECS alerts carry every field of their event, not only those alerts show', async () => {
    const r = await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', '--no-correlations', '--threads', '2', '--pending-limit', '3', ...rules(), ...files]);
    const events = alertsOf(r.stdout).map((l) => (JSON.parse(l) as { sigmatch: { event: Record<string, unknown> } }).sigmatch.event);
    const network = events.filter((e) => e['EventID'] === 3);
    expect(network.length).toBeGreaterThan(10);
    for (const e of network) for (const k of ['Channel', 'Protocol', 'SourceIp', 'DestinationIp', 'Image']) expect(e).toHaveProperty(k);
  });

  test('a rule subset gives exactly the full run\'s alerts of those rules', async () => {
    const full = alertsOf((await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', '--no-correlations', '--min-level', 'low', '--threads', '2', ...rules(), ...files])).stdout);
    const pack = alertsOf((await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', '--no-correlations', '--min-level', 'low', '--threads', '2', ...files])).stdout);
    const packIds = new Set(pack.map((l) => (JSON.parse(l) as { rule: { id: string } }).rule.id));
    expect(packIds.size).toBeGreaterThan(3);
    expect(full.filter((l) => packIds.has((JSON.parse(l) as { rule: { id: string } }).rule.id))).toEqual(pack);
  });

  test('the built-in pack finds every injected attack and none of the lookalikes, with its process story', async () => {
    const r = await sigmatchAsync(['hunt', '--quiet', '--format', 'jsonl', '--no-correlations', '--min-level', 'low', '--threads', '2', '--context-limit', '30', ...files]);
    const alerts = alertsOf(r.stdout).map((l) => JSON.parse(l) as { log: { record: number; file: { path: string } }; process: { name: string; parent?: { executable: string }; context: string } });
    const attacks = truth.filter((t) => t.alert);
    expect(attacks.length).toBeGreaterThan(15);
    expect(truth.filter((t) => !t.alert).length).toBeGreaterThan(15);
    // Record ids restart in the second file: compare (file, record).
    const key = (file: string, record: number) => `${file.endsWith('b.evtx') ? 'b' : 'a'}:${record}`;
    const expected = attacks.map((t) => (t.record <= HALF ? key('a', t.record) : key('b.evtx', t.record - HALF))).sort();
    expect(alerts.map((a) => key(a.log.file.path, a.log.record)).sort()).toEqual(expected);
    for (const a of alerts) {
      expect(a.process.parent?.executable).toBe('C:\\Windows\\System32\\cmd.exe');
      expect(a.process.context).toBe('found by guid');
    }
  });
});
