import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // dist/ built once for the CLI and worker-thread tests; an event-loop turn between tests (see each file).
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/event-loop-turns.ts', './test/cpu-account.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The longest files first (test/durations.json), so both workers finish together: see test/sequencer.ts.
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
    // Each fork runs its share of the files one after another in the same process, without a fresh module graph per
    // file: isolating them cost about 0.28 s of CPU a file (a new process, vitest's runtime and the imports again), some
    // 35 s of the suite's CPU over 126 files. No test changes process.env, globals, timers or the working folder, or
    // mocks a module (checked with grep when this was set), so nothing leaks from one file into the next. Measured on 40
    // small files: 21.6 CPU s isolated, 10.4 shared.
    isolate: false,
    // Two test files at once. vitest's default on 2 cores is one (cores - 1), which leaves a core idle through
    // the long single-threaded files (the SQL differentials run one database thread each). Three were tried
    // (2026-12-04): the files spend about 750 CPU seconds (SIGMATCH_CPU_LOG, test/cpu-account.ts) plus the servers'
    // and the build's, so the cores are nearly full with two; the suite took 515 s against 517-525 s with two.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
