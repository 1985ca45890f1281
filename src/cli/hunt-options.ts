import { Option, type Command } from 'commander';
import { LEVELS, type Level } from '../rule/model.js';
import { durationOption, examples, intOption, noCacheOption, repeatable } from './option-values.js';

/** The hunt's options as commander parses them (validated: choices and numbers are checked while parsing). */
export interface HuntOptions {
  readonly rules?: string[];
  /** Undefined when not given: the site configuration's, else informational. */
  readonly minLevel?: Level;
  readonly status?: string;
  readonly tags?: string;
  /** Undefined when not given: the site configuration's, else table. */
  readonly format?: 'table' | 'jsonl' | 'csv' | 'html';
  readonly config?: string;
  readonly output?: string;
  readonly recover?: true;
  readonly placeholder?: string[];
  readonly quiet?: true;
  readonly threads?: number;
  readonly contextLimit?: number;
  readonly pendingLimit?: number;
  readonly sortLimit?: number;
  /** False with --no-cache. */
  readonly cache: boolean;
  /** False with --no-correlations. */
  readonly correlations: boolean;
  readonly onlyCorrelations?: true;
  readonly correlationLimit?: number;
  readonly filters?: string[];
  readonly showSuppressed?: true;
  /** --group-window, in milliseconds. */
  readonly groupWindow?: number;
  readonly maxRecordSize?: number;
  /** --db URL: hunt the sigma_events table there instead of files. */
  readonly db?: string;
  /** --db-connections: connections the rules run on at once. */
  readonly dbConnections?: number;
}

export function defineHuntOptions(command: Command): Command {
  return command
    .argument('[path...]', 'log files and folders: EVTX, JSON, XML (detected from content), folders recursively (none with --db)')
    .addOption(repeatable('--rules <path>', 'rule file or folder, repeatable; Sigma filters found there apply (default: the built-in pack)'))
    .addOption(new Option('--min-level <level>', 'lowest rule level to load (default: the site configuration\'s min-level, else informational)').choices(LEVELS))
    .option('--status <list>', 'rule statuses to load, comma-separated (default: all but deprecated and unsupported)')
    .option('--tags <list>', 'load only rules with one of these tags, comma-separated (default: any tag)')
    .addOption(new Option('--format <format>', 'alert output format; jsonl writes ECS documents; html writes a self-contained report with each alert\'s story (needs --output) (default: the site configuration\'s output.format, else table)').choices(['table', 'jsonl', 'csv', 'html']))
    .option('--config <file>', 'site configuration: rules, filters, placeholders, min-level, per-rule levels and disables, output defaults; options given here win (default: sigmatch.yml in the working folder, if any)')
    .option('--output <file>', 'write alerts to this file (default: stdout)')
    .option('--recover', 'also carve records from EVTX slack space (default: off)')
    .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: none)'))
    .option('--quiet', 'no progress bar and no summary (default: off)')
    .addOption(intOption('--threads <n>', 'worker threads that read and match EVTX and JSON; 0: all on the main thread (default: one per core when the inputs hold enough events to pay for starting them, else 0)', 0))
    .addOption(intOption('--context-limit <n>', 'process starts and DNS answers held in memory before spilling to disk (default: 50000)', 1))
    .addOption(intOption('--pending-limit <n>', 'alerts awaiting their process context held in memory before spilling (default: 20000)', 1))
    .addOption(intOption('--sort-limit <bytes>', 'alert bytes sorted in memory before sorted runs spill to disk (default: 64 MiB)', 1))
    .addOption(repeatable('--filters <path>', 'Sigma filter files or folders (the site\'s tuning), repeatable; filters found beside the rules apply too (default: none)'))
    .option('--show-suppressed', 'also print the alerts filters suppressed, marked with the filters (default: off)')
    .addOption(durationOption('--group-window <duration>', 'show repeated alerts (same rule, host, process, destination) inside this window (30s, 5m, 2h, 1d) as one, with a count and the first and last time (default: the site configuration\'s output.group-window, else off)'))
    .addOption(intOption('--max-record-size <bytes>', 'largest JSON record or XML event read; a larger one is reported with its place and skipped (default: 4 MiB)', 1))
    .option('--no-correlations', 'do not evaluate Sigma correlations; their referenced rules alert as plain rules (default: evaluate them)')
    .option('--only-correlations', 'report correlation alerts only; no rule raises an alert of its own (default: off)')
    .addOption(intOption('--correlation-limit <n>', 'correlation items (matches of referenced rules) held in memory before sorted runs spill to disk (default: 10000)', 1))
    .option('--db <url>', 'hunt the sigma_events table of a database instead of files (postgres://..., duckdb:FILE, sqlite:FILE; see sigmatch load): the rules are converted and run there (default: hunt the files given)')
    .addOption(intOption('--db-connections <n>', 'with --db: connections the rules run on at once, each running one rule at a time (default: one per core of this machine; SQLite: 1)', 1))
    .addOption(noCacheOption())
    .addHelpText(
      'after',
      examples([
        ['sigmatch hunt examples/', 'the built-in pack over the shipped example log'],
        ['sigmatch hunt --rules sigma/rules --min-level high --format jsonl --output alerts.jsonl logs/', 'SigmaHQ rules of level high and up, ECS to a file'],
        ['sigmatch hunt --threads 0 --quiet Security.evtx', 'on the main thread, alerts only'],
      ]),
    );
}
