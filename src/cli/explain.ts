import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { compileRule, type CompiledRule } from '../compile/compile-rule.js';
import { explain as explainEvent, type Explanation } from '../engine/explain.js';
import type { Event } from '../event/event.js';
import { normalizeWindowsEvent } from '../pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import type { SigmaCorrelation, SigmaFilter, SigmaRule } from '../rule/model.js';
import { loadRules } from '../rule/load-rules.js';
import { filterVerdicts, type FilterVerdict } from '../tuning/filter-verdict.js';
import { eventFromJsonText, parseEventRef, readEventsOf } from '../tuning/read-event-arg.js';
import { correlationExplanationJson, renderCorrelationExplanation, renderExplanation } from '../tuning/render-explanation.js';
import { runCorrelation } from '../tuning/explain-correlation.js';
import { correlationClosure } from '../engine/correlate/plan-correlations.js';
import type { RuleCollection } from '../rule/load-rules.js';
import type { CommandIO, CommandSpec } from './command.js';
import { builtinRulesDir } from './hunt.js';
import { choiceOption, examples, repeatable } from './option-values.js';
import { parsePlaceholders } from './placeholders.js';
import { UsageError } from './usage-error.js';

interface ExplainOptions {
  readonly rule: string;
  readonly rules?: string[];
  readonly event?: string[];
  readonly eventJson?: string;
  readonly filters?: string[];
  readonly placeholder?: string[];
  readonly format: 'text' | 'json';
}

export const explain: CommandSpec = {
  summary: "explain a rule's verdict on one event: its condition tree, each detection item, the logsource gate and the filters",
  define: (command) =>
    command
      // Commander hands a command without arguments its options first: the positional keeps the registry's (paths, options).
      .argument('[event...]', 'the event as FILE[:RECORD], the same as --event; for a correlation, the log files and folders')
      .requiredOption('--rule <id|file>', 'the rule or correlation: a rule file, or an id, name or title found in --rules')
      .addOption(repeatable('--rules <path>', 'rule files and folders to find --rule in, repeatable; Sigma filters found there are shown too (default: the built-in pack)'))
      .addOption(repeatable('--event <file[:record]>', 'the event: an EVTX, JSON or XML file and its EventRecordID (EVTX) or line (JSON, XML); without a record, the first event the rule matches, else the first event. For a correlation: the logs (files or folders, repeatable, no record) it is run over'))
      .option('--event-json <text>', 'the event as a JSON object (flat fields, evtx_dump or Winlogbeat layout)')
      .addOption(repeatable('--filters <path>', 'Sigma filter files and folders, repeatable: shows which filter would suppress the alert (default: none)'))
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: none)'))
      .addOption(choiceOption('--format <format>', 'output format', ['text', 'json'], 'text'))
      .addHelpText(
        'after',
        examples([
          ['sigmatch explain --rule 47c894ee-c2b8-55e8-b332-3ba3ee37e8ce --event examples/ws01-sysmon.evtx:105', 'the cmstp rule of the built-in pack on record 105 of the example log'],
          ['sigmatch explain --rule my-rule.yml --event-json \'{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Image":"C:\\\\Windows\\\\System32\\\\cdb.exe","Initiated":"true","DestinationIp":"203.0.113.9"}\'', 'a rule file on an event given inline'],
          ['sigmatch explain --rule 47c894ee-c2b8-55e8-b332-3ba3ee37e8ce --filters tuning/ --event logs/ws01.evtx:1200', 'and which of the site\'s filters would suppress it'],
          ['sigmatch explain --rule proxy_utility_start_then_connect examples/', 'a correlation of the built-in pack run over the example logs: its firings, or why it never fired'],
        ]),
      )
      .addHelpText('after', '\nExit status: 0 when the rule alerts on the event (matched, not suppressed) or the correlation fires on the logs, 1 when it does not, 2 on a usage error.\n'),
  async run(paths, options, io) {
    const given = options as ExplainOptions;
    const refs = [...(given.event ?? []), ...paths];
    const placeholders = parsePlaceholders(given.placeholder);
    const lookup = lookupCollection(given, placeholders);
    const correlation = findCorrelation(given, lookup, placeholders);
    if (correlation !== undefined) return explainCorrelation(given, refs, correlation, placeholders, io);
    if (refs.length > 1) throw new UsageError(`--rule ${given.rule} is a rule: give one event (--event FILE[:RECORD]), not ${refs.length}`);
    const values: ExplainOptions = { ...given, ...(refs[0] !== undefined ? { event: [refs[0]] } : {}) };
    if ((values.event === undefined) === (values.eventJson === undefined)) throw new UsageError('give the event with exactly one of --event FILE[:RECORD] or --event-json TEXT');
    const { rules, filters, diagnostics, sources } = findRules(values, lookup);
    const filterSet = loadRules(values.filters ?? [], { placeholders });
    const allFilters: SigmaFilter[] = [...filters, ...filterSet.filters];
    const shownSources = new Map([...sources, ...filterSet.sources]);
    for (const d of [...diagnostics, ...filterSet.diagnostics].filter((x) => x.severity === 'error')) io.err(formatDiagnostic(d, shownSources, false) + '\n');
    for (const f of values.filters ?? []) if (!existsSync(f)) throw new UsageError(`--filters ${f}: no such file or folder`);

    const compiled = rules.map(compileForExplain);
    const choice = values.eventJson !== undefined ? eventFromJsonText(values.eventJson) : await eventsFromRef((values.event as string[])[0] as string);
    for (const p of choice.problems) io.err(p + '\n');
    const events = choice.events.map(normalizeWindowsEvent);
    if (events.length === 0) throw new UsageError(values.eventJson !== undefined ? '--event-json holds no event' : `--event ${(values.event as string[])[0]}: no such event`);

    const results: Array<{ compiled: CompiledRule; note?: string; event: Event; explanation: Explanation; filters: FilterVerdict[] }> = [];
    for (const c of compiled) {
      const pick = events.find((e) => explainEvent(c.compiled, e).matched) ?? events[0];
      const event = pick as Event;
      const explanation = explainEvent(c.compiled, event);
      results.push({ ...c, event, explanation, filters: filterVerdicts(allFilters, c.compiled.rule, event) });
    }
    const alerts = results.filter((r) => r.explanation.matched && !r.filters.some((f) => f.suppresses)).length;
    if (values.format === 'json') {
      io.out(JSON.stringify(results.map((r) => toJson(r.compiled.rule, r.event, r.explanation, r.filters, r.note)), null, 2) + '\n');
    } else {
      for (const r of results) {
        io.out(`Event: ${describeEvent(r.event)}${events.length > 1 ? ` (of ${events.length} in the file: the first the rule matches, else the first)` : ''}\n`);
        if (r.note !== undefined) io.out(`  note: ${r.note}\n`);
        io.out(renderExplanation(r.compiled.rule, r.explanation, r.filters) + '\n');
      }
    }
    return alerts > 0 ? 0 : 1;
  },
};

interface FoundCorrelation {
  readonly correlation: SigmaCorrelation;
  readonly collection: RuleCollection;
}

/** Where --rule is looked up: the file it names, else --rules (default: the built-in pack); loaded once for rules and correlations. */
interface Lookup {
  readonly collection: RuleCollection;
  /** --rule names a file (the collection is that file's). */
  readonly file: boolean;
  readonly paths: readonly string[];
}

function lookupCollection(values: ExplainOptions, placeholders: Map<string, string[]>): Lookup {
  const ref = values.rule;
  if (existsSync(ref) && statSync(ref).isFile()) return { collection: loadRules([ref], { placeholders }), file: true, paths: [ref] };
  const paths = values.rules ?? [builtinRulesDir()];
  return { collection: loadRules(paths, { placeholders }), file: false, paths };
}

/** The correlation --rule names (a file holding correlations, or an id, name or title in --rules), if it names one. */
function findCorrelation(values: ExplainOptions, lookup: Lookup, placeholders: Map<string, string[]>): FoundCorrelation | undefined {
  const ref = values.rule;
  if (lookup.file) {
    const own = lookup.collection;
    if (own.correlations.length === 0) return undefined;
    // The rules it references may live beside it or in --rules.
    const collection = values.rules === undefined ? own : loadRules([ref, ...values.rules.filter((p) => resolve(p) !== resolve(ref))], { placeholders });
    const inFile = collection.correlations.filter((c) => resolve(c.file) === resolve(ref));
    const referenced = new Set(inFile.flatMap((c) => c.rules));
    const outer = inFile.filter((c) => !(c.id !== undefined && referenced.has(c.id)) && !(c.name !== undefined && referenced.has(c.name)));
    if (outer.length !== 1) throw new UsageError(`--rule ${ref}: the file holds ${outer.length} correlations no other one references (${outer.map((c) => c.name ?? c.id ?? c.title).join(', ')}): name one by its id or name, with --rules ${ref}`);
    return { correlation: outer[0] as SigmaCorrelation, collection };
  }
  const collection = lookup.collection;
  const lower = ref.toLowerCase();
  const found = collection.correlations.filter((c) => c.id === lower || c.name === ref || c.title === ref);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw new UsageError(`--rule ${ref}: ${found.length} correlations have this id, name or title (${found.map((c) => c.file).join(', ')})`);
  return { correlation: found[0] as SigmaCorrelation, collection };
}

/** explain for a correlation: runs it over whole logs as the hunt does; its firings, or why it never fired. */
async function explainCorrelation(values: ExplainOptions, refs: readonly string[], found: FoundCorrelation, placeholders: Map<string, string[]>, io: CommandIO): Promise<number> {
  const name = found.correlation.name ?? found.correlation.id ?? found.correlation.title;
  if (values.eventJson !== undefined) throw new UsageError(`--rule ${values.rule} is a correlation (${name}): it runs over logs, give them with --event FILE or as paths, not --event-json`);
  if (refs.length === 0) throw new UsageError(`--rule ${values.rule} is a correlation (${name}): give the logs to run it over with --event FILE (repeatable) or as paths`);
  for (const ref of refs) {
    if (existsSync(ref)) continue;
    const { file, record } = parseEventRef(ref);
    if (record !== undefined && existsSync(file)) throw new UsageError(`--event ${ref}: a record makes no sense for a correlation (${name}), which runs over whole logs: give ${file} without :${record}`);
    throw new UsageError(`--event ${ref}: no such file or folder`);
  }
  const { collection } = found;
  const filterSet = loadRules(values.filters ?? [], { placeholders });
  for (const f of values.filters ?? []) if (!existsSync(f)) throw new UsageError(`--filters ${f}: no such file or folder`);
  const shownSources = new Map([...collection.sources, ...filterSet.sources]);
  const involved = correlationClosure([found.correlation], collection.rules, collection.correlations);
  const files = new Set([...involved.correlations.map((c) => c.file), ...[...involved.rules].map((r) => r.file)]);
  for (const d of [...collection.diagnostics.filter((x) => x.span !== undefined && files.has(x.span.file)), ...filterSet.diagnostics].filter((x) => x.severity === 'error')) io.err(formatDiagnostic(d, shownSources, false) + '\n');
  const run = await runCorrelation(refs, collection, found.correlation, [...collection.filters, ...filterSet.filters]);
  if (!run.ok) throw new UsageError(`--rule ${values.rule}: the correlation ${found.correlation.title} (${found.correlation.file}) cannot run: ${run.reason}`);
  for (const p of run.problems) io.err(p + '\n');
  io.out(values.format === 'json' ? JSON.stringify(correlationExplanationJson(run), null, 2) + '\n' : renderCorrelationExplanation(run));
  return run.alerts.length > 0 ? 0 : 1;
}

function findRules(values: ExplainOptions, lookup: Lookup): { rules: SigmaRule[]; filters: readonly SigmaFilter[]; diagnostics: readonly Diagnostic[]; sources: ReadonlyMap<string, string> } {
  const ref = values.rule;
  const c = lookup.collection;
  if (lookup.file) {
    if (c.rules.length === 0) {
      const first = c.diagnostics.find((d) => d.severity === 'error');
      throw new UsageError(`--rule ${ref}: no valid rule or correlation in the file${first !== undefined ? ` (${formatDiagnostic(first, c.sources, false)})` : ''}`);
    }
    return { rules: [...c.rules], filters: c.filters, diagnostics: c.diagnostics, sources: c.sources };
  }
  const lower = ref.toLowerCase();
  const found = c.rules.filter((r) => r.id === lower || r.name === ref || r.title === ref);
  if (found.length === 0) throw new UsageError(`--rule ${ref}: not a file, and no rule in ${lookup.paths.join(', ')} has this id, name or title`);
  return { rules: found, filters: c.filters, diagnostics: c.diagnostics.filter((d) => found.some((r) => r.file === d.span?.file)), sources: c.sources };
}

/** The rule alone, with the Windows pipeline's logsource gate when it knows the logsource; filters are shown apart. */
function compileForExplain(rule: SigmaRule): { compiled: CompiledRule; note?: string } {
  const resolved = resolveWindowsLogsource(rule);
  const withGate = 'reason' in resolved ? undefined : compileRule(rule, resolved.condition).compiled;
  if (withGate !== undefined) return { compiled: withGate };
  const alone = compileRule(rule).compiled;
  if (alone === undefined) throw new UsageError(`--rule: ${rule.title} does not compile (an |expand placeholder without a value? give --placeholder)`);
  return 'reason' in resolved ? { compiled: alone, note: `${resolved.reason}; the hunt would not load this rule, its detection is explained without a logsource gate` } : { compiled: alone };
}

async function eventsFromRef(ref: string) {
  const { file, record } = parseEventRef(ref);
  if (!existsSync(file)) throw new UsageError(`--event ${ref}: no such file`);
  return readEventsOf(file, record);
}

function describeEvent(e: Event): string {
  const f = e.fields;
  const where = e.source?.file !== undefined ? `${e.source.file}${e.source.record !== undefined ? ` record ${e.source.record}` : e.source.line !== undefined ? ` line ${e.source.line}` : ''}` : 'the given event';
  const what = [f['Channel'], f['EventID'] !== undefined ? `EventID ${String(f['EventID'])}` : undefined, f['Computer'], f['UtcTime']].filter((x) => x !== undefined && x !== null).map(String);
  return `${where}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
}

function toJson(rule: SigmaRule, event: Event, e: Explanation, filters: readonly FilterVerdict[], note: string | undefined): object {
  return {
    rule: { title: rule.title, id: rule.id, file: rule.file, logsource: rule.logsource },
    event: { source: event.source, fields: event.fields },
    ...(note !== undefined ? { note } : {}),
    explanation: e,
    filters: filters.filter((f) => f.applies).map((f) => ({ title: f.filter.title, id: f.filter.id, file: f.filter.file, condition: f.filter.condition.text, suppresses: f.suppresses, detections: f.explanation?.detections })),
    alerts: e.matched && !filters.some((f) => f.suppresses),
  };
}

