import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaselineLearner } from '../tuning/learn-baseline.js';
import { huntAlerts } from '../tuning/hunt-alerts.js';
import { mergeCovered } from '../tuning/merge-covered.js';
import { loadSiteRules } from '../tuning/site-rules.js';
import { renderBaselineFilters } from '../tuning/write-baseline-filters.js';
import type { CommandSpec } from './command.js';
import { builtinRulesDir } from './hunt.js';
import { examples, intOption, noCacheOption, repeatable } from './option-values.js';
import { parsePlaceholders } from './placeholders.js';
import { UsageError } from './usage-error.js';

interface BaselineOptions {
  readonly rules?: string[];
  readonly out: string;
  readonly minCount: number;
  readonly minHosts: number;
  readonly threads?: number;
  readonly placeholder?: string[];
  readonly config?: string;
  readonly cache: boolean;
}

export const baseline: CommandSpec = {
  summary: 'learn known-good activity from logs of a normal period and write it as Sigma filters to review',
  define: (command) =>
    command
      .argument('<path...>', 'known-good log files and folders: EVTX, JSON, XML')
      .addOption(repeatable('--rules <path>', 'rule files and folders, repeatable; filters found there apply (default: the site configuration\'s rules, else the built-in pack)'))
      .requiredOption('--out <dir>', 'folder to write the filter files to, one mf_baseline_<rule>.yml per rule that fired (created if missing; files of the same name are replaced)')
      .addOption(intOption('--min-count <n>', 'fewest events for an activity to become an entry (default: 1)', 1).default(1, '1'))
      .addOption(intOption('--min-hosts <n>', 'fewest distinct hosts for an activity to become an entry (default: 1)', 1).default(1, '1'))
      .addOption(intOption('--threads <n>', 'worker threads, as for hunt (default: as hunt chooses)', 0))
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: the site configuration\'s)'))
      .option('--config <file>', 'site configuration (default: sigmatch.yml in the working folder, if any)')
      .addOption(noCacheOption())
      .addHelpText(
        'after',
        examples([
          ['sigmatch baseline --out tuning/ logs/normal-week/', 'learn the built-in pack\'s known-good activity from a normal week'],
          ['sigmatch baseline --rules sigma/rules --min-count 5 --min-hosts 2 --out tuning/ logs/', 'only activity seen at least 5 times on at least 2 hosts'],
          ['sigmatch hunt --rules rules/ --rules tuning/ logs/this-week/', 'then hunt with the learned filters beside the rules'],
        ]),
      ),
  async run(paths, options, io) {
    const values = options as BaselineOptions;
    const { collection, messages, configError } = loadSiteRules(process.cwd(), { ...(values.rules !== undefined ? { rules: values.rules } : {}), placeholders: parsePlaceholders(values.placeholder), ...(values.config !== undefined ? { config: values.config } : {}), cache: values.cache, builtin: builtinRulesDir });
    for (const m of messages) io.err(m + '\n');
    if (configError) throw new UsageError(messages[0] ?? 'cannot read the site configuration');
    if (collection.rules.length === 0) throw new UsageError('no rules to learn with (see the errors above)');
    const learner = new BaselineLearner();
    const r = await huntAlerts(paths, collection, (a) => learner.add(a), values.threads !== undefined ? { threads: values.threads } : {});
    for (const m of r.missing) io.err(`${m}: error input-missing: no such file or folder\n`);
    if (r.files === 0) throw new UsageError(`no input files found in ${paths.join(', ')}`);
    for (const p of r.problems.slice(0, 20)) io.err(p + '\n');
    const activities = learner.activities();
    const { files, leftOut, undescribed } = renderBaselineFilters(mergeCovered(activities), { minCount: values.minCount, minHosts: values.minHosts });
    mkdirSync(values.out, { recursive: true });
    for (const f of files) writeFileSync(join(values.out, f.name), f.text);
    const lines = [`Learned from ${r.events} events in ${r.files} files with ${r.rules} rules: ${r.alerts} alerts, ${activities.length} activities of ${new Set(activities.map((a) => a.rule)).size} rules`];
    lines.push(`Wrote ${files.length} filter file${files.length === 1 ? '' : 's'} to ${values.out}:`);
    for (const f of files) lines.push(`  ${f.name}  ${f.entries.length} entr${f.entries.length === 1 ? 'y' : 'ies'}, ${f.entries.reduce((n, a) => n + a.count, 0)} event${f.entries.reduce((n, a) => n + a.count, 0) === 1 ? '' : 's'}`);
    if (leftOut.length > 0) {
      lines.push(`Left out, below --min-count ${values.minCount} or --min-hosts ${values.minHosts}: ${leftOut.length}`);
      for (const a of leftOut) lines.push(`  ${a.rule.title}: ${a.summary} (${a.count} event${a.count === 1 ? '' : 's'} on ${a.hosts.length} host${a.hosts.length === 1 ? '' : 's'})`);
    }
    if (undescribed.length > 0) {
      const byRule = new Map<string, number>();
      for (const a of undescribed) byRule.set(a.rule.title, (byRule.get(a.rule.title) ?? 0) + a.count);
      lines.push(`Not learned, their alerts carry no Image, ParentImage or CommandLine to tell activities apart (an entry would silence the whole rule; tune them by hand, or disable them in sigmatch.yml): ${byRule.size} rule${byRule.size === 1 ? '' : 's'}`);
      for (const [title, n] of [...byRule].sort((a, b) => b[1] - a[1])) lines.push(`  ${title} (${n} alert${n === 1 ? '' : 's'})`);
    }
    io.out(lines.join('\n') + '\n');
    collection.saveCache?.();
    return 0;
  },
};
