import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeEvtxFile } from '../src/formats/evtx/write-evtx.js';
import { generateEvents } from './generate-corpus.js';

/**
 * Time and peak memory of `sigmatch hunt` on the pathological inputs of issue 18, generated into
 * bench/out/hostile/: a folder holding a link to itself, one 50 MB JSON line, 2 MB of nested brackets, a hunt
 * whose every input fails. `--cli` names another build (the "before": `git worktree add /tmp/old <commit>`,
 * build there, `--cli /tmp/old/dist/src/cli/main.js`). Run: `node dist/bench/hostile-inputs.js`.
 */
const { values } = parseArgs({ options: { cli: { type: 'string' }, before: { type: 'string' }, out: { type: 'string', default: 'bench/out/hostile' } } });
const cli = resolve(values.cli ?? 'dist/src/cli/main.js');
// `--before CLI`: the same inputs through an older build too, side by side (the issue asks for before and after).
const before = values.before === undefined ? undefined : resolve(values.before);
const out = resolve(values.out as string);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const loop = join(out, 'loop');
mkdirSync(loop);
writeEvtxFile(join(loop, 'ws01.evtx'), generateEvents(2000, 7, { injectEvery: 1000 }));
symlinkSync('.', join(loop, 'self'));
const bigLine = join(out, 'big-line.jsonl');
writeFileSync(bigLine, `{"EventID":1,"CommandLine":"${'A'.repeat(50_000_000)}"}\n{"EventID":1,"Image":"C:\\\\Windows\\\\System32\\\\cmd.exe"}\n`);
const brackets = join(out, 'brackets.json');
writeFileSync(brackets, '['.repeat(1_000_000) + ']'.repeat(1_000_000));
const failing = join(out, 'failing');
mkdirSync(failing);
writeFileSync(join(failing, 'binary.json'), Buffer.concat([Buffer.from('{"'), Buffer.alloc(1 << 20, 0)]));
writeFileSync(join(failing, 'garbage.evtx'), Buffer.alloc(1 << 20, 0x41));
symlinkSync(join(failing, 'nowhere.json'), join(failing, 'dangling.json'));

interface Row {
  readonly what: string;
  readonly seconds: number;
  readonly peakMb: number;
  readonly exit: number | null;
  readonly summary: string;
}

function run(what: string, inputs: string[], build = cli): Row {
  // GNU time reports the peak resident set of the process (worker threads included).
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK %M KB %e s', 'node', build, 'hunt', '--format', 'jsonl', '--output', '/dev/null', '--threads', '0', ...inputs], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const m = /PEAK (\d+) KB ([\d.]+) s/.exec(r.stderr);
  const lines = r.stderr.split('\n');
  const problems = lines.filter((l) => / (error|warning) [a-z-]+: /.test(l)).length;
  const read = lines.find((l) => l.startsWith('Read ')) ?? lines.find((l) => l.includes('sigmatch')) ?? '';
  const alerts = lines.find((l) => l.startsWith('Alerts:')) ?? '';
  return { what, seconds: Number(m?.[2] ?? NaN), peakMb: Math.round(Number(m?.[1] ?? NaN) / 1024), exit: r.status, summary: `${problems} problem lines printed; ${read.replace(/\(.*\)/, '').trim()}; ${alerts}`.slice(0, 220) };
}

const inputs: Array<[string, string[]]> = [
  ['folder with a link to itself (one EVTX file of 2,000 events)', [loop]],
  ['one 50 MB JSON line and one normal line', [bigLine]],
  ['2 MB of nested brackets', [brackets]],
  ['every input fails (binary, garbage .evtx, dangling link)', [failing]],
];
const cell = (r: Row) => `${r.seconds.toFixed(2)} | ${r.peakMb} | ${r.exit} | ${r.summary.replace(/\|/g, '/')}`;
const lines =
  before === undefined
    ? [`### Hostile inputs (${cli})`, '', '| input | seconds | peak MB | exit | what the hunt said |', '|---|---:|---:|---:|---|', ...inputs.map(([what, i]) => `| ${what} | ${cell(run(what, i))} |`)]
    : [
        `### Hostile inputs: before (${before}) and after (${cli})`,
        '',
        '| input | build | seconds | peak MB | exit | what the hunt said |',
        '|---|---|---:|---:|---:|---|',
        ...inputs.flatMap(([what, i]) => [`| ${what} | before | ${cell(run(what, i, before))} |`, `| | after | ${cell(run(what, i))} |`]),
      ];
process.stdout.write(lines.join('\n') + '\n');
