import type { Alert } from '../engine/alert.js';
import { listInputs } from '../formats/read-input.js';
import type { SigmaRule } from '../rule/model.js';
import { huntAlerts } from '../tuning/hunt-alerts.js';
import { BaselineLearner } from '../tuning/learn-baseline.js';
import { mergeCovered } from '../tuning/merge-covered.js';
import { NoiseReport } from '../tuning/noise-report.js';
import { isAlertFile, readAlertLines, type AlertLine } from '../tuning/read-alert-lines.js';
import { loadSiteRules } from '../tuning/site-rules.js';
import { renderFilterDocument } from '../tuning/write-baseline-filters.js';
import type { CommandSpec } from './command.js';
import { builtinRulesDir } from './hunt.js';
import { examples, intOption, noCacheOption, repeatable } from './option-values.js';
import { parsePlaceholders } from './placeholders.js';
import { UsageError } from './usage-error.js';

interface TuneOptions {
  readonly rules?: string[];
  readonly top: number;
  readonly minCount: number;
  readonly minHosts: number;
  readonly threads?: number;
  readonly placeholder?: string[];
  readonly config?: string;
  readonly cache: boolean;
}

export const tune: CommandSpec = {
  summary: "the noisiest rules, hosts and images of a hunt's output or of logs, and the filter entries that would remove the top activities",
  define: (command) =>
    command
      .argument('<path...>', "a hunt's JSONL output (hunt --format jsonl), or log files and folders to hunt first (EVTX, JSON, XML)")
      .addOption(repeatable('--rules <path>', "rule files and folders, repeatable: the rules to hunt logs with, and where the rules of a JSONL output are looked up by id (default: the site configuration's rules, else the built-in pack)"))
      .addOption(intOption('--top <n>', 'how many of the noisiest rules, hosts and images to list, and of the noisiest activities to write filter entries for (default: 5)', 1).default(5, '5'))
      .addOption(intOption('--min-count <n>', 'fewest alerts for an activity to be proposed (default: 1)', 1).default(1, '1'))
      .addOption(intOption('--min-hosts <n>', 'fewest distinct hosts for an activity to be proposed (default: 1)', 1).default(1, '1'))
      .addOption(intOption('--threads <n>', 'worker threads when hunting logs, as for hunt (default: as hunt chooses)', 0))
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable'))
      .option('--config <file>', 'site configuration (default: sigmatch.yml in the working folder, if any)')
      .addOption(noCacheOption())
      .addHelpText(
        'after',
        examples([
          ['sigmatch hunt --format jsonl --output alerts.jsonl logs/ && sigmatch tune alerts.jsonl', "where a hunt's alerts come from, and filters for the top 5 activities"],
          ['sigmatch tune --top 10 --min-hosts 3 logs/last-week/ > tuning/mf_review.yml', 'hunt logs first; the output is a filter file (the report is in comments) to review'],
        ]),
      )
      .addHelpText('after', '\nThe output is YAML: the report as comments, then one Sigma filter document per proposed activity.\n'),
  async run(paths, options, io) {
    const values = options as TuneOptions;
    const { collection, messages, configError } = loadSiteRules(process.cwd(), { ...(values.rules !== undefined ? { rules: values.rules } : {}), placeholders: parsePlaceholders(values.placeholder), ...(values.config !== undefined ? { config: values.config } : {}), cache: values.cache, builtin: builtinRulesDir });
    for (const m of messages) io.err(m + '\n');
    if (configError) throw new UsageError(messages[0] ?? 'cannot read the site configuration');
    const { files, missing } = await listInputs(paths);
    for (const m of missing) io.err(`${m}: error input-missing: no such file or folder\n`);
    if (files.length === 0) throw new UsageError(`no input files found in ${paths.join(', ')}`);

    const learner = new BaselineLearner();
    const noise = new NoiseReport();
    const take = (a: Alert) => {
      learner.add(a);
      noise.add(a);
    };
    const alertFiles: string[] = [];
    const logFiles: string[] = [];
    for (const f of files) (await isAlertFile(f) ? alertFiles : logFiles).push(f);
    const report: string[] = [];
    const byId = new Map<string, SigmaRule>();
    for (const r of collection.rules) if (r.id !== undefined) byId.set(r.id, r);
    const guessed = new Map<string, SigmaRule>();
    const skipped = { lines: 0 };
    let suppressed = 0;
    let unknown = 0;
    for (const f of alertFiles) {
      for await (const line of readAlertLines(f, skipped)) {
        if (line.suppressedBy !== undefined) {
          suppressed++;
          continue;
        }
        let rule = line.ruleId !== undefined ? byId.get(line.ruleId) : undefined;
        if (rule === undefined) {
          unknown++;
          rule = guessRule(line, guessed);
        }
        take({ rule, event: { fields: line.fields, ...(line.timestamp !== undefined ? { timestamp: line.timestamp } : {}) }, ...(line.domain !== undefined ? { domain: line.domain } : {}) });
      }
    }
    if (alertFiles.length > 0) report.push(`${noise.total} alerts read from ${alertFiles.length} hunt output file${alertFiles.length === 1 ? '' : 's'}${suppressed > 0 ? `, ${suppressed} already suppressed by filters left aside` : ''}${skipped.lines > 0 ? `, ${skipped.lines} lines that are not alerts of a rule left aside` : ''}`);
    if (unknown > 0) report.push(`${unknown} alerts name a rule that is not among the loaded rules: their entries name the rule's id with a logsource guessed from the event`);
    if (logFiles.length > 0) {
      if (collection.rules.length === 0) throw new UsageError('no rules to hunt the logs with (see the errors above)');
      const before = noise.total;
      const r = await huntAlerts(logFiles, collection, take, values.threads !== undefined ? { threads: values.threads } : {});
      for (const p of r.problems.slice(0, 20)) io.err(p + '\n');
      report.push(`${noise.total - before} alerts from hunting ${r.events} events of ${r.files} log file${r.files === 1 ? '' : 's'} with ${r.rules} rules`);
    }
    report.push(...noise.render(values.top));
    const eligible = mergeCovered(learner.activities()).filter((a) => a.describable && a.count >= values.minCount && a.hosts.length >= values.minHosts).sort((a, b) => b.count - a.count || (a.summary < b.summary ? -1 : 1));
    const chosen = eligible.slice(0, values.top);
    const removed = chosen.reduce((n, a) => n + a.count, 0);
    report.push(`The ${chosen.length} noisiest activities (of ${eligible.length}${values.minCount > 1 || values.minHosts > 1 ? ` with at least ${values.minCount} alerts on ${values.minHosts} hosts` : ''}): these entries would remove ${removed} of ${noise.total} alerts (${((100 * removed) / Math.max(1, noise.total)).toFixed(1)}%)`);
    chosen.forEach((a, i) => report.push(`  ${String(i + 1).padStart(2)}. ${String(a.count).padStart(7)}  ${a.rule.title}: ${a.summary}, ${a.hosts.length} host${a.hosts.length === 1 ? '' : 's'}`));
    report.push('Review each entry before use: save the ones you keep as mf_*.yml beside the rules (or pass them with --filters).');
    io.out(report.map((l) => `# ${l}`).join('\n') + '\n');
    if (chosen.length > 0) io.out(chosen.map((a) => renderFilterDocument(a)).join('---\n'));
    return 0;
  },
};

/** A rule the output names but the loaded rules lack: its id, title and a logsource from the event's shape. */
function guessRule(line: AlertLine, seen: Map<string, SigmaRule>): SigmaRule {
  const key = line.ruleId ?? line.ruleName;
  const known = seen.get(key);
  if (known !== undefined) return known;
  const network = line.fields['DestinationIp'] !== undefined;
  const rule: SigmaRule = {
    kind: 'rule',
    file: '?',
    span: { file: '?', start: 0, end: 0 },
    title: line.ruleName,
    ...(line.ruleId !== undefined ? { id: line.ruleId } : {}),
    logsource: network ? { category: 'network_connection', product: 'windows' } : { category: 'process_creation', product: 'windows' },
    detections: new Map(),
    conditions: [],
    raw: {},
    references: [],
    falsepositives: [],
    tags: [],
    fields: [],
  };
  seen.set(key, rule);
  return rule;
}
