import { describe, expect, it } from 'vitest';
import { runNode } from '../cli/run-cli.js';

describe('bench/serve-bench.ts', () => {
  it('runs end to end through _bulk and finds the generated attack (smoke: no timing asserted)', async () => {
    const r = await runNode(['dist/bench/serve-bench.js', '--events', '4000', '--batch', '400', '--concurrency', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const row = r.stdout.trim().split('\n').pop() ?? '';
    const cells = row.split('|').map((c) => c.trim());
    expect(cells[1]).toBe('built-in pack');
    expect(cells[2]).toBe('4000');
    // Two cmstp stories (events 1-2 and 2,001-2,002): the two outbound connections alert; the utility starts only
    // feed the chain correlations (generate: false, as in a hunt), whose alerts wait for the event-time watermark
    // (4 seconds of events here, under the 5-minute lateness).
    expect(cells[5]).toBe('2');
  });
});
