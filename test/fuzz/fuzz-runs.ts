import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs of a fuzz property: the short count in CI, or SIGMATCH_FUZZ_RUNS for a long (nightly) run, e.g.
 * `SIGMATCH_FUZZ_RUNS=20000 npx vitest run test/fuzz`. The seed is fast-check's, printed on a failure;
 * SIGMATCH_FUZZ_SEED replays one.
 */
export function fuzzRuns(short: number): { numRuns: number; seed?: number } {
  const runs = Number(process.env['SIGMATCH_FUZZ_RUNS'] ?? short);
  const seed = process.env['SIGMATCH_FUZZ_SEED'];
  return { numRuns: Number.isFinite(runs) && runs > 0 ? runs : short, ...(seed === undefined ? {} : { seed: Number(seed) }) };
}

/** Long runs get more time than vitest's default five seconds. */
export function fuzzTimeout(short: number): number {
  return Math.max(60_000, fuzzRuns(short).numRuns * 200);
}

/** Files under a folder whose names end in `ext`, sorted (deterministic picks). */
export function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(ext)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every n-th element: a spread-out sample of a sorted list. */
export function spread<T>(list: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(list.length / count));
  return list.filter((_, i) => i % step === 0).slice(0, count);
}

/**
 * Bytes to mutate with: the characters each syntax turns on, plus any byte. Mutations replace, insert and
 * delete at random places, then the text may be cut short.
 */
export interface Mutation {
  readonly at: number;
  readonly kind: 'replace' | 'insert' | 'delete' | 'repeat';
  readonly text: string;
  readonly count: number;
}
export function mutate(text: string, mutations: readonly Mutation[], cut: number | undefined): string {
  let s = text;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    if (m.kind === 'replace') s = s.slice(0, at) + m.text + s.slice(at + m.text.length);
    else if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.count);
    // A piece of the text repeated: long runs of one construct (brackets, open strings, aliases).
    else s = s.slice(0, at) + s.slice(at, at + 1 + (m.count % 16)).repeat(1 + m.count * 8) + s.slice(at);
  }
  return cut === undefined ? s : s.slice(0, cut % (s.length + 1));
}
