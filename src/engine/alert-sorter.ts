import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { SpillDir } from './spill.js';

/** A rendered alert: its sort key and its text as UTF-8 bytes (exact to account for, off the JS heap). */
export interface Row {
  readonly time: number;
  readonly seq: number;
  readonly bytes: Uint8Array;
}

const before = (a: Row, b: Row) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

/** Bytes before each row's text in a run file: time and seq (float64), text length (uint32). */
const HEAD = 20;
const BLOCK = 1 << 20;

/** A sorted run on disk: rows as HEAD + text bytes, written and read in 1 MiB blocks. */
class RunFile {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  write(rows: readonly Row[]): void {
    const fd = (this.fd = openSync(this.path, 'w+'));
    let buf = Buffer.allocUnsafe(BLOCK);
    let pos = 0;
    for (const r of rows) {
      const need = HEAD + r.bytes.length;
      if (pos + need > buf.length) {
        writeSync(fd, buf, 0, pos);
        pos = 0;
        if (need > buf.length) buf = Buffer.allocUnsafe(need);
      }
      buf.writeDoubleLE(r.time, pos);
      buf.writeDoubleLE(r.seq, pos + 8);
      buf.writeUInt32LE(r.bytes.length, pos + 16);
      buf.set(r.bytes, pos + HEAD);
      pos += need;
    }
    writeSync(fd, buf, 0, pos);
  }

  /** The rows in order; each row's bytes stay valid after the next row is read (blocks are not reused). */
  *read(): Generator<Row> {
    const fd = this.fd as number;
    let block = Buffer.allocUnsafe(0);
    let at = 0;
    let filePos = 0;
    /** Makes the next n bytes available at block[at..]; false at the end of the file. */
    const fill = (n: number): boolean => {
      if (block.length - at >= n) return true;
      const rest = block.subarray(at);
      const next = Buffer.allocUnsafe(Math.max(BLOCK, n));
      rest.copy(next);
      const got = readSync(fd, next, rest.length, next.length - rest.length, filePos);
      filePos += got;
      block = next.subarray(0, rest.length + got);
      at = 0;
      if (block.length === 0) return false;
      if (block.length < n) throw new Error(`alert spill file ${this.path} ends inside a row`);
      return true;
    };
    while (fill(HEAD)) {
      const time = block.readDoubleLE(at);
      const seq = block.readDoubleLE(at + 8);
      const length = block.readUInt32LE(at + 16);
      fill(HEAD + length);
      yield { time, seq, bytes: block.subarray(at + HEAD, at + HEAD + length) };
      at += HEAD + length;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Puts rendered alerts in time order (ties in the order they were found) with bounded memory: up to
 * `limitBytes` of text is sorted in memory; beyond it, sorted runs go to spill files and are merged at the
 * end. Text stays UTF-8 bytes from `add` to the output: runs are binary, never re-encoded or parsed.
 */
export class AlertSorter {
  private rows: Row[] = [];
  private bytes = 0;
  private readonly runs: RunFile[] = [];

  constructor(
    private readonly spill: SpillDir,
    private readonly limitBytes = 64 << 20,
  ) {}

  add(time: number, seq: number, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.rows.push({ time, seq, bytes });
    this.bytes += bytes.length + 96;
    if (this.bytes > this.limitBytes) this.flushRun();
  }

  private sortRows(): void {
    this.rows.sort((a, b) => a.time - b.time || a.seq - b.seq);
  }

  private flushRun(): void {
    this.sortRows();
    const run = new RunFile(this.spill.path('alerts'));
    run.write(this.rows);
    this.runs.push(run);
    this.rows = [];
    this.bytes = 0;
  }

  /** How many sorted runs went to disk. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Every alert's text as UTF-8 bytes, in order; the sorter is empty afterwards. */
  *drain(): Generator<Uint8Array> {
    for (const r of this.drainRows()) yield r.bytes;
  }

  /** Every row (time, sequence, UTF-8 text), in order; the sorter is empty afterwards. */
  *drainRows(): Generator<Row> {
    this.sortRows();
    const memory = this.rows;
    this.rows = [];
    this.bytes = 0;
    if (this.runs.length === 0) {
      yield* memory;
      return;
    }
    const sources: Array<Iterator<Row>> = [...this.runs.map((f) => f.read()), memory[Symbol.iterator]()];
    const heads: Array<Row | undefined> = sources.map((s) => s.next().value as Row | undefined);
    try {
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h !== undefined && (best < 0 || before(h, heads[best] as Row))) best = i;
        }
        if (best < 0) break;
        yield heads[best] as Row;
        heads[best] = (sources[best] as Iterator<Row>).next().value as Row | undefined;
      }
    } finally {
      for (const r of this.runs) r.close();
      this.runs.length = 0;
    }
  }
}
