import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Event } from '../src/event/event.js';
import { RuleSet } from '../src/engine/rule-set.js';
import { normalizeWindowsEvent } from '../src/pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../src/pipeline/windows-logsources.js';
import { loadRules } from '../src/rule/load-rules.js';
import { realEvents, realEvtxFiles } from './real-logs.js';

/**
 * `node dist/bench/profile-matching.js [--corpus ../shared/corpus] [--rounds 3] [--rules DIR] [--top 25]`:
 * matching alone (no reading, no alerts) of the real EVTX files' events against every SigmaHQ rule, on
 * one thread: µs per event, candidate rules per event, and the rules whose matchers take the most time.
 */
const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '../shared/corpus' },
    rules: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    top: { type: 'string', default: '25' },
  },
});
const corpus = values.corpus ?? '../shared/corpus';
const collection = loadRules([values.rules ?? `${corpus}/sigmahq/rules`]);
const ruleSet = RuleSet.compile(collection.rules, { filters: collection.filters, logsource: resolveWindowsLogsource });
// Normalized as the hunt normalizes each event before matching.
const events: Event[] = [...realEvents(realEvtxFiles(corpus))].map(normalizeWindowsEvent);
process.stderr.write(`${ruleSet.rules.length} rules, ${events.length} events\n`);

let matches = 0;
const rounds = Number(values.rounds);
// CPU time (this process's, user + system): on a shared machine it moves much less than the wall clock.
const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = process.cpuUsage();
  matches = 0;
  for (const e of events) matches += ruleSet.match(e).length;
  const t = process.cpuUsage(t0);
  times.push((t.user + t.system) / 1000);
}
const times0 = times[0] ?? 0;
times.sort((a, b) => a - b);
const best = times[0] ?? 0;
process.stdout.write(`matching, CPU ms: first round (lazy set-up included) ${(times0).toFixed(0)} ms; best of ${rounds} ${best.toFixed(0)} ms, ${((1000 * best) / events.length).toFixed(1)} µs/event, ${Math.round((events.length * 1000) / best)} events/s, ${matches} matches\n`);

// Which rules the time goes to: each matcher wrapped with a timer (slower overall; the shares are what counts).
const index = (ruleSet as unknown as { index: { candidates: (e: Event, c: unknown) => readonly { matcher: (c: unknown) => boolean; rule: { title: string } }[] } }).index;
const cache = (ruleSet as unknown as { cache: { reset: (e: Event) => void } }).cache;
const spent = new Map<string, { ms: number; calls: number; hits: number }>();
let candidates = 0;
let prefilterMs = 0;
const t0 = performance.now();
for (const e of events) {
  cache.reset(e);
  const p0 = performance.now();
  const cs = index.candidates(e, cache);
  prefilterMs += performance.now() - p0;
  candidates += cs.length;
  for (const r of cs) {
    const s0 = performance.now();
    const hit = r.matcher(cache);
    const ms = performance.now() - s0;
    let x = spent.get(r.rule.title);
    if (x === undefined) spent.set(r.rule.title, (x = { ms: 0, calls: 0, hits: 0 }));
    x.ms += ms;
    x.calls++;
    if (hit) x.hits++;
  }
}
const total = performance.now() - t0;
const matcherMs = [...spent.values()].reduce((n, x) => n + x.ms, 0);
process.stdout.write(`timed pass ${total.toFixed(0)} ms: candidates+prefilter ${prefilterMs.toFixed(0)} ms, matchers ${matcherMs.toFixed(0)} ms; ${(candidates / events.length).toFixed(1)} candidate rules per event\n`);
const top = [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top));
for (const [title, x] of top) process.stdout.write(`${x.ms.toFixed(1).padStart(8)} ms ${String(x.calls).padStart(7)} calls ${String(x.hits).padStart(6)} hits  ${title}\n`);
