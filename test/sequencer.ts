import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Runs the longest test files first, by the durations committed in test/durations.json, so that the workers end
 * together. vitest's own order on a fresh clone (no results cache) is by file size, largest first, which ran the
 * shortest files in characters but longest in time (the SQL differentials are six lines each) last, one worker
 * busy for minutes while the other idled. A file the table does not know yet counts as its size in bytes over
 * ten milliseconds (a 5 KB file: half a second), after every known long file. `npm run test:durations` rewrites the
 * table from a full run.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    let known: Record<string, number> = {};
    try {
      known = JSON.parse(readFileSync(new URL('./durations.json', import.meta.url), 'utf8')) as Record<string, number>;
    } catch {
      // No table: every file by its size.
    }
    const weight = new Map<TestSpecification, number>();
    for (const f of files) {
      const key = relative(this.ctx.config.root, f.moduleId).split('\\').join('/');
      weight.set(f, known[key] ?? statSync(f.moduleId).size / 10);
    }
    return [...files].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0));
  }
}
