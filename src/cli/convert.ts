import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import type { BackendSpec } from '../backends/backend-spec.js';
import { convertRule, type ConvertedRule } from '../backends/convert-rule.js';
import { BACKENDS, TARGET_NAMES, type TargetName } from '../backends/registry.js';
import { error, formatDiagnostic, lineColOf, type Diagnostic } from '../diagnostics.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { applyFilters } from '../rule/apply-filters.js';
import { loadRules } from '../rule/load-rules.js';
import type { SigmaCorrelation, SigmaRule } from '../rule/model.js';
import { convertCorrelationsSql, isCorrelationTarget, type ConvertedCorrelation } from '../backends/sql/sql-correlation.js';
import { sentinelAnalyticsRule, sentinelCorrelationRule } from '../backends/kql/sentinel-rule.js';
import { convertCorrelationsKql } from '../backends/kql/kql-correlation.js';
import { elasticDetectionRule } from '../backends/elastic/detection-rule.js';
import { cronOf, savedCorrelationStanza, savedSearchesHeader, savedSearchStanza, stanzaNames } from '../backends/splunk/savedsearches.js';
import { convertCorrelationsSpl } from '../backends/splunk/spl-correlation.js';
import { planCorrelations } from '../engine/correlate/plan-correlations.js';
import { UsageError } from './usage-error.js';
import type { CommandSpec } from './command.js';
import { parsePlaceholders } from './placeholders.js';
import { choiceOption, examples, noCacheOption, repeatable } from './option-values.js';

interface ConvertOptions {
  readonly target: TargetName;
  readonly format: 'plain' | 'json' | 'sentinel' | 'savedsearches' | 'ndjson';
  readonly schedule: string;
  readonly lag: string;
  readonly output?: string;
  readonly placeholder?: string[];
  readonly cache: boolean;
}

export const convert: CommandSpec = {
  summary: 'convert Sigma rules to queries for a database or SIEM',
  define: (command) =>
    command
      .argument('<path...>', 'rule files and folders (folders recursively: every .yml and .yaml file)')
      .addOption(new Option('--target <target>', 'query language and schema').choices(TARGET_NAMES).makeOptionMandatory())
      .addOption(
        choiceOption(
          '--format <format>',
          'plain: the queries, each under a comment naming its rule; json: one listing (rule, query, diagnostics); sentinel (kql-sentinel only): Microsoft Sentinel scheduled analytics rules, YAML as in the Azure-Sentinel repository; savedsearches (splunk only): one savedsearches.conf, a scheduled alert a rule; ndjson (lucene, esql, eql): Elastic detection rules, one JSON a line, for Kibana\'s rule import',
          ['plain', 'json', 'sentinel', 'savedsearches', 'ndjson'],
          'plain',
        ),
      )
      .option('--schedule <duration>', 'sentinel, savedsearches and ndjson: how often each rule runs and how much time each run covers (5m, 1h, 1d)', '5m')
      .option('--lag <minutes>', 'savedsearches: how many minutes behind now each run\'s time range ends, for indexing delay', '5')
      .option('--output <dir>', 'write into this folder (plain: one <rule id>.sql, .kql or .spl a rule; json: <target>.json; sentinel: one <rule id>.yaml a rule; savedsearches: savedsearches.conf; ndjson: <target>.ndjson) instead of stdout (default: stdout)')
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: none, an error)'))
      .addOption(noCacheOption())
      .addHelpText(
        'after',
        examples([
          ['sigmatch convert --target postgres rules/', 'the built-in pack as PostgreSQL queries over the sigma_events table'],
          ['sigmatch convert --target duckdb --format json --output out/ sigma/rules/windows', 'a JSON listing of every rule, converted or refused with the reason'],
          ['sigmatch convert --target kql-defender --output kql/ rules/', 'Defender XDR advanced hunting queries (Device* tables), one .kql file a rule'],
          ['sigmatch convert --target kql-sentinel --format sentinel --output analytics/ rules/', 'Sentinel scheduled analytics rules (YAML), one file a rule'],
          ['sigmatch convert --target splunk --format savedsearches --schedule 15m --output app/local/ rules/', 'a savedsearches.conf: each rule a scheduled alert every 15 minutes'],
          ['sigmatch convert --target eql --format ndjson --output elastic/ rules/', 'Elastic detection rules (EQL over Winlogbeat ECS documents), one NDJSON file to import in Kibana'],
        ]),
      ),
  run(positionals, options, io) {
    const values = options as ConvertOptions;
    if (values.format === 'sentinel' && values.target !== 'kql-sentinel') throw new UsageError(`--format sentinel writes Microsoft Sentinel analytics rules: it needs --target kql-sentinel (not ${values.target})`);
    if (values.format === 'savedsearches' && values.target !== 'splunk') throw new UsageError(`--format savedsearches writes a Splunk savedsearches.conf: it needs --target splunk (not ${values.target})`);
    if (values.format === 'ndjson' && values.target !== 'lucene' && values.target !== 'esql' && values.target !== 'eql') throw new UsageError(`--format ndjson writes Elastic detection rules: it needs --target lucene, esql or eql (not ${values.target})`);
    if (!/^\d+[mhd]$/.test(values.schedule)) throw new UsageError(`--schedule ${values.schedule}: expected minutes, hours or days such as 5m, 1h, 1d`);
    if (values.format === 'savedsearches') {
      try {
        cronOf(values.schedule);
      } catch (e) {
        throw new UsageError(`--${(e as Error).message}`);
      }
    }
    const lag = Number(values.lag);
    if (!/^\d+$/.test(values.lag) || lag > 1440) throw new UsageError(`--lag ${values.lag}: expected whole minutes from 0 to 1440`);
    const loaded = loadRules(positionals, { placeholders: parsePlaceholders(values.placeholder), cache: values.cache, deferCacheWrite: true });
    const backend = BACKENDS[values.target];
    const results: ConvertedRule[] = loaded.rules.map((r) => convertRule(applyFilters(r, loaded.filters).rule, backend, values.target, resolveWindowsLogsource));
    // Correlations: SQL targets convert them (sql-correlation.ts); the others say so, never silently left out.
    const byRule = new Map(results.map((r) => [r.rule, r]));
    const target = values.target;
    const ruleQueryOf = (rule: SigmaRule): { query: string } | { reason: string } => {
      const r = byRule.get(rule);
      return r?.query !== undefined ? { query: r.query } : { reason: (r?.diagnostics ?? []).map((d) => d.message.replace(/^rule '.*?' \(.*?\):? /, '')).join('; ') || 'not converted' };
    };
    const correlations: ConvertedCorrelation[] = isCorrelationTarget(target)
      ? convertCorrelationsSql(target, loaded.rules, loaded.correlations, ruleQueryOf)
      : target === 'kql-sentinel' || target === 'kql-defender'
        ? convertCorrelationsKql(target, loaded.rules, loaded.correlations, ruleQueryOf)
        : target === 'splunk'
          ? convertCorrelationsSpl(loaded.rules, loaded.correlations, ruleQueryOf)
          : loaded.correlations.map((c) => ({ correlation: c, diagnostics: [error('convert-correlation', `correlation '${c.title}' (${c.id ?? 'no id'}): correlation rules are not converted to ${values.target} yet`, c.span)] }));
    // The rules (by index) that only feed a correlation (generate: false): they raise no alert of their own, so the
    // deployable formats do not schedule them as alerts. Planned once, for the formats that ask.
    let inputs: ReadonlySet<number> | undefined;
    const correlationInputs = () => (inputs ??= planCorrelations(loaded.rules, loaded.correlations, { selected: new Set(loaded.correlations), selectedRules: new Set(loaded.rules) }).silentRules);
    const correlationDiagnostics = correlations.flatMap((c) => c.diagnostics);
    const convertedCorrelations = correlations.filter((c) => c.query !== undefined);
    const diagnostics = [...loaded.diagnostics, ...results.flatMap((r) => r.diagnostics), ...correlationDiagnostics];
    const converted = results.filter((r) => r.query !== undefined);
    const sinks = outputSinks(values, io.out);
    if (values.format === 'json') {
      sinks.write(
        `${values.target}.json`,
        JSON.stringify({
          target: values.target,
          rules: results.map((r) => ({
            id: r.rule.id ?? null,
            title: r.rule.title,
            file: r.rule.file,
            query: r.query ?? null,
            diagnostics: r.diagnostics.map((d) => toJson(d, loaded.sources)),
          })),
          correlations: correlations.map((c) => ({
            id: c.correlation.id ?? null,
            title: c.correlation.title,
            file: c.correlation.file,
            type: c.correlation.type,
            query: c.query ?? null,
            diagnostics: c.diagnostics.map((d) => toJson(d, loaded.sources)),
          })),
          converted: converted.length,
          refused: results.length - converted.length,
          diagnostics: loaded.diagnostics.map((d) => toJson(d, loaded.sources)),
        }) + '\n',
      );
    } else if (values.format === 'sentinel') {
      const fileName = uniqueFileNames('yaml');
      // A rule that only feeds a correlation (generate: false) raises no alert of its own, so it is no analytics rule
      // (the correlation's query holds its query).
      const feeding = results.filter((r, i) => r.query !== undefined && correlationInputs().has(i));
      if (feeding.length > 0) io.err(`sigmatch convert: ${feeding.length} rule${feeding.length === 1 ? '' : 's'} only feeding correlations (generate: false) not written as analytics rules: ${feeding.map((r) => r.rule.title).join('; ')}\n`);
      const docs: Array<{ doc: SigmaRule | SigmaCorrelation; text: string }> = converted
        .filter((r) => !feeding.includes(r))
        .map((r) => ({ doc: r.rule, text: sentinelAnalyticsRule(r.rule, r.query as string, { frequency: values.schedule, period: values.schedule }) }));
      for (const c of convertedCorrelations) {
        const made = sentinelCorrelationRule(c.correlation, c.query as string, { frequency: values.schedule });
        if (typeof made === 'string') docs.push({ doc: c.correlation, text: made });
        else diagnostics.push(error('convert-format', `correlation '${c.correlation.title}' (${c.correlation.id ?? 'no id'}): not written as an analytics rule: ${made.reason}`, c.correlation.span));
      }
      // On stdout the rules are YAML documents one after the other.
      docs.forEach(({ doc, text }, i) => sinks.write(fileName(doc), (i > 0 && values.output === undefined ? '---\n' : '') + text));
    } else if (values.format === 'ndjson') {
      const language = values.target as 'lucene' | 'esql' | 'eql';
      // A rule that only feeds a correlation (generate: false) is written disabled: a hunt raises no alert for it.
      const lines = results.flatMap((r, i) => (r.query === undefined ? [] : [`${elasticDetectionRule(r.rule, r.query, language, { interval: values.schedule, enabled: !correlationInputs().has(i) })}\n`]));
      sinks.write(`${values.target}.ndjson`, lines.join(''));
    } else if (values.format === 'savedsearches') {
      const name = stanzaNames();
      const stanzas: string[] = [];
      for (const [i, r] of results.entries()) {
        if (r.query === undefined) continue;
        try {
          stanzas.push(savedSearchStanza(r.rule, r.query as string, name(r.rule), { correlationInput: correlationInputs().has(i) }));
        } catch (e) {
          diagnostics.push(error('convert-format', `rule '${r.rule.title}' (${r.rule.id ?? 'no id'}): not written to savedsearches.conf: ${(e as Error).message}`, r.rule.span));
        }
      }
      // A correlation whose firings a hunt does not output (it only feeds another) is saved unscheduled.
      const emitted = new Set(planCorrelations(loaded.rules, loaded.correlations, { selected: new Set(loaded.correlations), selectedRules: new Set(loaded.rules) }).correlations.filter((p) => p.emit).map((p) => p.correlation));
      for (const c of convertedCorrelations) {
        try {
          stanzas.push(savedCorrelationStanza(c.correlation, c.query as string, name(c.correlation), { every: values.schedule, lagMinutes: lag }, { correlationInput: !emitted.has(c.correlation) }));
        } catch (e) {
          diagnostics.push(error('convert-format', `correlation '${c.correlation.title}' (${c.correlation.id ?? 'no id'}): not written to savedsearches.conf: ${(e as Error).message}`, c.correlation.span));
        }
      }
      sinks.write('savedsearches.conf', [savedSearchesHeader({ every: values.schedule, lagMinutes: lag }), ...stanzas].join('\n'));
    } else {
      const fileName = uniqueFileNames(backend.extension);
      const queries: Array<{ doc: SigmaRule | SigmaCorrelation; query: string }> = [
        ...converted.map((r) => ({ doc: r.rule, query: r.query as string })),
        ...convertedCorrelations.map((c) => ({ doc: c.correlation, query: c.query as string })),
      ];
      for (const { doc, query } of queries) {
        const head = `${doc.title.replace(/\s+/g, ' ')} (${doc.id ?? 'no id'}) ${doc.file}`;
        sinks.write(fileName(doc), plainQuery(backend.extension, head, query));
      }
    }
    for (const d of diagnostics) io.err(formatDiagnostic(d, loaded.sources) + '\n');
    io.err(
      `${loaded.rules.length} rules: ${converted.length} converted to ${values.target}, ${loaded.rules.length - converted.length} refused; ` +
        `${loaded.correlations.length} correlations: ${convertedCorrelations.length} converted, ${loaded.correlations.length - convertedCorrelations.length} refused\n`,
    );
    loaded.saveCache?.();
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.some((d) => d.code === 'file-unreadable') && loaded.files === 0) return 2;
    return errors.length > 0 ? 1 : 0;
  },
};

/** `<rule id>.<ext>` (else the title), made safe for a file name; a name met again gets `-2`, `-3`... */
/**
 * One plain query under a comment naming its rule, in the language's comment form: SQL statements end with `;`; a
 * KQL query is the whole text (a `;` would start a second statement); SPL comments are triple backticks (Splunk 8+),
 * so the text pastes into a search as it is; ES|QL and EQL take `//` comments; query_string has none, so a Lucene
 * query's heading line starts with `#` (remove it, or use --format json or ndjson).
 */
function plainQuery(extension: BackendSpec['extension'], head: string, query: string): string {
  if (extension === 'sql') return `-- ${head}\n${query};\n`;
  if (extension === 'kql' || extension === 'esql' || extension === 'eql') return `// ${head}\n${query}\n`;
  if (extension === 'lucene') return `# ${head}\n${query}\n`;
  return `\`\`\`${head.replace(/`/g, "'")}\`\`\`\n${query}\n`;
}

function uniqueFileNames(extension: string): (doc: { readonly id?: string | undefined; readonly title: string }) => string {
  const seen = new Map<string, number>();
  return (doc) => {
    const base = (doc.id ?? doc.title).replace(/[^A-Za-z0-9._-]+/g, '_');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${n === 1 ? base : `${base}-${n}`}.${extension}`;
  };
}

/** stdout, or files in the --output folder (created). */
function outputSinks(values: ConvertOptions, out: (text: string) => void): { write: (name: string, text: string) => void } {
  const dir = values.output;
  if (dir === undefined) return { write: (_name, text) => out(text) };
  mkdirSync(dir, { recursive: true });
  return { write: (name, text) => writeFileSync(join(dir, name), text) };
}

function toJson(d: Diagnostic, sources: ReadonlyMap<string, string>): object {
  const text = d.span === undefined ? undefined : sources.get(d.span.file);
  const pos = d.span !== undefined && text !== undefined ? lineColOf(text, d.span.start) : undefined;
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.span !== undefined ? { file: d.span.file } : {}),
    ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
  };
}
