import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with the plain closing line CI reads: "Tests: N passed, N failed, N skipped".
 * Printed at process exit so it comes after the default reporter's own summary.
 */
export default class SummaryReporter implements Reporter {
  private line = '';

  constructor() {
    process.once('exit', () => {
      if (this.line !== '') process.stdout.write(this.line);
    });
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let count = 0;
      for (const t of m.children.allTests()) {
        count++;
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests; count it so the run cannot look green.
      if (count === 0 && m.state() === 'failed') failed++;
    }
    this.line = `\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`;
  }
}
