import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * With SIGMATCH_CPU_LOG=FILE, appends one line per test file: its path, wall seconds, and the CPU seconds the
 * worker process and the children it waited for (CLI runs, servers) spent meanwhile (/proc/self/stat's utime,
 * stime, cutime, cstime). Tells a file that waits from one that computes: how much a third worker could overlap.
 */
const log = process.env.SIGMATCH_CPU_LOG;
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}
if (log !== undefined) {
  let wall = 0;
  let cpu = 0;
  beforeAll(() => {
    wall = performance.now();
    cpu = cpuSeconds();
  });
  afterAll(() => {
    appendFileSync(log, `${expect.getState().testPath ?? '?'}\t${((performance.now() - wall) / 1000).toFixed(2)}\t${(cpuSeconds() - cpu).toFixed(2)}\n`);
  });
}
