import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Rule loading with every SigmaHQ rule (issue "The first minute on a new machine"): cold (an empty cache
 * folder) and warm (the run before left the cache), for `hunt` of an empty JSON file and for `check`.
 * Two numbers each: the rule-loading phase alone (loadRules, then for hunt the selection and
 * RuleSet.compile, for check the field checks; timed inside a child process run with the CLI's V8 flags,
 * bench/rule-load-phase.ts) and the whole command (process start to exit). Medians of `repeat` runs.
 */
export interface RuleLoadRow {
  readonly command: 'hunt' | 'check';
  readonly cache: 'cold' | 'warm' | 'off';
  readonly phaseSeconds: number;
  /** The process's CPU time over the phase (median). */
  readonly phaseCpuSeconds: number;
  readonly commandSeconds: number;
  readonly rules: number;
}

const PHASE = fileURLToPath(new URL('./rule-load-phase.js', import.meta.url));

export function measureRuleLoad(cli: string, rules: string, repeat = 5): RuleLoadRow[] {
  const work = mkdtempSync(join(tmpdir(), 'sigmatch-bench-load-'));
  const empty = join(work, 'empty.json');
  writeFileSync(empty, '[]\n');
  const out: RuleLoadRow[] = [];
  try {
    for (const command of ['hunt', 'check'] as const) {
      const args = command === 'hunt' ? ['hunt', empty, '--rules', rules, '--quiet'] : ['check', rules, '--quiet'];
      // Per run: phase wall, command wall, phase CPU.
      const samples = { cold: [] as number[][], warm: [] as number[][], off: [] as number[][] };
      let count = 0;
      for (let i = 0; i < repeat; i++) {
        const xdg = mkdtempSync(join(work, 'xdg-'));
        const env = { ...process.env, XDG_CACHE_HOME: xdg };
        for (const cache of ['cold', 'warm'] as const) {
          const phase = runPhase(command, rules, env, true);
          count = phase.rules;
          samples[cache].push([phase.seconds, 0, phase.cpuSeconds]);
        }
        rmSync(xdg, { recursive: true, force: true });
        const phaseOff = runPhase(command, rules, env, false);
        samples.off.push([phaseOff.seconds, 0, phaseOff.cpuSeconds]);
        // The whole command, on a cache of its own: cold, then warm, then --no-cache.
        const xdg2 = mkdtempSync(join(work, 'xdg-'));
        const env2 = { ...process.env, XDG_CACHE_HOME: xdg2 };
        (samples.cold[i] as number[])[1] = timeCommand(cli, args, env2);
        (samples.warm[i] as number[])[1] = timeCommand(cli, args, env2);
        (samples.off[i] as number[])[1] = timeCommand(cli, [...args, '--no-cache'], env2);
        rmSync(xdg2, { recursive: true, force: true });
      }
      for (const cache of ['cold', 'warm', 'off'] as const) {
        const s = samples[cache];
        out.push({ command, cache, phaseSeconds: median(s.map((x) => x[0] as number)), phaseCpuSeconds: median(s.map((x) => x[2] as number)), commandSeconds: median(s.map((x) => x[1] as number)), rules: count });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const r of out) process.stderr.write(`rule load ${r.command} ${r.cache}: phase ${r.phaseSeconds.toFixed(2)} s (CPU ${r.phaseCpuSeconds.toFixed(2)} s), command ${r.commandSeconds.toFixed(2)} s (${r.rules} rules)\n`);
  return out;
}

function runPhase(command: string, rules: string, env: NodeJS.ProcessEnv, cache: boolean): { seconds: number; cpuSeconds: number; rules: number } {
  const r = spawnSync(process.execPath, [PHASE, command, rules, cache ? 'cache' : 'no-cache'], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`rule-load phase ${command} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as { seconds: number; cpuSeconds: number; rules: number };
}

function timeCommand(cli: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`sigmatch ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return seconds;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The report's section. */
export function ruleLoadLines(rows: readonly RuleLoadRow[], repeat: number, what: string): string[] {
  const lines = [
    '',
    `## Rule loading, ${what} (median of ${repeat} runs)`,
    '',
    "Rules: compiled for hunt, read for check. Phase: loadRules plus, for hunt, the rule selection and RuleSet.compile, for check the field checks (timed in a child process with the CLI's V8 flags; CPU is the process's, GC threads included, which on a shared machine says how much of the wall time was waiting for a core). Command: the whole `sigmatch hunt EMPTY.json --rules RULES --quiet` or `sigmatch check RULES --quiet`, process start to exit. Cold: an empty cache folder; warm: the cache the run before left; off: `--no-cache`. Goal: phase at most 1.0 s cold, 0.3 s warm.",
    '',
    '| command | rules | cache | phase s | phase CPU s | command s | phase: --no-cache / this |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const off = rows.find((x) => x.command === r.command && x.cache === 'off');
    const ratio = off === undefined || r.phaseSeconds === 0 ? '' : `${(off.phaseSeconds / r.phaseSeconds).toFixed(2)}×`;
    lines.push(`| ${r.command} | ${r.rules} | ${r.cache} | ${r.phaseSeconds.toFixed(2)} | ${r.phaseCpuSeconds.toFixed(2)} | ${r.commandSeconds.toFixed(2)} | ${r.cache === 'off' ? '' : ratio} |`);
  }
  return lines;
}
