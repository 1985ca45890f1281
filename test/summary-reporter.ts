import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
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
    // `npm run test:durations`: this run's time per file (collect, setup and tests), the table test/sequencer.ts orders by.
    const table = process.env['SIGMATCH_DURATIONS'];
    if (table !== undefined && table !== '' && failed === 0) {
      const rows = modules.map((m) => {
        const d = m.diagnostic();
        return [relative(process.cwd(), m.moduleId).split('\\').join('/'), Math.round(d.collectDuration + d.setupDuration + d.duration)] as const;
      });
      rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      writeFileSync(table, `{\n${rows.map(([f, ms]) => `  ${JSON.stringify(f)}: ${ms}`).join(',\n')}\n}\n`);
    }
  }
}
