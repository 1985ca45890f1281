import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Events may hold bigints (64-bit EVTX values), which JSON cannot carry as such.
const replacer = (_: string, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v);
const reviver = (_: string, v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $bigint?: unknown }).$bigint === 'string' && Object.keys(v).length === 1 ? BigInt((v as { $bigint: string }).$bigint) : v;

/**
 * A value as one line of JSON text for `appendLine` (bigints included, which JSON alone cannot carry).
 * JSON with a replacer or reviver function is several times slower, so they are used only when needed:
 * plain JSON.stringify refuses a bigint, and only a line with `$bigint` in it can hold one.
 */
export function spilledJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (e instanceof TypeError) return JSON.stringify(value, replacer);
    throw e;
  }
}

/** The value of a line written as `appendLine(spilledJson(value))`. */
export function parseSpilled<T>(line: string): T {
  return (line.includes('"$bigint"') ? JSON.parse(line, reviver) : JSON.parse(line)) as T;
}

/** A temporary folder for a hunt's spill files, removed by `dispose`. */
export class SpillDir {
  private dir: string | undefined;
  private n = 0;
  constructor(private readonly parent = tmpdir()) {}
  file(name: string): SpillFile {
    return new SpillFile(this.path(`${name}.jsonl`));
  }
  /** A fresh file name in the folder, for spill files of other formats. */
  path(name: string): string {
    this.dir ??= mkdtempSync(join(this.parent, 'sigmatch-'));
    return join(this.dir, `${this.n++}-${name}`);
  }
  get used(): boolean {
    return this.dir !== undefined;
  }
  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** An append-only file of lines of text (JSON, or packed lines that start with JSON), read back in order. */
export class SpillFile {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  count = 0;

  constructor(readonly path: string) {}

  /** Appends one line of text (without its newline; it must not contain one). */
  appendLine(line: string): void {
    this.pending.push(line, '\n');
    this.pendingBytes += line.length + 1;
    this.count++;
    if (this.pendingBytes > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.fd ??= openSync(this.path, 'w');
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The lines in the order they were appended, without their newlines, read `bufferBytes` at a time (a longer line gets a larger buffer). */
  *lines(bufferBytes = 1 << 20): Generator<string> {
    this.flush();
    if (this.fd === undefined) return;
    const fd = openSync(this.path, 'r');
    try {
      let buf = Buffer.allocUnsafe(bufferBytes);
      let pos = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        const lastNl = buf.lastIndexOf(10, n - 1);
        if (lastNl < 0) {
          if (n < buf.length) throw new Error(`spill file ${this.path} ends inside a line`);
          // A line longer than the buffer: read it again with room for it.
          buf = Buffer.allocUnsafe(buf.length * 2);
          continue;
        }
        pos += lastNl + 1;
        const text = buf.toString('utf8', 0, lastNl + 1);
        let start = 0;
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
          yield text.slice(start, i);
          start = i + 1;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and deletes the file (its lines are no longer needed). */
  remove(): void {
    this.pending = [];
    this.pendingBytes = 0;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }
}
