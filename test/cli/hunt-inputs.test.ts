import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateEvents } from '../../bench/generate-corpus.js';
import { writeEvtxFile } from '../../src/formats/evtx/write-evtx.js';
import { CORPUS, corpusAvailable } from '../helpers.js';
import { sigmatch, sigmatchAsync } from './run-cli.js';

// JSON lines are read in byte ranges and EVTX files grouped into tasks, in the worker threads or, the same
// way, on the main thread: both must give what the main thread gives, problems and their places included.

const has = corpusAvailable();
let dir: string;
const EVENTS = 5000;

/** The CLI as a child process, without holding this worker's event loop. */
const run = (args: string[]) => sigmatchAsync(args);

const rules = () => ['--rules', 'rules', '--rules', join(CORPUS, 'sigmahq/rules/windows/process_creation'), '--rules', join(CORPUS, 'sigmahq/rules/windows/network_connection')];
const hunt = (threads: number, ...inputs: string[]) => run(['hunt', '--quiet', '--format', 'jsonl', '--threads', String(threads), ...rules(), ...inputs]);
const lines = (s: string) => s.split('\n').filter((l) => l !== '');
/** What an alert says apart from where its event was read (file, record or line). */
const what = (stdout: string) =>
  lines(stdout)
    .map((l) => {
      const a = JSON.parse(l) as { '@timestamp': string; rule: { id: string }; process?: { entity_id?: string; context?: string } };
      return `${a['@timestamp']} ${a.rule.id} ${a.process?.entity_id ?? ''} ${a.process?.context ?? ''}`;
    })
    .sort();

/** The three JSON shapes of one flat event (as `sigmatch dump` writes it). */
const SYSTEM = ['Provider_Name', 'Provider_Guid', 'EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer'];
function shapes(flat: Record<string, unknown>): { evtxDump: unknown; ecs: unknown } {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) if (!SYSTEM.includes(k) && !/^(@|TimeCreated|Execution|Security)/.test(k)) data[k] = v;
  const system = { Provider: { '#attributes': { Name: flat['Provider_Name'], Guid: flat['Provider_Guid'] } }, EventID: flat['EventID'], TimeCreated: { '#attributes': { SystemTime: flat['TimeCreated'] } }, EventRecordID: flat['EventRecordID'], Channel: flat['Channel'], Computer: flat['Computer'] };
  return {
    evtxDump: { Event: { System: system, EventData: data } },
    ecs: { '@timestamp': flat['@timestamp'], host: { name: flat['Computer'] }, winlog: { channel: flat['Channel'], event_id: String(flat['EventID']), computer_name: flat['Computer'], provider_name: flat['Provider_Name'], record_id: flat['EventRecordID'], event_data: data } },
  };
}

let evtx: string;
let flatLines: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigmatch-inputs-'));
  evtx = join(dir, 'all.evtx');
  writeEvtxFile(evtx, generateEvents(EVENTS, 23, { injectEvery: 100 }));
  sigmatch(['--version']);
  flatLines = lines((await run(['dump', '--format', 'jsonl', evtx])).stdout).map((l) => {
    const { ['@source']: _, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(rest);
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!has)('hunt reads JSON lines and many small files in tasks, with the main thread\'s results', () => {
  test('JSON lines in the three shapes (flat, evtx_dump, Winlogbeat/ECS), several ranges each, give the EVTX file\'s alerts in every mode', async () => {
    expect(flatLines.length).toBe(EVENTS);
    const files = { flat: flatLines, evtxDump: [] as string[], ecs: [] as string[] };
    for (const l of flatLines) {
      const s = shapes(JSON.parse(l) as Record<string, unknown>);
      files.evtxDump.push(JSON.stringify(s.evtxDump));
      files.ecs.push(JSON.stringify(s.ecs));
    }
    const fromEvtx = what((await hunt(0, evtx)).stdout);
    expect(fromEvtx.length).toBeGreaterThan(50);
    for (const [name, text] of Object.entries(files)) {
      const file = join(dir, `${name}.jsonl`);
      writeFileSync(file, text.join('\n') + '\n');
      expect(text.join('\n').length).toBeGreaterThan(3 << 20);
      const main = await hunt(0, file);
      const workers = await hunt(2, file);
      expect(workers.stderr).toBe('');
      expect(workers.stdout).toBe(main.stdout);
      expect(what(main.stdout)).toEqual(fromEvtx);
    }
  });

  test('a broken line in a later range is reported at its file line and column; the rest is hunted', async () => {
    const broken = [...flatLines];
    // Line numbers (1-based) of the broken records: one in the first range, one past 1 MiB.
    broken.splice(9, 0, '{"EventID": 1, "Image": "C:\\\\Windows\\\\cmd.exe');
    broken.splice(3000, 0, '  {"EventID": 3, "Image": "x"');
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, broken.join('\n') + '\n');
    const main = await hunt(0, file);
    const workers = await hunt(2, file);
    expect(workers.stdout).toBe(main.stdout);
    expect(workers.stderr).toBe(main.stderr);
    expect(main.stderr).toContain(`${file}:10:1: error json-syntax: JSON record ends inside a string`);
    // An object left open swallows the lines after it up to its first unmatched '}' (as it always did).
    expect(main.stderr).toContain(`${file}:3001:3: error json-syntax`);
    expect(lines(main.stdout).length).toBeGreaterThan(50);
  });

  test('pretty-printed JSON and an array larger than a range (records across range ends) give the JSON lines\' alerts', async () => {
    const half = flatLines.slice(0, 3000);
    const pretty = join(dir, 'pretty.json');
    writeFileSync(pretty, half.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n'));
    const array = join(dir, 'array.json');
    writeFileSync(array, '[\n' + half.join(',\n') + '\n]\n');
    const jsonl = join(dir, 'half.jsonl');
    writeFileSync(jsonl, half.join('\n') + '\n');
    const expected = what((await hunt(0, jsonl)).stdout);
    expect(expected.length).toBeGreaterThan(20);
    for (const file of [pretty, array]) {
      const main = await hunt(0, file);
      expect(main.stderr).toBe('');
      expect((await hunt(2, file)).stdout).toBe(main.stdout);
      expect(what(main.stdout)).toEqual(expected);
    }
  });

  test('a triage folder (small EVTX files, empty ones, a truncated one, a larger one, JSON) gives the one file\'s alerts', async () => {
    const folder = join(dir, 'triage');
    mkdirSync(folder);
    const all = [...generateEvents(EVENTS, 23, { injectEvery: 100 })];
    let at = 0;
    const sizes = [40, 0, 150, 70, 0, 2000, 90, 30, 210, 0, 120];
    sizes.forEach((n, i) => {
      writeEvtxFile(join(folder, `${String(i).padStart(2, '0')}.evtx`), all.slice(at, at + n));
      at += n;
    });
    writeFileSync(join(folder, '50-truncated.evtx'), Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(200)]));
    // The rest as JSON lines, after the EVTX files in sorted order: its context sits in them.
    writeFileSync(join(folder, '60-rest.jsonl'), flatLines.slice(at).join('\n') + '\n');
    const main = await hunt(0, folder);
    const workers = await hunt(2, folder);
    expect(workers.stdout).toBe(main.stdout);
    expect(workers.stderr).toBe(main.stderr);
    expect(lines(main.stderr)).toEqual([
      `${join(folder, '50-truncated.evtx')} @ byte 0: error evtx-truncated: file is 208 bytes, shorter than the 4096-byte EVTX header`,
      // The truncated file gave no event: the hunt says it is incomplete (exit code 5: alerts, and an input failed).
      expect.stringMatching(/^INCOMPLETE HUNT: 1 of 13 inputs could not be read \(1 with evtx-truncated errors\); their events were not hunted; exit code 5$/),
    ]);
    expect(main.code).toBe(5);
    expect(what(main.stdout)).toEqual(what((await hunt(0, evtx)).stdout));
  });
  test('problems are bounded per file whichever thread read its pieces: the first ones shown, the rest counted', async () => {
    const file = join(dir, 'many-bad-lines.jsonl');
    const good = flatLines[0] as string;
    const out: string[] = [];
    // About 3 MB: several 1 MiB ranges, each with its own broken lines.
    for (let i = 0; out.length * good.length < 3e6; i++) out.push(i % 10 === 5 ? 'not json, line ' + i : good);
    writeFileSync(file, out.join('\n') + '\n');
    for (const threads of [0, 2]) {
      const r = await hunt(threads, file);
      // The hunt prints 50 problems and counts the rest it kept: at most the file's cap of 100 and its closing lines.
      const shown = lines(r.stderr).filter((l) => l.startsWith(file)).length;
      const more = Number(/\.\.\. and (\d+) more problems/.exec(r.stderr)?.[1] ?? 0);
      expect(shown).toBe(50);
      expect(shown + more).toBeGreaterThanOrEqual(100);
      expect(shown + more).toBeLessThanOrEqual(105);
      // Events were read around the broken lines: an incomplete file, not a failed one.
      expect(r.stderr).not.toContain('INCOMPLETE HUNT');
    }
  });
});
