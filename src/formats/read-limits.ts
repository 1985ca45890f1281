import type { InputProblem } from './input-item.js';

/** Bounds on what one input file may cost, whatever its bytes. */
export interface ReadLimits {
  /**
   * The largest JSON or XML record read, in characters of its text. An EVTX record lives in a 64 KiB chunk
   * (at most about 32 K UTF-16 characters), so even a script-block event exported as JSON with every
   * character escaped stays far below the default.
   */
  readonly maxRecordSize: number;
  /** Problems kept per file; the rest are counted in one closing problem. */
  readonly maxProblems: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxRecordSize: 4 << 20, maxProblems: 100 };

/** The limits with the defaults for what is not given. */
export function readLimits(given: Partial<ReadLimits> = {}): ReadLimits {
  return {
    maxRecordSize: given.maxRecordSize ?? DEFAULT_READ_LIMITS.maxRecordSize,
    maxProblems: given.maxProblems ?? DEFAULT_READ_LIMITS.maxProblems,
  };
}

/**
 * The problems of one file, the first `max` passed on and the rest counted, so that a mangled file costs a
 * bounded number of messages (and bounded memory) however many errors it holds.
 */
export class ProblemCap {
  private seen = 0;

  constructor(
    private readonly file: string,
    private readonly max: number,
    private readonly emit: (p: InputProblem) => void,
    /** Problems already reported for this file by another reader (a range read before this one). */
    already = 0,
  ) {
    this.seen = already;
  }

  add(p: InputProblem): void {
    this.seen++;
    if (this.seen <= this.max) this.emit(p);
  }

  /** Problems seen so far, kept or not. */
  get count(): number {
    return this.seen;
  }

  get full(): boolean {
    return this.seen >= this.max;
  }

  /** The closing problem that says how many were not shown, when some were not; call once at the file's end. */
  close(): void {
    const more = this.seen - this.max;
    if (more > 0) this.emit({ code: 'input-problems-truncated', severity: 'error', message: `${more} more problems in this file not shown (the first ${this.max} are)`, file: this.file });
  }
}
