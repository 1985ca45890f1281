import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

let done = false;

/**
 * Call before creating worker threads. Node 20 unregisters a worker's isolate from the platform before it
 * disposes of it, so a TurboFan job still compiling on a background thread for that isolate when the worker
 * ends can abort the whole process (`NodePlatform::ForIsolate` assertion, seen in our CI at worker exit).
 * Isolates created after this flag is set compile optimized code on their own thread instead, so nothing of
 * theirs runs elsewhere when they end. Isolates that already exist, the main thread's included, keep
 * compiling concurrently. With every core busy matching, background compilation bought nothing anyway.
 */
export function prepareWorkerIsolates(): void {
  if (done) return;
  done = true;
  setFlagsFromString('--no-concurrent-recompilation');
}

/**
 * The replies of a set of workers, taken in the order their jobs were numbered (`seq`), whichever worker
 * answers first. Messages without a `seq` are left to other listeners. A worker's 'error' event fails
 * every later `take`.
 */
export class OrderedReplies<R extends { readonly seq: number }> {
  private readonly replies = new Map<number, R>();
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  /** `onReply` hears of every reply as it comes (in any order), with the index of the worker that sent it. */
  constructor(workers: readonly Worker[], onReply?: (worker: number) => void) {
    workers.forEach((w, i) => {
      w.on('message', (m: unknown) => {
        if (typeof m !== 'object' || m === null || !('seq' in m)) return;
        this.replies.set((m as R).seq, m as R);
        onReply?.(i);
        this.wake();
      });
      w.on('error', (e: Error) => {
        this.failure = e;
        this.wake();
      });
    });
  }

  /** The reply to job `seq`, once it has come. */
  async take(seq: number): Promise<R> {
    for (;;) {
      const reply = this.replies.get(seq);
      if (reply !== undefined) {
        this.replies.delete(seq);
        return reply;
      }
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
