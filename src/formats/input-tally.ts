import type { InputProblem } from './input-item.js';
import type { InputListing } from './read-input.js';

/** How the inputs of a hunt went, for its summary line and exit code. */
export interface InputOutcome {
  /** Inputs the hunt meant to read: files listed, plus named paths that are missing or no regular file. */
  readonly inputs: number;
  /** Inputs that gave no event and at least one error (missing, unreadable, no event file, every record broken). */
  readonly failed: number;
  /** The failed inputs by the code of their first error (input-missing, input-format, ...). */
  readonly failedBy: ReadonlyMap<string, number>;
  /** Files read with some events and some errors. */
  readonly partial: number;
  readonly duplicates: number;
  readonly cycles: number;
}

/**
 * Counts, per input file, the events read and the errors met, whatever thread read them. A file fails when it
 * gave no event and an error; a hunt in which some inputs failed must not look like a clean one.
 */
export class InputTally {
  private readonly events = new Map<string, number>();
  private readonly firstError = new Map<string, string>();
  private readonly listingFailures: string[] = [];
  private readonly duplicates: number;
  private readonly cycles: number;

  constructor(listing: Pick<InputListing, 'files' | 'missing' | 'problems' | 'duplicates' | 'cycles'>) {
    for (const f of listing.files) this.events.set(f, 0);
    for (const _ of listing.missing) this.listingFailures.push('input-missing');
    for (const p of listing.problems) if (p.severity === 'error') this.listingFailures.push(p.code);
    this.duplicates = listing.duplicates.length;
    this.cycles = listing.cycles.length;
  }

  /** Events read from a file (any number at once: a batch, a piece). */
  event(file: string, n = 1): void {
    this.events.set(file, (this.events.get(file) ?? 0) + n);
  }

  problem(p: InputProblem): void {
    if (p.severity === 'error' && !this.firstError.has(p.file)) this.firstError.set(p.file, p.code);
  }

  outcome(): InputOutcome {
    const failedBy = new Map<string, number>();
    const count = (code: string) => failedBy.set(code, (failedBy.get(code) ?? 0) + 1);
    for (const code of this.listingFailures) count(code);
    let partial = 0;
    for (const [file, n] of this.events) {
      const code = this.firstError.get(file);
      if (code === undefined) continue;
      if (n === 0) count(code);
      else partial++;
    }
    let failed = 0;
    for (const n of failedBy.values()) failed += n;
    return { inputs: this.events.size + this.listingFailures.length, failed, failedBy, partial, duplicates: this.duplicates, cycles: this.cycles };
  }
}

/**
 * The hunt's exit code: 0 clean without alerts, 1 alerts; 4 some inputs could not be read and no alert, 5 the
 * same with alerts (bit 1 is always "alerts", bit 4 "inputs failed"); 66 no input could be read at all, so
 * nothing was hunted (EX_NOINPUT of sysexits.h). 2, 70 and 74 keep their meaning (usage, bug, system refused).
 */
export function huntExitCode(alerts: number, o: InputOutcome): number {
  if (o.inputs > 0 && o.failed === o.inputs) return 66;
  return (alerts > 0 ? 1 : 0) | (o.failed > 0 ? 4 : 0);
}

const WHY: Record<string, string> = {
  'input-missing': 'missing',
  'input-unreadable': 'unreadable',
  'input-not-file': 'no regular file',
  'input-format': 'no event log format',
  'input-not-events': 'no events in it',
};

/**
 * The summary's first line when inputs failed, worded so it cannot pass for a clean hunt; undefined when
 * every input was read. Printed even with --quiet.
 */
export function failedInputsLine(o: InputOutcome, alerts: number): string | undefined {
  if (o.failed === 0) return undefined;
  const why = [...o.failedBy].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, n]) => `${n} ${WHY[code] ?? `with ${code} errors`}`).join(', ');
  const code = huntExitCode(alerts, o);
  if (code === 66) return `NOTHING HUNTED: none of the ${o.inputs} input${o.inputs === 1 ? '' : 's'} could be read (${why}); exit code 66`;
  return `INCOMPLETE HUNT: ${o.failed} of ${o.inputs} inputs could not be read (${why}); their events were not hunted; exit code ${code}`;
}

/** "3 duplicate files skipped (one file reached by several paths), 1 folder loop not followed", or undefined. */
export function listingLine(o: InputOutcome): string | undefined {
  const parts: string[] = [];
  if (o.duplicates > 0) parts.push(`${o.duplicates} duplicate file${o.duplicates === 1 ? '' : 's'} skipped (a file reached by another path too)`);
  if (o.cycles > 0) parts.push(`${o.cycles} folder loop${o.cycles === 1 ? '' : 's'} not followed`);
  if (o.partial > 0) parts.push(`${o.partial} file${o.partial === 1 ? '' : 's'} read only in part (see the problems)`);
  return parts.length === 0 ? undefined : `Inputs: ${parts.join(', ')}`;
}
