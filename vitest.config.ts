import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // dist/ built once for the CLI and worker-thread tests; an event-loop turn between tests (see each file).
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/event-loop-turns.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
