import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { RuleSet } from '../src/engine/rule-set.js';
import { checkRuleFields } from '../src/pipeline/check-fields.js';
import { resolveWindowsLogsource } from '../src/pipeline/windows-logsources.js';
import { loadRules } from '../src/rule/load-rules.js';

/**
 * `node dist/bench/rule-load-phase.js hunt|check RULES cache|cold|no-cache`: times the rule-loading phase of the
 * command as the CLI runs it (same V8 flags as src/cli/main.ts), prints {"seconds", "cpuSeconds", "rules"}.
 * Modules are loaded before the clock starts. `cache`: the user's cache folder as the CLI uses it (warm from
 * the second run on); `cold`: an empty cache folder of its own (made and removed outside the clock), so every
 * file is parsed and the pack written; `no-cache`: `--no-cache`. A stale cache is rewritten after the clock
 * stops, as the CLI rewrites it after the hunt or the report (see deferCacheWrite); "writeSeconds" is that write.
 */
setFlagsFromString('--heap-growing-percent=50');
setFlagsFromString('--no-allocation-site-pretenuring');
const [command, rules, cache] = process.argv.slice(2);
if (rules === undefined || (command !== 'hunt' && command !== 'check') || !['cache', 'cold', 'no-cache'].includes(cache ?? '')) throw new Error('usage: rule-load-phase.js hunt|check RULES cache|cold|no-cache');
const coldDir = cache === 'cold' ? mkdtempSync(join(tmpdir(), 'sigmatch-cold-')) : undefined;
const caching = { cache: cache !== 'no-cache', ...(coldDir !== undefined ? { cacheDir: coldDir } : {}), deferCacheWrite: true };
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let count: number;
// As the CLI does: a stale cache is rewritten after the command's work (here after the clock stops).
let save: (() => void) | undefined;
if (command === 'hunt') {
  const c = loadRules([rules], { placeholders: new Map(), ...caching });
  save = c.saveCache;
  // The default selection of hunt: every level, all statuses but deprecated and unsupported.
  const chosen = c.rules.filter((r) => r.status !== 'deprecated' && r.status !== 'unsupported');
  count = RuleSet.compile(chosen, { filters: c.filters, logsource: resolveWindowsLogsource }).rules.length;
} else {
  const c = loadRules([rules], { placeholders: new Map(), lint: true, ...caching });
  save = c.saveCache;
  count = c.rules.flatMap(checkRuleFields).length >= 0 ? c.rules.length : 0;
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const w0 = process.hrtime.bigint();
save?.();
const writeSeconds = Number(process.hrtime.bigint() - w0) / 1e9;
if (coldDir !== undefined) rmSync(coldDir, { recursive: true, force: true });
// CPU of the whole process (GC helper threads included): on a shared machine, wall time also counts waiting for a core.
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rules: count, ...(save !== undefined ? { writeSeconds } : {}) }) + '\n');
