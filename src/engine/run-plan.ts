import type { Hit } from './alert.js';
import type { MatchBatch } from './hunt-session.js';
import type { MatchPool } from './match-pool.js';
import { runHuntTask, type BatchBuilder, type HuntTask, type PieceResult, type TaskResult } from './match-task.js';
import { formatInputProblem, type InputProblem } from '../formats/input-item.js';
import type { JsonResume } from '../formats/json/read-json-range.js';
import { readJsonFile } from '../formats/json/read-json.js';
import type { InputTally } from '../formats/input-tally.js';
import { readInput } from '../formats/read-input.js';
import { ProblemCap, readLimits, type ReadLimits } from '../formats/read-limits.js';
import type { PieceMeta, Unit } from './plan-inputs.js';

/** Where the batches go, in input order: the hunt session, or the loader's writer (which may make the reading wait). */
export interface BatchSink {
  add(batch: MatchBatch): void | Promise<void>;
}

export interface PlanRun {
  readonly session: BatchSink;
  /** Matches on the main thread: files read whole, JSON read on from a resume point, tasks without a pool. */
  readonly builder: BatchBuilder;
  readonly pool: MatchPool | undefined;
  readonly recover: boolean;
  /** Formatted problems, in input order. */
  readonly problems: string[];
  /** After each piece or batch: the file it belonged to and the input bytes it finished. */
  readonly progress: (fileIndex: number, bytes: number) => void;
  /** Events and errors per file, for the hunt's failed-input line and exit code. */
  readonly tally?: InputTally;
  /** Record size and problem limits for the readers on this thread (the tasks carry their own). */
  readonly limits?: Partial<ReadLimits>;
}

/** Per file, the first problems shown and the rest counted, whichever thread read them (see ProblemCap). */
const caps = new WeakMap<PlanRun, Map<string, ProblemCap>>();

/** A problem of an input: counted for its file, and kept formatted for stderr up to the file's cap. */
function note(run: PlanRun, p: InputProblem): void {
  run.tally?.problem(p);
  // A reader's own closing "N more" line passes: it already stands for the problems it did not send.
  if (p.code === 'input-problems-truncated') return void run.problems.push(formatInputProblem(p));
  let byFile = caps.get(run);
  if (byFile === undefined) caps.set(run, (byFile = new Map()));
  let cap = byFile.get(p.file);
  if (cap === undefined) byFile.set(p.file, (cap = new ProblemCap(p.file, readLimits(run.limits).maxProblems, (q) => run.problems.push(formatInputProblem(q)))));
  cap.add(p);
}

/** Each file's closing "N more problems" line, once every input is read. */
function closeCaps(run: PlanRun): void {
  for (const cap of caps.get(run)?.values() ?? []) cap.close();
  caps.delete(run);
}

/** Line numbers of a JSON file as its ranges come back: each range counted its own from 1. */
interface JsonFile {
  readonly file: string;
  readonly fileIndex: number;
  /** Lines of the ranges before the next one. */
  base: number;
  /** The rest of the file was read on from a resume point: its later ranges' results are not used. */
  taken: boolean;
}

/**
 * Reads and matches the plan's units in input order and hands every batch to the session in that order,
 * whether the tasks run in the workers or here: the same batches either way, so the same alerts.
 */
export async function runPlan(units: readonly Unit[], run: PlanRun): Promise<void> {
  let json: JsonFile | undefined;
  const usePiece = async (r: PieceResult, m: PieceMeta, file: string, kind: 'evtx' | 'json') => {
    for (const p of m.problems) note(run, p);
    run.tally?.event(file, r.events);
    if (kind === 'evtx') {
      for (const p of r.problems) note(run, p);
      await run.session.add(r);
      return;
    }
    if (m.first) json = { file, fileIndex: m.fileIndex, base: 0, taken: false };
    const f = json as JsonFile;
    if (f.taken) return;
    for (const p of r.problems) note(run, shiftProblem(p, f.base));
    if (f.base > 0) shiftHits(r.hits, f.base);
    await run.session.add(r);
    const end = r.json;
    if (end?.resume !== undefined) {
      f.taken = true;
      await readOn(f, end.resume, run);
    } else f.base += end?.lines ?? 0;
  };
  for (let u = 0; u < units.length; ) {
    const unit = units[u] as Unit;
    if (unit.kind === 'file') {
      for await (const item of readInput(unit.file, { recover: run.recover, ...(run.limits !== undefined ? { limits: run.limits } : {}) })) {
        if (item.kind === 'problem') note(run, item.problem);
        else await add(run, item.event, unit.fileIndex, unit.file);
      }
      await run.session.add(run.builder.take());
      run.progress(unit.fileIndex, unit.bytes);
      u++;
      continue;
    }
    // A run of consecutive tasks goes through the workers together.
    const tasks: Array<Extract<Unit, { kind: 'task' }>> = [];
    while (u < units.length && (units[u] as Unit).kind === 'task') tasks.push(units[u++] as Extract<Unit, { kind: 'task' }>);
    const results = run.pool !== undefined ? run.pool.run(tasks.map((t) => t.task)) : inThread(tasks.map((t) => t.task), run.builder);
    let i = 0;
    for await (const r of results) {
      const t = tasks[i++] as Extract<Unit, { kind: 'task' }>;
      for (let k = 0; k < r.length; k++) {
        const piece = t.task.pieces[k] as HuntTask['pieces'][number];
        const m = t.meta[k] as PieceMeta;
        await usePiece(r[k] as PieceResult, m, piece.file, piece.kind);
        run.progress(m.fileIndex, m.bytes);
      }
    }
  }
  closeCaps(run);
}

/** Adds an event read on this thread; every 2,048 the batch goes to the sink, whose promise (if any) the caller awaits. */
function add(run: PlanRun, event: Parameters<BatchBuilder['add']>[0], fileIndex: number, file: string): void | Promise<void> {
  run.tally?.event(file);
  run.builder.add(event);
  if (run.builder.size < 2048) return;
  const sent = run.session.add(run.builder.take());
  run.progress(fileIndex, 0);
  return sent;
}

/** The rest of a JSON file, from where its ranges could not go on, read here. */
async function readOn(f: JsonFile, resume: JsonResume, run: PlanRun): Promise<void> {
  const from = { byte: resume.byte, state: resume.state, line: f.base + resume.line, column: resume.column };
  for await (const item of readJsonFile(f.file, from, run.limits)) {
    if (item.kind === 'problem') note(run, item.problem);
    else await add(run, item.event, f.fileIndex, f.file);
  }
  await run.session.add(run.builder.take());
}

function shiftProblem(p: InputProblem, base: number): InputProblem {
  return base === 0 || p.line === undefined ? p : { ...p, line: p.line + base };
}

/** Gives a range's hits their file line numbers; hits of one event share its source object, shifted once. */
function shiftHits(hits: readonly Hit[], base: number): void {
  const done = new Set<object>();
  for (const h of hits) {
    const source = h.event.source as { line?: number } | undefined;
    if (source === undefined || source.line === undefined || done.has(source)) continue;
    done.add(source);
    source.line += base;
  }
}

function* inThread(tasks: readonly HuntTask[], builder: BatchBuilder): Generator<TaskResult> {
  for (const t of tasks) yield runHuntTask(t, builder);
}
