import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEvtxFile } from '../src/formats/evtx/read-evtx.js';
import { readEvtxParallel } from '../src/formats/evtx/read-evtx-parallel.js';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import { generateEvents } from './generate-corpus.js';

/**
 * `npm run bench [-- --size 200MB] [--results FILE]`: EVTX read throughput of our reader (events,
 * XML dump, worker threads) next to Debian's evtxexport on the same files, in one run.
 */
const { values } = parseArgs({ options: { size: { type: 'string', default: '200MB' }, results: { type: 'string' }, corpus: { type: 'string', default: '../shared/corpus' } } });
const mb = Number(/^(\d+)MB$/i.exec(values.size ?? '')?.[1] ?? NaN);
if (Number.isNaN(mb)) throw new Error('--size takes a number of megabytes, e.g. 200MB');

mkdirSync('bench/out', { recursive: true });
const big = join('bench/out', `sysmon-${mb}MB.evtx`);
if (!existsSync(big) || Math.abs(statSync(big).size - mb * 1e6) > mb * 1e5) {
  const t0 = Date.now();
  // About 930 bytes per event in our files.
  const w = writeEvtxFile(big, generateEvents(Math.round((mb * 1e6) / 930)));
  process.stderr.write(`generated ${big}: ${w.records} records, ${(w.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

interface Row { file: string; what: string; mb: number; records: number; seconds: number }
const rows: Row[] = [];
const sizeMb = (f: string) => statSync(f).size / 1e6;

async function timeIt(file: string, what: string, run: () => Promise<number> | number) {
  const t0 = process.hrtime.bigint();
  const records = await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rows.push({ file, what, mb: sizeMb(file), records, seconds });
  process.stderr.write(`${what.padEnd(34)} ${file}: ${records} records, ${seconds.toFixed(2)} s\n`);
}

const files = [big];
for (const f of ['evtx/evtx-rs-samples/security.evtx', 'evtx/evtx-rs-samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx']) {
  const p = join(values.corpus ?? '', f);
  if (existsSync(p)) files.push(p);
}
for (const file of files) {
  await timeIt(file, 'sigmatch read → events (1 thread)', async () => {
    let n = 0;
    for await (const it of readEvtxFile(file)) if (it.kind === 'record') n++;
    return n;
  });
  await timeIt(file, 'sigmatch dump --format xml (CLI)', () => {
    // The real command, output to /dev/null, counted from its own summary line.
    const r = spawnSync('sh', ['-c', `node dist/src/cli/main.js dump --format xml "$1" 2>&1 >/dev/null | tail -1`, 'sh', file], { encoding: 'utf8' });
    return Number(/^(\d+) events/.exec(r.stdout.trim())?.[1] ?? 0);
  });
  await timeIt(file, `sigmatch read → events (${availableParallelism()} workers)`, async () => {
    let n = 0;
    for await (const it of readEvtxParallel(file)) if (it.kind === 'event') n++;
    return n;
  });
  await timeIt(file, 'evtxexport -f xml', () => {
    const r = spawnSync('sh', ['-c', `evtxexport -f xml "$1" | grep -c '<Event xmlns'`, 'sh', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return Number(r.stdout.trim());
  });
}

const lines = [
  '# Benchmark results',
  '',
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}. Command: \`npm run bench -- --size ${mb}MB\` (one run; machines here are noisy).`,
  '',
  '| file | what | MB | records | seconds | MB/s | records/s | vs evtxexport |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
];
for (const r of rows) {
  const ref = rows.find((x) => x.file === r.file && x.what.startsWith('evtxexport'));
  const ratio = ref === undefined ? '' : `${(ref.seconds / r.seconds).toFixed(2)}×`;
  lines.push(`| ${r.file.split('/').pop()} | ${r.what} | ${r.mb.toFixed(1)} | ${r.records} | ${r.seconds.toFixed(2)} | ${(r.mb / r.seconds).toFixed(1)} | ${Math.round(r.records / r.seconds)} | ${ratio} |`);
}
const out = lines.join('\n') + '\n';
process.stdout.write(out);
if (values.results !== undefined) writeFileSync(values.results, out);
