import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

/** Test files at once: 3, or the N of `--maxWorkers N` on vitest's command line (the minimum follows it, see below). */
const workers = ((): number => {
  const at = process.argv.findIndex((a) => a === '--maxWorkers' || a.startsWith('--maxWorkers='));
  const asked = at < 0 ? undefined : (process.argv[at] as string).includes('=') ? (process.argv[at] as string).split('=')[1] : process.argv[at + 1];
  return asked !== undefined && /^[1-9]\d*$/.test(asked) ? Number(asked) : 3;
})();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // dist/ built once for the CLI and worker-thread tests; an event-loop turn between tests (see each file).
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/event-loop-turns.ts', './test/cpu-account.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The longest files first (test/durations.json), so the workers finish together: see test/sequencer.ts.
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
    // Each fork runs its share of the files one after another in the same process, without a fresh module graph per
    // file: isolating them cost about 0.28 s of CPU a file (a new process, vitest's runtime and the imports again), some
    // 35 s of the suite's CPU over 126 files. No test changes process.env, globals, timers or the working folder, or
    // mocks a module (checked with grep when this was set), so nothing leaks from one file into the next. Measured on 40
    // small files: 21.6 CPU s isolated, 10.4 shared.
    isolate: false,
    // Three test files at once on 2 cores: the files spend about 580 CPU s (SIGMATCH_CPU_LOG, test/cpu-account.ts) in
    // some 740 s of their wall time, the rest waiting on servers (NATS clusters, leases, PostgreSQL, chromium), so a third
    // file fills the gaps: 350 s against 374 s with two (2026-12-05, the same tree, two other sessions beside both).
    // (On 2026-12-04, before the CLI imported only the command it runs and files shared a process, the cores were full
    // with two and three gave nothing.) `--maxWorkers N` on the command line sets both (see `workers`).
    maxWorkers: workers,
    // As many as the most: tinypool removes a fork above minWorkers as soon as it is idle (its idleTimeout is 0), and
    // with isolate: false vitest also recycles the idle forks once the queue drains; the two removals of one fork can
    // meet, and the teardown task the first posted is then terminated by the second, an unhandled "Terminating worker
    // thread" that fails the run after every test passed (seen once under a busy loop, 2026-12-05).
    minWorkers: workers,
  },
});
