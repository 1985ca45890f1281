import fc from 'fast-check';
import type { InputItem } from '../../src/formats/input-item.js';
import type { Mutation } from './fuzz-runs.js';

/** Mutations drawn from the characters that matter to a syntax, and any character. */
export function mutations(special: readonly string[], maxLength = 30): fc.Arbitrary<Mutation[]> {
  const text = fc.oneof(fc.constantFrom(...special), fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)));
  const one = fc.record({ at: fc.nat(), kind: fc.constantFrom<Mutation['kind']>('replace', 'insert', 'delete', 'repeat'), text, count: fc.nat({ max: 64 }) });
  return fc.array(one, { minLength: 1, maxLength });
}

/** What any reader's items must be: events with a source, problems with a stable code and a place. */
export function checkItems(items: readonly InputItem[], file: string, maxProblems: number): void {
  let problems = 0;
  for (const item of items) {
    if (item.kind === 'event') {
      if (typeof item.event.fields !== 'object' || item.event.source?.file !== file) throw new Error(`an event without fields or source: ${JSON.stringify(item.event).slice(0, 200)}`);
      continue;
    }
    problems++;
    const p = item.problem;
    if (!/^[a-z]+(-[a-z]+)+$/.test(p.code) || p.file !== file || p.message === '') throw new Error(`a problem without code, file or message: ${JSON.stringify(p)}`);
    if (p.code !== 'input-problems-truncated' && (p.line === undefined || p.line < 1 || (p.column ?? 1) < 0)) throw new Error(`a problem without its place: ${JSON.stringify(p)}`);
  }
  // The first N and one closing problem.
  if (problems > maxProblems + 1) throw new Error(`${problems} problems, more than ${maxProblems} and the closing one`);
}

/** A text that stresses resynchronisation: one construct repeated to a size (printed as that, not in full). */
export interface Repeated {
  readonly unit: string;
  readonly text: string;
}
export function pathological(pieces: readonly string[], size: number): fc.Arbitrary<Repeated> {
  return fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 4 }).map((chosen) => {
    const unit = chosen.join('');
    return { unit, text: unit.repeat(Math.ceil(size / unit.length)).slice(0, size), [fc.toStringMethod]: () => `${JSON.stringify(unit)} repeated to ${size} characters` };
  });
}

/** Milliseconds one call takes. */
export function timed(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}
