import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { triageCollection } from './triage-corpus.js';

/** What run.ts's hunt() reports of one run of the real CLI. */
export interface InputRun {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly alerts: number;
  readonly peakMb: number;
}

export interface InputRowsOptions {
  readonly hunt: (args: readonly string[]) => InputRun;
  readonly outDir: string;
  /** The triage collection's size (the bench's --size). */
  readonly bytes: number;
  readonly rules: readonly string[];
  /** The same events as EVTX and as JSON lines, with a run of the JSON lines already made (or not). */
  readonly evtx: string;
  readonly jsonl: string;
  readonly jsonlRun?: InputRun;
}

const mb = (f: string) => statSync(f).size / 1e6;
const pct = (a: InputRun, b: InputRun) => `${((100 * a.eventsPerSecond) / b.eventsPerSecond).toFixed(1)}%`;

/**
 * Issue "The first minute on a new machine": a triage collection (about 300 EVTX files of realistic sizes)
 * against the same events in one file, the default thread choice against --threads 0, and JSON lines against
 * EVTX on the same events; every run with the given rules, in one run of the bench. Returns the report's lines.
 */
export function inputRows(o: InputRowsOptions): string[] {
  const t = triageCollection(o.outDir, o.bytes);
  const files = readdirSync(t.dir);
  const sizes = files.map((f) => statSync(join(t.dir, f)).size);
  const empty = sizes.filter((s) => s <= 4096).length;
  const small = sizes.filter((s) => s > 4096 && s <= 4096 + 3 * 65536).length;
  const big = sizes.filter((s) => s > 20e6).length;
  const r = [...o.rules];
  const one = o.hunt([...r, t.oneFile]);
  const folder = o.hunt([...r, t.dir]);
  const folderMain = o.hunt(['--threads', '0', ...r, t.dir]);
  const evtx = o.hunt([...r, o.evtx]);
  const jsonl = o.jsonlRun ?? o.hunt([...r, o.jsonl]);
  const row = (what: string, run: InputRun, vs: string) => `| ${what} | ${run.events} | ${run.seconds.toFixed(1)} | ${run.eventsPerSecond} | ${run.alerts} | ${run.peakMb} | ${vs} |`;
  return [
    '### Triage collections and JSON lines',
    '',
    `Triage collection: ${files.length} EVTX files (${small} of one to three chunks, ${empty} empty, ${big} over 20 MB; ${(sizes.reduce((a, b) => a + b, 0) / 1e6).toFixed(0)} MB) cut in order from one generated stream, and that stream in one file (${mb(t.oneFile).toFixed(0)} MB). JSON lines: \`sigmatch dump --format jsonl\` of ${o.evtx.split('/').pop()} (${mb(o.jsonl).toFixed(0)} MB), hunted against that EVTX file. Default thread choice unless the run says otherwise.`,
    '',
    '| run | events | seconds | events/s | alerts | peak MB | vs |',
    '|---|---:|---:|---:|---:|---:|---|',
    row('one file', one, ''),
    row(`triage collection (${files.length} files)`, folder, `${pct(folder, one)} of one file (goal: at least 80%)`),
    row('triage collection, --threads 0', folderMain, `default choice at ${pct(folder, folderMain)} of --threads 0 (goal: at least 100%)`),
    row(`EVTX (${mb(o.evtx).toFixed(0)} MB)`, evtx, ''),
    row(`JSON lines (${mb(o.jsonl).toFixed(0)} MB), the same events`, jsonl, `${pct(jsonl, evtx)} of EVTX (goal: at least 80%)`),
    '',
    `Same alerts: triage collection ${folder.alerts === one.alerts && folderMain.alerts === one.alerts ? 'as many as the one file, in both modes' : '**differs from the one file**'}; JSON lines ${jsonl.alerts === evtx.alerts ? 'as many as EVTX' : '**differ from EVTX**'}.`,
  ];
}
