import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { RowFormat } from '../event/row-bytes.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { SigmaFilter, SigmaRule } from '../rule/model.js';
import { withoutRaw } from '../rule/rule-cache.js';
import type { HuntWorkerData, HuntWorkerSetup } from './hunt-worker.js';
import type { HuntTask, TaskResult } from './match-task.js';
import { RuleSet } from './rule-set.js';
import { OrderedReplies, prepareWorkerIsolates } from '../formats/evtx/workers.js';

/**
 * Semi-space size of each worker's young generation, in MB, by the number of rules. Matching keeps a few MB
 * of short-lived objects (an event's fields, its lower-cased values, hits) alive at any moment, and more the
 * more rules test an event; with a small young generation more of them are copied at every scavenge.
 * Measured on the 200 MB benchmark corpus (2 workers, every SigmaHQ rule, V8's allocation-site pretenuring
 * off as the CLI sets it): 28,100 events/s with 16 MB (peak RSS 649 MB), 28,500 with 32 MB (715 MB), 30,600
 * with 128 MB (1,142 MB). With pretenuring on, 16 MB had cost a third of the throughput. The built-in pack
 * runs as fast with 16 MB.
 */
export function youngSemiSpaceMb(rules: number): number {
  return rules >= 500 ? 32 : 16;
}

/** A value serialized once into shared memory, which every worker reads instead of getting its own copy. */
function sharedCopy(value: unknown): SharedArrayBuffer {
  const bytes = serialize(value);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

/** A rule set as the workers read it (see RuleSet.shipped): the rules in shared memory, each one's IR in its own bytes. */
function shipRules(rules: RuleSet): NonNullable<HuntWorkerSetup['compiled']> {
  const { rules: shipped, ir, ends } = rules.shipped();
  return { rules: sharedCopy(shipped), ir, ends };
}

/** Results, per worker, that may wait to be taken in task order. */
const RESULTS_PER_WORKER = 4;

type Reply = { seq: number; result?: TaskResult; error?: string } | { ready: number };

/**
 * Worker threads that each compile the rule set once, then read and match tasks (EVTX chunk runs, JSON line
 * ranges, several small files at once). Results come
 * back in task order. A task goes to the least busy worker as soon as one has room (at most two in flight
 * each), not in turn: a worker that is ahead keeps working while the next result in order is still being
 * made elsewhere. At most RESULTS_PER_WORKER results per worker wait to be taken, so memory stays bounded.
 */
export class MatchPool {
  private readonly replies: OrderedReplies<{ seq: number; result?: TaskResult; error?: string }>;
  /** Tasks sent to each worker and not answered yet. */
  private readonly busy: number[];
  private current: { readonly tasks: readonly HuntTask[]; sent: number; taken: number } | undefined;

  private constructor(private readonly workers: Worker[]) {
    this.busy = workers.map(() => 0);
    this.replies = new OrderedReplies(workers, (w) => {
      this.busy[w] = (this.busy[w] as number) - 1;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const run = this.current;
    if (run === undefined) return;
    while (run.sent < run.tasks.length && run.sent - run.taken < RESULTS_PER_WORKER * this.workers.length) {
      let w = 0;
      for (let i = 1; i < this.busy.length; i++) if ((this.busy[i] as number) < (this.busy[w] as number)) w = i;
      if ((this.busy[w] as number) >= 2) return;
      (this.workers[w] as Worker).postMessage({ seq: run.sent, task: run.tasks[run.sent] });
      this.busy[w] = (this.busy[w] as number) + 1;
      run.sent++;
    }
  }

  /**
   * `rules` are those that compiled on the calling thread, or its rule set: a set compiled with the Windows
   * logsources (as the workers compile) goes to the workers as IR (RuleSet.shipped), which they need not
   * lower again. `filters` gate their alerts (see RuleSet.compile).
   */
  static async start(threads: number, rules: readonly SigmaRule[] | RuleSet, options: { readonly eventJson?: boolean; readonly fields?: readonly string[]; readonly filters?: readonly SigmaFilter[]; readonly stories?: boolean; readonly rows?: boolean | RowFormat } = {}): Promise<MatchPool> {
    const shipped = rules instanceof RuleSet && rules.logsource === resolveWindowsLogsource;
    const expectedRules = rules instanceof RuleSet ? rules.rules.length : rules.length;
    const data: HuntWorkerData = {
      eventJson: options.eventJson === true,
      fields: options.fields ?? [],
      stories: options.stories === true,
      rows: options.rows ?? false,
    };
    prepareWorkerIsolates();
    // The workers start (a thread, an isolate, the modules) while this thread serializes the rules for them.
    const workers = Array.from({ length: threads }, () => new Worker(new URL('./hunt-worker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 3 * youngSemiSpaceMb(expectedRules) } }));
    const ready = Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: Reply) => {
              if ('ready' in m) {
                w.off('message', onMessage);
                // Both sides must index the same rule list, or alerts would name the wrong rule.
                if (m.ready !== expectedRules) reject(new Error(`a worker compiled ${m.ready} rules, the main thread ${expectedRules}`));
                else resolve();
              }
            };
            w.on('message', onMessage);
            w.once('error', reject);
          }),
      ),
    );
    try {
      // Without `raw`, which nothing a worker runs reads: less to copy into every worker (see withoutRaw).
      const sigmaRules = rules instanceof RuleSet ? (shipped ? [] : rules.rules.map((r) => r.rule)) : rules;
      const setup: HuntWorkerSetup = {
        rules: sharedCopy(sigmaRules.map((r) => ({ ...withoutRaw(r), raw: {} }))),
        ...(shipped ? { compiled: shipRules(rules) } : {}),
        filters: sharedCopy(options.filters ?? []),
      };
      for (const w of workers) w.postMessage({ setup });
      await ready;
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new MatchPool(workers);
  }

  /** Runs the tasks; yields their results in task order. */
  async *run(tasks: readonly HuntTask[]): AsyncGenerator<TaskResult> {
    const run = { tasks, sent: 0, taken: 0 };
    this.current = run;
    try {
      this.dispatch();
      for (let seq = 0; seq < tasks.length; seq++) {
        const m = await this.replies.take(seq);
        run.taken++;
        this.dispatch();
        if (m.error !== undefined) throw new Error(`worker failed on ${tasks[seq]?.pieces.map((p) => p.file).join(', ')}: ${m.error}`);
        yield m.result as TaskResult;
      }
    } finally {
      this.current = undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
