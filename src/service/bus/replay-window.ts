import type { SigmaCorrelation } from '../../rule/model.js';

/**
 * The default `--bus-replay`: how much of a partition before its ack floor a new owner must read again so that every
 * correlation window the dead owner held open is rebuilt whole: the allowed lateness plus the longest chain of
 * timespans (a correlation over correlations holds its window open for its own timespan after an inner one's, which
 * held its own). A window is never open longer than its timespan: its items older than that are dropped.
 */
export function defaultReplayMs(correlations: readonly SigmaCorrelation[], latenessMs: number): number {
  const byRef = new Map<string, SigmaCorrelation>();
  for (const c of correlations) {
    if (c.id !== undefined) byRef.set(c.id, c);
    if (c.name !== undefined) byRef.set(c.name, c);
  }
  const spans = new Map<SigmaCorrelation, number>();
  const chain = (c: SigmaCorrelation, seen: ReadonlySet<SigmaCorrelation>): number => {
    const known = spans.get(c);
    if (known !== undefined) return known;
    let inner = 0;
    for (const r of c.rules) {
      const ref = byRef.get(r);
      // A reference cycle is refused when the rules load; here it only stops the walk.
      if (ref !== undefined && !seen.has(ref)) inner = Math.max(inner, chain(ref, new Set([...seen, ref])));
    }
    const span = c.timespan * 1000 + inner;
    spans.set(c, span);
    return span;
  };
  let longest = 0;
  for (const c of correlations) longest = Math.max(longest, chain(c, new Set([c])));
  return latenessMs + longest;
}
