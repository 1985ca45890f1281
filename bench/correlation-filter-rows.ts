import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What run.ts's hunt() reports of one run of the real CLI (stderr is the hunt's summary). */
export interface TuningRun {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly alerts: number;
  readonly peakMb: number;
  readonly summary: string;
}

export interface CorrelationFilterOptions {
  readonly hunt: (args: readonly string[]) => TuningRun;
  readonly outDir: string;
  /** The hunt corpus (the bench's --size). */
  readonly corpus: string;
  /** The memory corpora, smallest first (the bench's --memory-sizes). */
  readonly memoryCorpora: ReadonlyArray<{ readonly label: string; readonly file: string }>;
  /** The SigmaHQ rules folder, when the corpus has it. */
  readonly sigmahq: string | undefined;
  /** The built-in pack. */
  readonly pack: string;
  /** How many times each side of a ratio runs, alternately, so a slow minute of a shared machine hits both sides. */
  readonly pairedRuns: number;
}

const pct = (a: TuningRun, b: TuningRun) => `${((100 * a.eventsPerSecond) / b.eventsPerSecond).toFixed(1)}%`;


/** The run of median events/s among `runs`. */
function median(runs: readonly TuningRun[]): TuningRun {
  const sorted = [...runs].sort((x, y) => x.eventsPerSecond - y.eventsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as TuningRun;
}

/**
 * The two hunts of a ratio, run alternately `o.pairedRuns` times each (a, b, a, b, ...): each side's median run.
 * One run of each side, minutes apart, varied by ±20% here.
 */
function paired(o: CorrelationFilterOptions, a: readonly string[], b: readonly string[]): [TuningRun, TuningRun] {
  const as: TuningRun[] = [];
  const bs: TuningRun[] = [];
  const hunt = o.hunt;
  for (let i = 0; i < o.pairedRuns; i++) {
    as.push(hunt(a));
    bs.push(hunt(b));
  }
  return [median(as), median(bs)];
}

/**
 * A correlation whose groups number as many as the corpus's outbound connections (host, process, destination,
 * source port), which never fires: the state the correlator must keep bounded.
 */
function manyGroupsRules(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'many-groups.yml'),
    `title: Every Outbound Connection
name: bench_every_connection
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        Initiated: 'true'
    condition: selection
level: informational
---
title: Bench Correlation With One Group per Connection
correlation:
    type: event_count
    rules: [bench_every_connection]
    group-by: [Computer, ProcessGuid, DestinationIp, SourcePort]
    timespan: 1h
    condition:
        gte: 1000
level: high
`,
  );
  return dir;
}

/** 100 filter entries of the kind a site writes (each an exclusion of one known-good program and command line). */
function hundredFilters(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 100; i++) {
    writeFileSync(
      join(dir, `mf_known_good_${i}.yml`),
      `title: Known good ${i}
logsource:
    product: windows
filter:
    rules: any
    selection:
        Image|endswith: '\\\\vendor-tool-${i}.exe'
        CommandLine|contains: '/profile site-${i}'
    condition: not selection
`,
    );
  }
  return dir;
}

/**
 * Issue "Correlation": every SigmaHQ rule plus the built-in correlations against the same rules without
 * correlations (goal ≥ 90% of the events/s), and peak memory with a correlation of one group per connection at
 * each memory size (goal: the largest within +20% of the smallest and under 1 GB). Issue "Tuning": 100 filter
 * entries on the pack and on every SigmaHQ rule against none (goal ≥ 90%).
 */
export function correlationFilterRows(o: CorrelationFilterOptions): string[] {
  const lines: string[] = ['', '### Correlations and filters', '', `Each ratio's two hunts ran alternately, ${o.pairedRuns} time${o.pairedRuns === 1 ? '' : 's'} each; each row is its side's median run.`, '', '| run | events | seconds | events/s | alerts | peak MB | vs without | note |', '|---|---:|---:|---:|---:|---:|---:|---|'];
  const row = (what: string, r: TuningRun, base: TuningRun | undefined, note = '') =>
    lines.push(`| ${what} | ${r.events} | ${r.seconds.toFixed(1)} | ${r.eventsPerSecond} | ${r.alerts} | ${r.peakMb} | ${base === undefined ? '' : pct(r, base)} | ${note} |`);
  const rules = o.sigmahq !== undefined ? ['--rules', o.sigmahq, '--rules', o.pack] : ['--rules', o.pack];
  const what = o.sigmahq !== undefined ? 'every SigmaHQ rule + the pack' : 'the pack';

  const [plain, correlated] = paired(o, [...rules, '--no-correlations', o.corpus], [...rules, o.corpus]);
  row(`${what}, no correlations`, plain, undefined);
  row(`${what} with the built-in correlations`, correlated, plain, `goal ≥ 90%; ${/Correlations: (\d+) evaluated/.exec(correlated.summary)?.[1] ?? '?'} correlations`);

  const groupsDir = manyGroupsRules(join(o.outDir, 'rules-many-groups'));
  const memory: TuningRun[] = [];
  for (const m of o.memoryCorpora) {
    const r = o.hunt(['--rules', o.pack, '--rules', groupsDir, m.file]);
    const g = /(\d+) items in (\d+) groups/.exec(r.summary.split('\n').find((l) => l.includes('One Group per Connection')) ?? '');
    memory.push(r);
    row(`pack + a correlation of one group per connection, ${m.label}`, r, undefined, g === null ? '' : `${g[1]} items in ${g[2]} groups`);
  }
  const filters = hundredFilters(join(o.outDir, 'filters-100'));
  const [packPlain, packFiltered] = paired(o, ['--rules', o.pack, o.corpus], ['--rules', o.pack, '--filters', filters, o.corpus]);
  row('the pack, no filters', packPlain, undefined);
  row('the pack with 100 filter entries', packFiltered, packPlain, 'goal ≥ 90%');
  if (o.sigmahq !== undefined) {
    const [allPlain, allFiltered] = paired(o, [...rules, o.corpus], [...rules, '--filters', filters, o.corpus]);
    row(`${what} with the built-in correlations, no filters`, allPlain, undefined);
    row(`${what} with 100 filter entries`, allFiltered, allPlain, 'goal ≥ 90%');
  }
  if (memory.length >= 2) {
    const [a, b] = [memory[0], memory[memory.length - 1]] as [TuningRun, TuningRun];
    lines.push('', `Peak memory with one correlation group per connection, largest vs smallest corpus: ${((100 * b.peakMb) / a.peakMb - 100).toFixed(0)}% (goal: within +20%, under 1,024 MB).`);
  }
  return lines;
}
