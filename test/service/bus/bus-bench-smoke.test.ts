import { describe, expect, it } from 'vitest';
import { runNode } from '../../cli/run-cli.js';

/** bench/bus-bench.ts end to end with few events (its rows in `npm run bench`): no timing asserted, only that each row ran. */
describe('bench/bus-bench.ts', () => {
  it('runs one and two detectors on a NATS server and a takeover, each row with its events and alerts', async () => {
    const r = await runNode(['dist/bench/bus-bench.js', '--events', '2000']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\| [12] \| \d+ \| 2000 \|/.test(l));
    expect(rows, r.stdout).toHaveLength(2);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      expect(Number(cells[4])).toBeGreaterThan(0); // acked events/s onto the bus
      expect(Number(cells[5])).toBeGreaterThan(0); // events/s drained by the detectors
      expect(Number(cells[6])).toBeGreaterThan(0); // the generated attacks alert
    }
    // The two-detector row's takeover: partitions owned again and the batch sent at the kill detected.
    expect(rows[1]).toMatch(/\| [\d.]+ s \/ [\d.]+ s \(2000 events sent at the kill\) \|$/);
  }, 180_000);
});
