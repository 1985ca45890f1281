import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';
import { BatchBuilder, runHuntTask, type HuntTask } from './match-task.js';
import { RuleSet, type ShippedRule } from './rule-set.js';

/** Worker side of a parallel hunt: compiles the rules it is given, then reads and matches the tasks it is sent. */
export interface HuntWorkerData {
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
  /** Hits carry their event's JSON text (see BatchBuilder). */
  readonly eventJson: boolean;
  /** Fields hits carry for correlations (see BatchBuilder). */
  readonly fields: readonly string[];
  /** Events contribute the context entries stories need (see BatchBuilder). */
  readonly stories: boolean;
  /** The hunt's Sigma filters, serialized as the rules are: the worker gates alerts as the main thread would. */
  readonly filters: SharedArrayBuffer;
  /** No matching: events become database rows (`sigmatch load`; see BatchBuilder). */
  readonly rows: boolean;
}

const data = workerData as HuntWorkerData;
const filters = deserialize(new Uint8Array(data.filters)) as readonly SigmaFilter[];
const ruleSet =
  data.compiled !== undefined
    ? RuleSet.fromShipped({ rules: deserialize(new Uint8Array(data.compiled.rules)) as readonly ShippedRule[], ir: data.compiled.ir, ends: data.compiled.ends }, { logsource: resolveWindowsLogsource, filters })
    : RuleSet.compile(deserialize(new Uint8Array(data.rules)) as readonly SigmaRule[], { logsource: resolveWindowsLogsource, filters });
const builder = new BatchBuilder(ruleSet, { eventJson: data.eventJson, fields: data.fields, stories: data.stories, rows: data.rows });

parentPort?.on('message', (m: { seq: number; task: HuntTask }) => {
  try {
    parentPort?.postMessage({ seq: m.seq, result: runHuntTask(m.task, builder) });
  } catch (e) {
    parentPort?.postMessage({ seq: m.seq, error: (e as Error).stack ?? String(e) });
  }
});
parentPort?.postMessage({ ready: ruleSet.rules.length });
