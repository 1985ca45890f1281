import { availableParallelism } from 'node:os';
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
    // One test file more than cores at once (three on 2 cores). vitest's default there is one (cores - 1), which leaves a core idle
    // through the long single-threaded files (the SQL differentials run one database thread each); with two, a
    // quarter of the cores' time still went idle: the suite's files spend about 765 CPU seconds (test/cpu-account.ts)
    // in 985 s of their own wall time, the bus, crash and PostgreSQL files mostly waiting on servers and timers.
    maxWorkers: availableParallelism() + 1,
    minWorkers: 1,
  },
});
