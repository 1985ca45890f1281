import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readEvtxFile } from '../src/formats/evtx/read-evtx.js';
import { mapEvtxParallel, readEvtxParallel } from '../src/formats/evtx/read-evtx-parallel.js';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import { generateEvents, type Injected } from './generate-corpus.js';
import { correlationFilterRows } from './correlation-filter-rows.js';
import { inputRows } from './input-rows.js';
import { measureMix, mixLines, realEvents, realEvtxFiles, replayRealEvents } from './real-logs.js';
import { measureRuleLoad, ruleLoadLines } from './rule-load.js';

/**
 * `npm run bench [-- --size 1GB --read-size 200MB --memory-sizes 1GB,5GB --results FILE]`, in one run:
 * - reading (issue "Read Windows event logs"): our reader to events (1 thread, all cores), our XML dump,
 *   Debian's evtxexport, on a generated corpus and the largest corpus files;
 * - hunting (issue "Fast and bounded at scale"): the built-in pack and every SigmaHQ rule that loads, events/s as
 *   the rule count grows, worker threads against the main thread alone, a JSONL input, peak memory at each
 *   memory size, and the pack's alerts against the generator's ground truth;
 * - loading the read-size corpus into DuckDB, SQLite and PostgreSQL (`sigmatch load --db`, bench/load-bench.ts);
 * - converting the SigmaHQ Windows rules to every target, and `hunt --db` against the file hunt (bench/convert-bench.ts);
 * - the live service through its ES _bulk endpoint, with each alert store and with every SigmaHQ rule (bench/serve-bench.ts);
 * - the service past one machine: serve --bus with one and two detectors, and a takeover (bench/bus-bench.ts);
 * - the service under a steady load for --soak-minutes, its resident set over time (bench/serve-soak.ts).
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GB' },
    'read-size': { type: 'string', default: '200MB' },
    'memory-sizes': { type: 'string' },
    'rule-counts': { type: 'string', default: '1,10,100,1000' },
    results: { type: 'string' },
    corpus: { type: 'string', default: '../shared/corpus' },
    // Rule loading cold and warm: runs per measurement (median), and the rules (default every SigmaHQ rule).
    'load-runs': { type: 'string', default: '5' },
    'load-rules': { type: 'string' },
    // The real-logs row: the corpus's real EVTX files replayed into one file of about this size (default: the smaller of 170MB and --size).
    'real-size': { type: 'string' },
    // The correlation and filter ratios: runs of each side, alternately (default 3, or 1 for a corpus under 100MB).
    'paired-runs': { type: 'string' },
    // The hostile-input rows through an older build too (its dist/src/cli/main.js), for before and after.
    'hostile-before': { type: 'string' },
    // The serve rows: events sent through the ES _bulk endpoint per row (0: no serve rows).
    'serve-events': { type: 'string', default: '100000' },
    // The bus rows (serve --bus: one and two detectors, a takeover): events per row (0: no bus rows).
    'bus-events': { type: 'string', default: '50000' },
    // The serve soak: minutes of steady load at 3,000 events/s, the resident set sampled (0: no soak).
    'soak-minutes': { type: 'string', default: '30' },
  },
});

function bytesOf(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(MB|GB)$/i.exec(s.trim());
  if (m === null) throw new Error(`sizes are written like 200MB or 1GB, got '${s}'`);
  return Number(m[1]) * (m[2]?.toUpperCase() === 'GB' ? 1e9 : 1e6);
}
const label = (b: number) => (b >= 1e9 ? `${+(b / 1e9).toFixed(2)}GB` : `${+(b / 1e6).toFixed(1)}MB`);

const huntSize = bytesOf(values.size ?? '1GB');
const readSize = bytesOf(values['read-size'] ?? '200MB');
const memorySizes = (values['memory-sizes'] ?? `${label(huntSize)},${label(huntSize * 5)}`).split(',').map(bytesOf);
const ruleCounts = (values['rule-counts'] ?? '').split(',').filter((x) => x !== '').map(Number);
const sigmahq = join(values.corpus ?? '', 'sigmahq/rules');
const INJECT_EVERY = 2000;
const cli = resolve('dist/src/cli/main.js');

mkdirSync('bench/out', { recursive: true });

const GENERATOR_KEY = createHash('sha1')
  .update(readFileSync(new URL('./generate-corpus.js', import.meta.url)))
  .update(readFileSync(new URL('./sysmon-events.js', import.meta.url)))
  .digest('hex');

/** A seeded corpus of about `bytes` bytes with its ground truth (one JSON line per injected scenario). */
function corpus(bytes: number): { file: string; truth: Injected[] } {
  const file = join('bench/out', `corpus-${label(bytes)}.evtx`);
  const truthFile = `${file}.truth.jsonl`;
  // A corpus made by another version of the generator is made again (the key names the generator's code).
  const keyFile = `${file}.generator`;
  if (!existsSync(file) || !existsSync(truthFile) || !existsSync(keyFile) || readFileSync(keyFile, 'utf8') !== GENERATOR_KEY) {
    const t0 = Date.now();
    const truth: string[] = [];
    // About 900 bytes per event in our files; small corpora get scenarios more often, so a smoke run checks some.
    const events = Math.round(bytes / 900);
    const injectEvery = Math.max(50, Math.min(INJECT_EVERY, Math.floor(events / 40)));
    const w = writeEvtxFile(file, generateEvents(events, 42, { injectEvery, truth: (i) => truth.push(JSON.stringify(i)) }));
    writeFileSync(truthFile, truth.join('\n') + '\n');
    writeFileSync(keyFile, GENERATOR_KEY);
    process.stderr.write(`generated ${file}: ${w.records} records, ${(w.bytes / 1e6).toFixed(0)} MB, ${truth.length} injected scenarios in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const truth = readFileSync(truthFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Injected);
  return { file, truth };
}

// ---------------------------------------------------------------- reading

interface ReadRow { file: string; what: string; mb: number; records: number; seconds: number }
const readRows: ReadRow[] = [];
const sizeMb = (f: string) => statSync(f).size / 1e6;

async function timeIt(file: string, what: string, run: () => Promise<number> | number) {
  const t0 = process.hrtime.bigint();
  const records = await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  readRows.push({ file, what, mb: sizeMb(file), records, seconds });
  process.stderr.write(`${what.padEnd(34)} ${file}: ${records} records, ${seconds.toFixed(2)} s\n`);
}

const readCorpus = corpus(readSize).file;
const readFiles = [readCorpus];
for (const f of ['evtx/evtx-rs-samples/security.evtx', 'evtx/evtx-rs-samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx']) {
  const p = join(values.corpus ?? '', f);
  if (existsSync(p)) readFiles.push(p);
}
for (const file of readFiles) {
  await timeIt(file, 'sigmatch read → events (1 thread)', async () => {
    let n = 0;
    // Each record's event is built (fields flattened), as a consumer of the reader gets it.
    for (const it of readEvtxFile(file)) if (it.kind === 'record' && it.event.fields['EventID'] !== undefined) n++;
    return n;
  });
  await timeIt(file, 'sigmatch dump --format xml (CLI)', () => {
    // The real command, output to /dev/null, counted from its own summary line.
    const r = spawnSync('sh', ['-c', `node "$2" dump --format xml "$1" 2>&1 >/dev/null | tail -1`, 'sh', file, cli], { encoding: 'utf8' });
    return Number(/^(\d+) events/.exec(r.stdout.trim())?.[1] ?? 0);
  });
  await timeIt(file, `sigmatch read → events used in ${availableParallelism()} workers`, async () => {
    // The parallel reader with the per-event work done where the event is decoded (how the hunt scales).
    let n = 0;
    for await (const it of mapEvtxParallel<number>(file, new URL('./touch-event.js', import.meta.url))) {
      if (it.kind === 'progress') n += it.events;
      else if (it.kind === 'mapped') n--;
    }
    return n;
  });
  await timeIt(file, `sigmatch read → events cloned back from ${availableParallelism()} workers`, async () => {
    let n = 0;
    for await (const it of readEvtxParallel(file)) if (it.kind === 'event' && it.event.fields['EventID'] !== undefined) n++;
    return n;
  });
  await timeIt(file, 'evtxexport -f xml', () => {
    const r = spawnSync('sh', ['-c', `evtxexport -f xml "$1" | grep -c '<Event xmlns'`, 'sh', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return Number(r.stdout.trim());
  });
}

// ---------------------------------------------------------------- hunting

interface HuntRun { events: number; seconds: number; eventsPerSecond: number; peakMb: number; alerts: number; rulesLoaded: number; stdout: string; summary: string }

/** Runs the real `sigmatch hunt` command and reads its summary. */
function hunt(args: readonly string[], keepOutput = false, defaultThreads = false): HuntRun {
  // Rows say how many worker threads ran; the hunt's own default (which weighs the work and the idle cores) only where asked for.
  const threads = defaultThreads || args.includes('--threads') ? [] : ['--threads', String(availableParallelism())];
  const out = keepOutput ? join('bench/out', 'alerts.jsonl') : '/dev/null';
  const r = spawnSync('node', [cli, 'hunt', '--format', 'jsonl', '--output', out, ...threads, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const err = r.stderr;
  const read = /Read (\d+) events .* in ([\d.]+) s \((\d+) events\/s/.exec(err);
  const peak = /Peak memory: (\d+) MB/.exec(err);
  const alerts = /Alerts: (\d+)/.exec(err);
  const loaded = /Rules: (\d+) loaded/.exec(err);
  if (read === null || peak === null || alerts === null || (r.status !== 0 && r.status !== 1)) throw new Error(`hunt ${args.join(' ')} failed (exit ${r.status}):\n${err.slice(-2000)}`);
  const run = {
    events: Number(read[1]),
    seconds: Number(read[2]),
    eventsPerSecond: Number(read[3]),
    peakMb: Number(peak[1]),
    alerts: Number(alerts[1]),
    rulesLoaded: Number(loaded?.[1] ?? 0),
    stdout: keepOutput ? readFileSync(out, 'utf8') : '',
    summary: err,
  };
  process.stderr.write(`hunt ${args.join(' ')}: ${run.events} events, ${run.rulesLoaded} rules, ${run.alerts} alerts, ${run.seconds} s, ${run.eventsPerSecond} events/s, ${run.peakMb} MB\n`);
  return run;
}

/** A folder of the first n SigmaHQ Windows rule files (sorted by path), linked from the corpus. */
function ruleSubset(n: number): string {
  const all: string[] = [];
  const walk = (p: string) => (statSync(p).isDirectory() ? readdirSync(p).sort().forEach((e) => walk(join(p, e))) : p.endsWith('.yml') && all.push(p));
  walk(join(sigmahq, 'windows'));
  const dir = join('bench/out', `rules-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Spread over the whole tree, so every category is represented.
  const step = all.length / Math.min(n, all.length);
  for (let i = 0; i < Math.min(n, all.length); i++) {
    const src = all[Math.floor(i * step)] as string;
    symlinkSync(resolve(src), join(dir, `${i}-${src.split('/').pop()}`));
  }
  return dir;
}

const { file: huntCorpus, truth } = corpus(huntSize);
const huntRows: string[] = [];
const row = (what: string, r: HuntRun, note = '') =>
  huntRows.push(`| ${what} | ${r.rulesLoaded} | ${r.events} | ${r.seconds.toFixed(1)} | ${r.eventsPerSecond} | ${r.alerts} | ${r.peakMb} | ${note} |`);

// (a) the built-in pack, against the ground truth; workers and the main thread alone must agree.
const pack = hunt([huntCorpus], true);
const alerted = new Map<number, string>();
for (const line of pack.stdout.split('\n')) {
  if (line === '') continue;
  const a = JSON.parse(line) as { log?: { record: number }; process?: { name: string } };
  // The pack's chain correlations alert too; the ground truth is about the twelve rules' alerts.
  if (a.log === undefined || a.process === undefined) continue;
  alerted.set(a.log.record, a.process.name);
}
const expected = truth.filter((t) => t.alert);
const missed = expected.filter((t) => alerted.get(t.record)?.toLowerCase() !== t.utility.toLowerCase());
const extra = [...alerted.keys()].filter((rec) => !expected.some((t) => t.record === rec));
const truthNote = `ground truth: ${expected.length} attacks, ${truth.length - expected.length} lookalikes; missed ${missed.length}, extra ${extra.length}`;
row(`built-in pack, ${availableParallelism()} worker threads`, pack, truthNote);
const packMain = hunt(['--threads', '0', huntCorpus], true);
row('built-in pack, main thread only', packMain, packMain.stdout === pack.stdout ? 'same alerts as with workers' : '**alerts differ from the worker run**');

// (b) every SigmaHQ rule that loads.
const all = existsSync(sigmahq) ? hunt(['--rules', sigmahq, huntCorpus]) : undefined;
if (all !== undefined) row(`all SigmaHQ rules, ${availableParallelism()} worker threads`, all);
const allMain = existsSync(sigmahq) ? hunt(['--threads', '0', '--rules', sigmahq, huntCorpus]) : undefined;
if (allMain !== undefined) row('all SigmaHQ rules, main thread only', allMain);

// Events/s as the rule count grows.
const scaling: Array<{ n: string; run: HuntRun }> = [];
if (existsSync(sigmahq)) {
  for (const n of ruleCounts) scaling.push({ n: String(n), run: hunt(['--rules', ruleSubset(n), huntCorpus]) });
  if (all !== undefined) scaling.push({ n: 'all', run: all });
}

// JSONL input: the read-size corpus dumped by our own CLI.
const jsonl = join('bench/out', `corpus-${label(readSize)}.jsonl`);
if (!existsSync(jsonl) || statSync(jsonl).mtimeMs < statSync(readCorpus).mtimeMs) spawnSync('sh', ['-c', `node "$2" dump --format jsonl "$1" > "$3" 2>/dev/null`, 'sh', readCorpus, cli, jsonl]);
const jsonlRun = existsSync(sigmahq) ? hunt(['--rules', sigmahq, jsonl]) : hunt([jsonl]);
row(`JSONL input (${label(statSync(jsonl).size)}), ${existsSync(sigmahq) ? 'all SigmaHQ rules' : 'built-in pack'}`, jsonlRun, 'JSON lines are read in the worker threads');
// A triage collection against one file, and JSON lines against EVTX on the same events (every SigmaHQ rule).
const inputLines = existsSync(sigmahq) ? inputRows({ hunt: (a) => hunt(a, false, true), outDir: 'bench/out', bytes: huntSize, rules: ['--rules', sigmahq], evtx: readCorpus, jsonl }) : [];

// Real logs: the events of the corpus's real EVTX files replayed by our writer into one file (rounds a day apart).
const realFiles = realEvtxFiles(values.corpus ?? '');
const realSize = bytesOf(values['real-size'] ?? label(Math.min(170e6, huntSize)));
const realLogs = join('bench/out', `real-logs-${label(realSize)}.evtx`);
if (realFiles.length > 0 && !existsSync(realLogs)) {
  const w = writeEvtxFile(realLogs, replayRealEvents(realFiles, realSize));
  process.stderr.write(`replayed ${realFiles.length} real EVTX files into ${realLogs}: ${w.records} records, ${(w.bytes / 1e6).toFixed(0)} MB\n`);
}
const realRun = realFiles.length > 0 && existsSync(sigmahq) ? hunt(['--rules', sigmahq, realLogs]) : undefined;
if (realRun !== undefined) row(`real logs replayed (${label(statSync(realLogs).size)}), all SigmaHQ rules, ${availableParallelism()} worker threads`, realRun, `${realFiles.length} real EVTX files; ${(sizeMb(realLogs) / realRun.seconds).toFixed(1)} MB/s`);
// The generated corpus's mix of channels, event IDs and value lengths against the real files' (first 200,000 events).
function* firstEvents(file: string, n: number) {
  for (const it of readEvtxFile(file)) {
    if (n-- <= 0) return;
    if (it.kind === 'record') yield it.event;
  }
}
const mix = realFiles.length > 0 ? mixLines(measureMix(realEvents(realFiles)), measureMix(firstEvents(readCorpus, 200_000))) : [];

// Peak memory at each memory size, with the built-in pack (and every SigmaHQ rule).
const memory: Array<{ size: number; pack: HuntRun; all?: HuntRun }> = [];
for (const size of memorySizes) {
  const { file } = corpus(size);
  const p = size === huntSize ? pack : hunt([file]);
  const a = existsSync(sigmahq) ? (size === huntSize && all !== undefined ? all : hunt(['--rules', sigmahq, file])) : undefined;
  memory.push({ size, pack: p, ...(a !== undefined ? { all: a } : {}) });
}

// Correlations and filters: their cost in events/s, and correlation state at each memory size.
const tuningLines = correlationFilterRows({
  hunt: (a) => hunt(a),
  outDir: 'bench/out',
  corpus: huntCorpus,
  memoryCorpora: memorySizes.map((size) => ({ label: label(size), file: corpus(size).file })),
  sigmahq: existsSync(sigmahq) ? sigmahq : undefined,
  pack: resolve('rules'),
  pairedRuns: Number(values['paired-runs'] ?? (huntSize >= 100e6 ? 3 : 1)),
});

// Rule loading, cold and warm (the parsed-rule cache), for hunt and check.
const loadRulesDir = values['load-rules'] ?? sigmahq;
const loadRuns = Number(values['load-runs']);
const ruleLoad = existsSync(loadRulesDir) && loadRuns > 0 ? measureRuleLoad(cli, loadRulesDir, loadRuns) : [];

// ---------------------------------------------------------------- report

const lines = [
  '# Benchmark results',
  '',
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. One run; machines here are noisy, so compare ratios within this run.`,
  '',
  `Command: \`npm run bench -- --size ${label(huntSize)} --read-size ${label(readSize)} --memory-sizes ${memorySizes.map(label).join(',')}${values['hostile-before'] !== undefined ? ` --hostile-before ${values['hostile-before']}` : ''}\``,
  '',
  '## Reading EVTX',
  '',
  '| file | what | MB | records | seconds | MB/s | records/s | vs evtxexport |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
];
for (const r of readRows) {
  const ref = readRows.find((x) => x.file === r.file && x.what.startsWith('evtxexport'));
  const ratio = ref === undefined ? '' : `${(ref.seconds / r.seconds).toFixed(2)}×`;
  lines.push(`| ${r.file.split('/').pop()} | ${r.what} | ${r.mb.toFixed(1)} | ${r.records} | ${r.seconds.toFixed(2)} | ${(r.mb / r.seconds).toFixed(1)} | ${Math.round(r.records / r.seconds)} | ${ratio} |`);
}
lines.push(
  '',
  `## Hunting (${huntCorpus.split('/').pop()}, ${label(statSync(huntCorpus).size)})`,
  '',
  'Seconds and events/s are the hunt\'s own, from the first input byte to the last alert resolved (rule loading excluded, worker start-up included); peak memory is the whole process\'s resident set.',
  '',
  '| run | rules | events | seconds | events/s | alerts | peak MB | note |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...huntRows,
);
if (mix.length > 0) {
  lines.push('', '### The generated corpus against real logs', '', `Shares of events and value lengths: the ${realFiles.length} real EVTX files of the corpus (their events once) against the first 200,000 events of ${readCorpus.split('/').pop()}.`, '', ...mix);
}
if (scaling.length > 0) {
  const one = scaling[0]?.run.eventsPerSecond ?? 1;
  lines.push('', '### Events/s as the rule count grows (worker threads)', '', '| rules asked | rules loaded | events/s | vs the smallest set |', '|---:|---:|---:|---:|');
  for (const s of scaling) lines.push(`| ${s.n} | ${s.run.rulesLoaded} | ${s.run.eventsPerSecond} | ${((100 * s.run.eventsPerSecond) / one).toFixed(1)}% |`);
  const allRules = scaling.find((s) => s.n === 'all');
  // One decimal, and the goal said outright: a rounded 40% must not read as met.
  if (allRules !== undefined) lines.push('', `All rules at ${((100 * allRules.run.eventsPerSecond) / one).toFixed(1)}% of the smallest set's throughput (goal: at least 40%).`);
}
lines.push('', '### Peak memory as the input grows', '', '| corpus | events | built-in pack: peak MB | all SigmaHQ rules: peak MB |', '|---|---:|---:|---:|');
for (const m of memory) lines.push(`| ${label(m.size)} | ${m.pack.events} | ${m.pack.peakMb} | ${m.all?.peakMb ?? '—'} |`);
if (memory.length >= 2) {
  const [a, b] = [memory[0], memory[memory.length - 1]] as [(typeof memory)[0], (typeof memory)[0]];
  lines.push('', `Largest vs smallest: built-in pack ${((100 * b.pack.peakMb) / a.pack.peakMb - 100).toFixed(0)}%${a.all && b.all ? `, all SigmaHQ rules ${((100 * b.all.peakMb) / a.all.peakMb - 100).toFixed(0)}%` : ''} (goal: within +20%, under 1,024 MB).`);
}
if (inputLines.length > 0) lines.push('', ...inputLines);
lines.push(...tuningLines);
// Hostile and broken inputs (issue "Hostile and broken input"): time and peak memory of each pathological input.
const hostile = spawnSync('node', [resolve('dist/bench/hostile-inputs.js'), ...(values['hostile-before'] !== undefined ? ['--before', values['hostile-before']] : [])], { encoding: 'utf8', maxBuffer: 16 << 20 });
if (hostile.status === 0) lines.push('', ...hostile.stdout.trimEnd().split('\n'));
else lines.push('', `Hostile inputs: the benchmark failed (exit ${hostile.status}): ${hostile.stderr.slice(-500)}`);
// The HTML report (issue 16): the hunt-size corpus hunted to a report, opened in headless chromium.
const report = spawnSync('node', [resolve('dist/bench/report-bench.js'), '--size', label(huntSize), ...(existsSync(sigmahq) ? ['--rules', sigmahq] : [])], { encoding: 'utf8', maxBuffer: 16 << 20 });
lines.push('', `### The HTML report (\`hunt --format html\`, ${existsSync(sigmahq) ? 'every SigmaHQ rule' : 'built-in pack'}, opened in headless chromium at 1280×800)`, '');
if (report.status === 0) lines.push(...report.stdout.trimEnd().split('\n'));
else lines.push(`The report benchmark failed (exit ${report.status}): ${report.stderr.slice(-500)}`);
// Loading into databases (issue 14): `sigmatch load --db` into DuckDB, SQLite and a PostgreSQL server, against psql's own \copy.
const loadBench = spawnSync('node', [resolve('dist/bench/load-bench.js'), '--file', readCorpus], { encoding: 'utf8', maxBuffer: 16 << 20 });
if (loadBench.status === 0) lines.push('', ...loadBench.stdout.trimEnd().split('\n'));
else lines.push('', `Loading into databases: the benchmark failed (exit ${loadBench.status}): ${loadBench.stderr.slice(-500)}`);
// Converting rules to every target, and hunting in a database against the file hunt (issue 14).
const convertRules = values['load-rules'] ?? join(sigmahq, 'windows');
if (existsSync(convertRules)) {
  const conv = spawnSync('node', [resolve('dist/bench/convert-bench.js'), '--rules', convertRules, '--file', readCorpus], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (conv.status === 0) lines.push('', ...conv.stdout.trimEnd().split('\n'));
  else lines.push('', `Converting and hunting in databases: the benchmark failed (exit ${conv.status}): ${conv.stderr.slice(-500)}`);
}
// The live service (issue 15): events/s through the ES _bulk endpoint with durable acks, ack-to-alert latency, memory;
// the pack with each alert store, and every SigmaHQ rule.
const serveEvents = Number(values['serve-events']);
if (serveEvents > 0) {
  const serveRow = (args: string[]) => spawnSync('node', [resolve('dist/bench/serve-bench.js'), '--events', String(serveEvents), ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const pack = serveRow(['--store', 'both']);
  const every = existsSync(sigmahq) ? serveRow(['--rules', sigmahq]) : undefined;
  lines.push('', `### The live service (\`sigmatch serve\`, ${serveEvents} Winlogbeat-shaped events through \`POST /_bulk\`, gzip, 4 connections)`, '');
  if (pack.status === 0) lines.push(...pack.stdout.trimEnd().split('\n'));
  else lines.push(`The serve benchmark failed (exit ${pack.status}): ${pack.stderr.slice(-500)}`);
  if (every !== undefined) {
    if (every.status === 0) lines.push(...every.stdout.trimEnd().split('\n').slice(2));
    else lines.push(`The serve benchmark with every SigmaHQ rule failed (exit ${every.status}): ${every.stderr.slice(-500)}`);
  }
}
// Past one machine (issue 17): serve --bus with one and two detectors on a NATS server, a detector SIGKILLed.
const busEvents = Number(values['bus-events']);
if (busEvents > 0) {
  const bus = spawnSync('node', [resolve('dist/bench/bus-bench.js'), '--events', String(busEvents)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  lines.push('', `### Past one machine (\`sigmatch serve --bus\`, ${busEvents} events through one ingest instance's \`_bulk\`)`, '');
  lines.push(...(bus.status === 0 ? bus.stdout.trimEnd().split('\n') : [`The bus benchmark failed (exit ${bus.status}): ${bus.stderr.slice(-500)}`]));
}
// The serve soak (issue 15): resident memory under a steady load for --soak-minutes.
const soakMinutes = Number(values['soak-minutes']);
if (soakMinutes > 0) {
  const soakRun = spawnSync('node', [resolve('dist/bench/serve-soak.js'), '--minutes', String(soakMinutes), '--rate', '3000'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  lines.push('', `### The live service under a steady load (\`sigmatch serve\`, ${soakMinutes} minutes at 3,000 events/s through \`_bulk\`, journal pruned to 256 MB)`, '');
  lines.push(...(soakRun.status === 0 ? soakRun.stdout.trimEnd().split('\n') : [`The soak failed (exit ${soakRun.status}): ${soakRun.stderr.slice(-500)}`]));
}
lines.push('', `Built-in pack, ${truthNote}.`);
if (missed.length > 0 || extra.length > 0) lines.push('', `Missed records: ${missed.map((m) => m.record).join(', ') || 'none'}; extra records: ${extra.join(', ') || 'none'}.`);
if (ruleLoad.length > 0) lines.push(...ruleLoadLines(ruleLoad, loadRuns, loadRulesDir === sigmahq ? 'every SigmaHQ rule' : loadRulesDir));
const out = lines.join('\n') + '\n';
process.stdout.write(out);
if (values.results !== undefined) writeFileSync(values.results, out);
if (missed.length > 0 || extra.length > 0 || packMain.stdout !== pack.stdout) {
  process.stderr.write('bench: the built-in pack missed or added alerts, or the modes disagree\n');
  process.exitCode = 1;
}
