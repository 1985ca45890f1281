import type { SpillDir, SpillFile } from './spill.js';

type Row = [time: number, seq: number, text: string];
/** In memory the text is kept as UTF-8 bytes: exact to account for, off the JS heap, and never a rope of pieces. */
type MemRow = [time: number, seq: number, bytes: Buffer];

const before = (a: Row, b: Row) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * Puts rendered alerts in time order (ties in the order they were found) with bounded memory: up to
 * `limitBytes` of text is sorted in memory; beyond it, sorted runs go to spill files and are merged at the end.
 */
export class AlertSorter {
  private rows: MemRow[] = [];
  private bytes = 0;
  private readonly runs: SpillFile[] = [];

  constructor(
    private readonly spill: SpillDir,
    private readonly limitBytes = 64 << 20,
  ) {}

  add(time: number, seq: number, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.rows.push([time, seq, bytes]);
    this.bytes += bytes.length + 96;
    if (this.bytes > this.limitBytes) this.flushRun();
  }

  private sortRows(): void {
    this.rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  private flushRun(): void {
    this.sortRows();
    const run = this.spill.file('alerts');
    for (const r of this.rows) run.append([r[0], r[1], r[2].toString('utf8')] satisfies Row);
    run.flush();
    this.runs.push(run);
    this.rows = [];
    this.bytes = 0;
  }

  /** How many sorted runs went to disk. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Every text, in order; the sorter is empty afterwards. */
  *drain(): Generator<string> {
    this.sortRows();
    if (this.runs.length === 0) {
      for (const r of this.rows) yield r[2].toString('utf8');
      this.rows = [];
      return;
    }
    const memory = this.rows.map((r): Row => [r[0], r[1], r[2].toString('utf8')]);
    const sources: Array<Iterator<Row>> = [...this.runs.map((f) => f.read<Row>()), memory[Symbol.iterator]()];
    const heads: Array<Row | undefined> = sources.map((s) => s.next().value as Row | undefined);
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && (best < 0 || before(h, heads[best] as Row))) best = i;
      }
      if (best < 0) break;
      yield (heads[best] as Row)[2];
      heads[best] = (sources[best] as Iterator<Row>).next().value as Row | undefined;
    }
    this.rows = [];
  }
}
