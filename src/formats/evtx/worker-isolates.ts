import { setFlagsFromString } from 'node:v8';

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
