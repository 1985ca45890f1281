import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { RowFormat } from '../event/row-bytes.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';
import { BatchBuilder, runHuntTask, type HuntTask } from './match-task.js';
import { RuleSet, type ShippedRule } from './rule-set.js';

/**
 * Worker side of a parallel hunt: compiles the rules its first message gives it (HuntWorkerSetup), then reads
 * and matches the tasks it is sent. The rules come in a message, not in `workerData`, so that the worker
 * starts (a thread, an isolate, the modules: about 0.1 s) while the main thread serializes them.
 */
export interface HuntWorkerSetup {
  /**
   * The rules that compiled on the main thread, filters applied, serialized once (v8.serialize) into shared
   * memory, which every worker reads instead of getting its own copy made by the main thread.
   */
  readonly rules: SharedArrayBuffer;
  /**
   * Or the main thread's compiled rules (RuleSet.shipped): the rules serialized the same way, and each rule's
   * IR apart, deserialized when the worker first needs it; `rules` is then empty.
   */
  readonly compiled?: { readonly rules: SharedArrayBuffer; readonly ir: SharedArrayBuffer; readonly ends: Uint32Array };
  /** The hunt's Sigma filters, serialized as the rules are: the worker gates alerts as the main thread would. */
  readonly filters: SharedArrayBuffer;
}

/** A hunt worker's `workerData`. */
export interface HuntWorkerData {
  /** Hits carry their event's JSON text (see BatchBuilder). */
  readonly eventJson: boolean;
  /** Fields hits carry for correlations (see BatchBuilder). */
  readonly fields: readonly string[];
  /** Events contribute the context entries stories need (see BatchBuilder). */
  readonly stories: boolean;
  /** No matching: events become database rows (`sigmatch load`; see BatchBuilder). */
  readonly rows: boolean | RowFormat;
}

const data = workerData as HuntWorkerData;

function ruleSetOf(setup: HuntWorkerSetup): RuleSet {
  const filters = deserialize(new Uint8Array(setup.filters)) as readonly SigmaFilter[];
  return setup.compiled !== undefined
    ? RuleSet.fromShipped({ rules: deserialize(new Uint8Array(setup.compiled.rules)) as readonly ShippedRule[], ir: setup.compiled.ir, ends: setup.compiled.ends }, { logsource: resolveWindowsLogsource, filters })
    : RuleSet.compile(deserialize(new Uint8Array(setup.rules)) as readonly SigmaRule[], { logsource: resolveWindowsLogsource, filters });
}

let builder: BatchBuilder | undefined;
const setUp = (ruleSet: RuleSet) => new BatchBuilder(ruleSet, { eventJson: data.eventJson, fields: data.fields, stories: data.stories, rows: data.rows });

parentPort?.on('message', (m: { setup: HuntWorkerSetup } | { seq: number; task: HuntTask }) => {
  if ('setup' in m) {
    const ruleSet = ruleSetOf(m.setup);
    builder = setUp(ruleSet);
    parentPort?.postMessage({ ready: ruleSet.rules.length });
    return;
  }
  try {
    if (builder === undefined) throw new Error('a task came before the rules');
    parentPort?.postMessage({ seq: m.seq, result: runHuntTask(m.task, builder) });
  } catch (e) {
    parentPort?.postMessage({ seq: m.seq, error: (e as Error).stack ?? String(e) });
  }
});
