import { closeSync, existsSync, openSync, statSync, write } from 'node:fs';
import { availableParallelism } from 'node:os';
import { formatDiagnostic } from '../diagnostics.js';
import type { AnyAlert } from '../engine/alert.js';
import { Correlator, whyNotFired, type CorrelationStats } from '../engine/correlate/correlator.js';
import { correlationClosure, planCorrelations, type CorrelationPlan, type PlanOptions } from '../engine/correlate/plan-correlations.js';
import { MAX_OPEN_GROUPS } from '../engine/alert-grouping.js';
import { HuntSession, type AlertCounts, type GroupingCounts, type HuntLimits } from '../engine/hunt-session.js';
import { MatchPool } from '../engine/match-pool.js';
import { BatchBuilder } from '../engine/match-task.js';
import { SpillDir } from '../engine/spill.js';
import { RuleSet } from '../engine/rule-set.js';
import { failedInputsLine, huntExitCode, InputTally, listingLine } from '../formats/input-tally.js';
import { formatInputProblem } from '../formats/input-item.js';
import { listInputs } from '../formats/read-input.js';
import { alertToCsv, csvHeader } from '../output/write-csv.js';
import { alertToEcsLine } from '../output/write-jsonl.js';
import { alertToLine } from '../output/write-table.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { LEVELS, type Level, type RuleMetadata, type SigmaCorrelation, type SigmaFilter, type SigmaRule } from '../rule/model.js';
import { loadRules } from '../rule/load-rules.js';
import { applySiteConfig } from '../tuning/apply-site-config.js';
import { loadSiteConfig, type SiteConfig } from '../tuning/site-config.js';
import { sitePlaceholders } from '../tuning/site-rules.js';
import type { CommandIO, CommandSpec } from './command.js';
import { defineHuntOptions, type HuntOptions } from './hunt-options.js';
import { OutputBuffer } from './output-buffer.js';
import { packagePath } from './package-path.js';
import { parsePlaceholders } from './placeholders.js';
import { defaultThreads, planInputs } from '../engine/plan-inputs.js';
import { runPlan } from '../engine/run-plan.js';
import { UsageError } from './usage-error.js';
import type { DatabaseMatches, DatabaseQueries } from './hunt-db.js';
import { openDbOption, shownDbUrl } from './db-option.js';

/** The built-in rule pack, next to the package (dist/src/cli → rules, or src/cli → rules). */
export function builtinRulesDir(): string {
  const p = packagePath('rules');
  if (p !== undefined && statSync(p).isDirectory()) return p;
  throw new Error('the built-in rule pack (rules/) is missing from the installation');
}

interface Selection {
  readonly minLevel: Level;
  readonly statuses: readonly string[] | undefined;
  readonly tags: readonly string[] | undefined;
}

function selected(rule: RuleMetadata, s: Selection): string | undefined {
  if (LEVELS.indexOf(rule.level ?? 'informational') < LEVELS.indexOf(s.minLevel)) return `level ${rule.level ?? 'none'} is below --min-level ${s.minLevel}`;
  const status = rule.status ?? 'experimental';
  if (s.statuses !== undefined ? !s.statuses.includes(status) : status === 'deprecated' || status === 'unsupported') return `status ${status} is not selected`;
  if (s.tags !== undefined && !rule.tags.some((t) => s.tags?.includes(t))) return 'none of its tags is selected';
  return undefined;
}

const split = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter((x) => x !== ''));

export const hunt: CommandSpec = {
  summary: 'hunt logs (EVTX, JSON, XML; files and folders) with Sigma rules',
  define: defineHuntOptions,
  async run(positionals, options, io) {
    const given = options as HuntOptions;
    if (positionals.length === 0 && given.db === undefined) throw new UsageError('missing log paths: give log files or folders to hunt (or --db URL)');
    if (positionals.length > 0 && given.db !== undefined) throw new UsageError('--db hunts the database: give no log paths with it');
    if (given.dbConnections !== undefined && given.db === undefined) throw new UsageError('--db-connections goes with --db');
    // The site configuration (--config FILE, else sigmatch.yml here): defaults for what the options do not say.
    const site = loadSiteConfig(process.cwd(), given.config);
    for (const d of site.diagnostics) io.err(formatDiagnostic(d, site.sources, false) + '\n');
    if (given.config !== undefined && site.config === undefined && site.diagnostics.some((d) => d.code === 'config-unreadable')) {
      throw new UsageError(`--config ${given.config}: cannot read it`);
    }
    const config: SiteConfig | undefined = site.config;
    const values: HuntOptions = {
      ...given,
      ...(given.format === undefined && config?.output.format !== undefined ? { format: config.output.format } : {}),
      ...(given.output === undefined && config?.output.file !== undefined ? { output: config.output.file } : {}),
      ...(given.showSuppressed === undefined && config?.output.showSuppressed === true ? { showSuppressed: true as const } : {}),
      ...(given.groupWindow === undefined && config?.output.groupWindowMs !== undefined ? { groupWindow: config.output.groupWindowMs } : {}),
    };
    const format = values.format ?? 'table';
    if (format === 'html' && values.output === undefined) throw new UsageError('--format html needs --output FILE (the report is one self-contained HTML file)');
    const selection: Selection = { minLevel: values.minLevel ?? config?.minLevel ?? 'informational', statuses: split(values.status), tags: split(values.tags) };
    const placeholders = sitePlaceholders(config, parsePlaceholders(values.placeholder));

    const rulePaths = values.rules ?? (config !== undefined && config.rules.length > 0 ? [...config.rules] : [builtinRulesDir()]);
    const loaded = loadRules(rulePaths, { placeholders, cache: values.cache, deferCacheWrite: true });
    const ruleErrors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (loaded.files === 0 && ruleErrors.length > 0) throw new UsageError(ruleErrors.map((d) => d.message).join('; '));
    const notLoaded: Array<{ title: string; reason: string }> = [];
    // The site's disables and level overrides, before --min-level selects (a site may raise a rule above it).
    const siteRules = config === undefined ? undefined : applySiteConfig(loaded.rules, config);
    for (const d of siteRules?.diagnostics ?? []) io.err(formatDiagnostic(d, site.sources, false) + '\n');
    for (const r of siteRules?.disabled ?? []) notLoaded.push({ title: r.title, reason: `disabled in ${config?.file ?? 'the site configuration'}` });
    const collection = siteRules === undefined ? loaded : { ...loaded, rules: siteRules.rules };
    const userRules = new Set<SigmaRule>();
    for (const r of collection.rules) {
      const why = selected(r, selection);
      if (why !== undefined) notLoaded.push({ title: r.title, reason: why });
      else userRules.add(r);
    }
    // Correlations chosen as rules are (level, status, tags); the rules they reference are loaded whatever
    // their own level, to feed them, and raise alerts of their own only if chosen themselves.
    const userCorrelations = values.correlations ? collection.correlations.filter((c) => selected(c, selection) === undefined) : [];
    const closure = correlationClosure(userCorrelations, collection.rules, collection.correlations);
    const chosen = collection.rules.filter((r) => userRules.has(r) || closure.rules.has(r));
    // The site's filters: --filters paths, and those found beside the rules. They gate alerts after a rule matched.
    const filterPaths = [...(values.filters ?? []), ...(config?.filters ?? [])];
    const filterCollection = filterPaths.length === 0 ? undefined : loadRules(filterPaths, { placeholders, cache: values.cache, deferCacheWrite: true });
    for (const f of values.filters ?? []) if (!existsSync(f)) throw new UsageError(`--filters ${f}: no such file or folder`);
    const stray = filterCollection === undefined ? [] : [...filterCollection.rules, ...filterCollection.correlations];
    const filters = [...collection.filters, ...(filterCollection?.filters ?? [])];
    const ruleSet = RuleSet.compile(chosen, { filters, logsource: resolveWindowsLogsource });
    for (const s of ruleSet.skipped) notLoaded.push({ title: s.rule.title, reason: s.reason });
    const compiledRules = ruleSet.rules.map((r) => r.rule);
    const planOptions = { selected: new Set(userCorrelations), selectedRules: userRules, onlyCorrelations: values.onlyCorrelations === true };
    if (values.db !== undefined) return huntDb(values.db, { rules: compiledRules, correlations: closure.correlations, planOptions, filters, format, values, io, skipped: values.correlations ? [] : collection.correlations });
    const plan = planCorrelations(compiledRules, closure.correlations, planOptions);
    // One spill folder for the hunt session's files and the correlator's.
    const spill = new SpillDir();
    const correlator = plan.correlations.length > 0 || values.onlyCorrelations === true ? new Correlator(plan, spill, values.correlationLimit) : undefined;

    const listing = await listInputs(positionals);
    const { files, missing } = listing;
    if (files.length === 0) throw new UsageError(`no input files found in ${positionals.join(', ')}`);
    const problems: string[] = missing.map((m) => `${m}: error input-missing: no such file or folder`);
    // --threads N: N worker threads read and match EVTX chunks and JSON lines; 0 does everything on the main
    // thread. By default the total work decides: starting workers (each compiles the rules) must pay for itself.
    const recover = values.recover === true;
    for (const p of listing.problems) problems.push(formatInputProblem(p));
    const tally = new InputTally(listing);
    const sizes = listing.sizes;
    const readLimits = values.maxRecordSize === undefined ? undefined : { maxRecordSize: values.maxRecordSize };
    const { units, estimatedEvents } = await planInputs(files, sizes, recover, readLimits);
    const threads = values.threads ?? defaultThreads(estimatedEvents, ruleSet.rules.length, availableParallelism());
    const limits: HuntLimits = {
      contextEntries: values.contextLimit,
      pendingAlerts: values.pendingLimit,
      sortBytes: values.sortLimit,
    };
    const color = io.color && values.output === undefined;
    // The report's modules (the page, its script and styles) are imported only for a report.
    const report = format === 'html' ? await import('../output/html/write-hunt-report.js') : undefined;
    const render = report !== undefined ? report.storySubjectLine : alertRenderer(format, color);
    const session = new HuntSession(compiledRules, render, spill, limits, correlator === undefined ? undefined : { correlator, silentRules: plan.silentRules }, { filters, show: values.showSuppressed === true }, values.groupWindow === undefined ? undefined : { windowMs: values.groupWindow });
    const totalBytes = sizes.reduce((n, s) => n + s, 0);
    const started = Date.now();
    const progress = new Progress(io, !values.quiet && io.interactive);
    // ECS output shows every field of the event: its JSON text is made where the event was read.
    const eventJson = format === 'jsonl';
    const builder = new BatchBuilder(ruleSet, { eventJson, fields: plan.fields, stories: format === 'html' });
    const pool = threads > 0 && units.some((u) => u.kind === 'task') ? await MatchPool.start(threads, ruleSet, { eventJson, fields: plan.fields, filters, stories: format === 'html' }) : undefined;
    let bytesDone = 0;
    const tick = (fileIndex: number, bytes: number) => {
      bytesDone += bytes;
      progress.update(fileIndex, files.length, session.events, bytesDone, started, session.alerts);
    };
    try {
      await runPlan(units, { session, builder, pool, recover, problems, progress: tick, tally, ...(readLimits !== undefined ? { limits: readLimits } : {}) });
    } finally {
      await pool?.close();
    }
    progress.update(files.length, files.length, session.events, bytesDone, started, session.alerts);
    progress.done();
    const outcome = tally.outcome();

    try {
      const out = new Output(values.output, io);
      if (format === 'csv') out.write(csvHeader());
      // Context is resolved once every input is read: the creation event may come later or from another file.
      // The report builds each alert's story from the hunt's context, then writes the one file.
      if (report !== undefined) await report.writeHuntReport(session.finish(), session.contextSource(), spill, { generatedAt: report.generatedAtOf(process.env['SOURCE_DATE_EPOCH'], new Date()), title: positionals.join(', '), events: session.events, files: files.length, rulesLoaded: ruleSet.rules.length }, { write: (t) => out.write(t), ready: () => (out.backlogged ? out.ready() : Promise.resolve()) });
      else for (const bytes of session.finish()) {
        out.writeBytes(bytes);
        if (out.backlogged) await out.ready();
      }
      // Written and closed before the summary: its time covers the whole output.
      await out.close();
      // The rule cache is rewritten after the hunt, not before its first event.
      collection.saveCache?.();
      const summary = renderSummary({ listing: listingLine(outcome), filters, files: files.length, totalBytes, events: session.events, problems, collection, loaded: ruleSet.rules.length, notLoaded, counts: session.counts, unselected: session.unselected, seconds: (Date.now() - started) / 1000, threads: pool === undefined ? 0 : threads, grouping: session.grouped === undefined || values.groupWindow === undefined ? undefined : { ...session.grouped, windowMs: values.groupWindow }, correlations: correlator === undefined ? undefined : { plan, correlator, skipped: values.correlations ? [] : collection.correlations } });
      for (const d of ruleErrors) io.err(formatDiagnostic(d, collection.sources, false) + '\n');
      if (filterCollection !== undefined) {
        filterCollection.saveCache?.();
        for (const d of filterCollection.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic(d, filterCollection.sources, false) + '\n');
        for (const r of stray.slice(0, 5)) io.err(`${r.file}: warning filters-not-filter: '${r.title}' under --filters is a ${r.kind}, not a filter; it is not loaded (use --rules)\n`);
      }
      for (const d of ruleSet.diagnostics.filter((x) => x.code === 'filter-unmatched')) io.err(formatDiagnostic(d, new Map([...collection.sources, ...(filterCollection?.sources ?? [])]), false) + '\n');
      for (const p of problems.slice(0, 50)) io.err(p + '\n');
      if (problems.length > 50) io.err(`... and ${problems.length - 50} more problems\n`);
      if (!values.quiet) io.err(summary);
      // Never mistaken for a clean hunt, even with --quiet: the inputs that could not be read, last on stderr.
      const failed = failedInputsLine(outcome, session.counts.total);
      if (failed !== undefined) io.err(failed + '\n');
    } finally {
      spill.dispose();
    }
    return huntExitCode(session.counts.total, outcome);
  },
};

/**
 * `hunt --db`: the converted rules run in the database; what they return goes through the file hunt's session
 * (process context from the same table, correlations on event time, --group-window, sorting, output formats).
 */
async function huntDb(
  url: string,
  h: {
    rules: readonly SigmaRule[];
    correlations: readonly SigmaCorrelation[];
    planOptions: Omit<PlanOptions, 'unavailable'>;
    filters: readonly SigmaFilter[];
    format: string;
    values: HuntOptions;
    io: CommandIO;
    skipped: readonly SigmaCorrelation[];
  },
): Promise<number> {
  const { format, values, io } = h;
  if (format === 'html') throw new UsageError('--format html is not built for --db yet (use table, jsonl or csv)');
  // The converters and the database code are imported only for a hunt in a database.
  const [{ convertForDatabase, matchInDatabase }, { EVENTS_TABLE }] = await Promise.all([import('./hunt-db.js'), import('../backends/sql/events-table.js')]);
  const store = await openDbOption(url);
  const stores = [store];
  const started = Date.now();
  let result: DatabaseMatches;
  let queries: DatabaseQueries['queries'];
  let refused: DatabaseQueries['refused'];
  let plan: ReturnType<typeof planCorrelations>;
  try {
    ({ queries, refused } = convertForDatabase(store.target, h.rules, h.filters));
    // A correlation on a rule the database cannot run is not evaluated (its reason is in the summary); the fields the
    // others group and count by go with each hit, as in a file hunt.
    plan = planCorrelations(h.rules, h.correlations, { ...h.planOptions, unavailable: refused });
    // The rules run on several connections at once (a PostgreSQL server gives each its own process).
    const wanted = Math.min(values.dbConnections ?? availableParallelism(), queries.length);
    while (store.another !== undefined && stores.length < wanted) {
      try {
        stores.push(await store.another());
      } catch (e) {
        // The default takes the connections the server gives (one may be at its limit); a number asked for is owed.
        if (values.dbConnections === undefined) break;
        throw new UsageError(`--db ${shownDbUrl(url)}: cannot open connection ${stores.length + 1} of --db-connections ${values.dbConnections} (${(e as Error).message})`);
      }
    }
    result = await matchInDatabase(stores, queries, { eventJson: format === 'jsonl', fields: plan.fields });
  } finally {
    for (const s of stores.slice(1)) await s.close();
    await store.close();
  }
  const spill = new SpillDir();
  try {
    const correlator = plan.correlations.length > 0 || values.onlyCorrelations === true ? new Correlator(plan, spill, values.correlationLimit) : undefined;
    const render = alertRenderer(format, io.color && values.output === undefined);
    const limits: HuntLimits = { contextEntries: values.contextLimit, pendingAlerts: values.pendingLimit, sortBytes: values.sortLimit };
    const session = new HuntSession(h.rules, render, spill, limits, correlator === undefined ? undefined : { correlator, silentRules: plan.silentRules }, { filters: h.filters, show: false }, values.groupWindow === undefined ? undefined : { windowMs: values.groupWindow });
    session.add(result.batch);
    const out = new Output(values.output, io);
    if (format === 'csv') out.write(csvHeader());
    for (const bytes of session.finish()) {
      out.writeBytes(bytes);
      if (out.backlogged) await out.ready();
    }
    await out.close();
    if (!values.quiet) {
      const lines = [
        `Hunted ${result.batch.events} events of ${EVENTS_TABLE} in ${shownDbUrl(url)} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${queries.length} rules ran there, ${refused.size} could not be converted exactly and did not run; process context from ${result.contextEvents} process starts and DNS answers`,
      ];
      const reasons = new Map<string, number>();
      for (const r of refused.values()) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) lines.push(`  ${String(n).padStart(5)}  not run: ${r}`);
      lines.push(...alertCountLines(session.counts));
      if (session.grouped !== undefined && values.groupWindow !== undefined) lines.push(groupingLine({ ...session.grouped, windowMs: values.groupWindow }));
      if (correlator !== undefined) lines.push(...correlationSummaryLines(plan, correlator, session.counts));
      if (h.skipped.length > 0) lines.push(`Correlations: ${h.skipped.length} not evaluated (--no-correlations)`);
      io.err(lines.join('\n') + '\n\n');
    }
    return session.counts.total > 0 ? 1 : 0;
  } finally {
    spill.dispose();
  }
}

/** One alert as a line of the table, JSONL or CSV output. */
function alertRenderer(format: string, color: boolean): (a: AnyAlert) => string {
  return format === 'table' ? (a) => alertToLine(a, color) + '\n' : format === 'jsonl' ? alertToEcsLine : alertToCsv;
}

/**
 * Writes the alert output in large pieces, to stdout or a file. A file is written by libuv's threads
 * (positioned writes) while this thread goes on merging and rendering; at most BACKLOG bytes wait.
 */
class Output {
  private static readonly BACKLOG = 32 << 20;
  private readonly fd: number | undefined;
  private readonly buffer: OutputBuffer;
  private position = 0;
  private waiting = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly path: string | undefined,
    io: CommandIO,
  ) {
    const fd = path === undefined ? undefined : openSync(path, 'w');
    this.fd = fd;
    this.buffer = new OutputBuffer(fd === undefined ? (bytes) => io.out(bytes) : (bytes) => this.writeAt(fd, bytes, this.advance(bytes.length)));
  }

  private advance(n: number): number {
    const at = this.position;
    this.position += n;
    this.waiting += n;
    return at;
  }

  private writeAt(fd: number, bytes: Uint8Array, at: number): void {
    write(fd, bytes, 0, bytes.length, at, (err, written) => {
      if (err !== null) {
        this.failure ??= err;
        this.waiting -= bytes.length;
      } else {
        this.waiting -= written;
        // A short write (rare on files): the rest, still counted as waiting, goes after it.
        if (written < bytes.length) return this.writeAt(fd, bytes.subarray(written), at + written);
      }
      if (this.waiting <= Output.BACKLOG || this.failure !== undefined) this.wake?.();
    });
  }

  write(text: string): void {
    this.buffer.write(text);
  }

  writeBytes(bytes: Uint8Array): void {
    this.buffer.writeBytes(bytes);
  }

  /** Resolves once the bytes waiting to be written are few enough (at once when they are). */
  async ready(limit = Output.BACKLOG): Promise<void> {
    while (this.waiting > limit && this.failure === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    const f = this.failure as NodeJS.ErrnoException | undefined;
    if (f !== undefined) throw Object.assign(new Error(`cannot write ${this.path}: ${f.message}`), { code: f.code, syscall: f.syscall });
  }

  get backlogged(): boolean {
    return this.waiting > Output.BACKLOG;
  }

  async close(): Promise<void> {
    this.buffer.flush();
    try {
      await this.ready(0);
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
    }
  }
}

function renderSummary(s: {
  files: number;
  totalBytes: number;
  events: number;
  problems: readonly string[];
  collection: ReturnType<typeof loadRules>;
  loaded: number;
  notLoaded: ReadonlyArray<{ title: string; reason: string }>;
  counts: AlertCounts;
  unselected: ReadonlyMap<string, number>;
  seconds: number;
  threads: number;
  grouping: (GroupingCounts & { windowMs: number }) | undefined;
  correlations: { plan: CorrelationPlan; correlator: Correlator; skipped: readonly SigmaCorrelation[] } | undefined;
  filters: readonly SigmaFilter[];
  listing: string | undefined;
}): string {
  const lines: string[] = [];
  const mb = s.totalBytes / 1e6;
  lines.push(`Read ${s.events} events from ${s.files} files (${mb.toFixed(1)} MB) in ${s.seconds.toFixed(1)} s (${Math.round(s.events / Math.max(s.seconds, 0.001))} events/s, ${s.threads === 0 ? 'main thread only' : `${s.threads} worker thread${s.threads === 1 ? '' : 's'}`}), ${s.problems.length} problems`);
  if (s.listing !== undefined) lines.push(s.listing);
  lines.push(`Peak memory: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB resident`);
  lines.push(`Rules: ${s.loaded} loaded, ${s.notLoaded.length} not loaded${s.collection.diagnostics.some((d) => d.severity === 'error') ? `, ${s.collection.diagnostics.filter((d) => d.severity === 'error').length} rule errors` : ''}`);
  const reasons = new Map<string, number>();
  for (const n of s.notLoaded) reasons.set(n.reason.replace(/logsource \{[^}]*\}: /, ''), (reasons.get(n.reason.replace(/logsource \{[^}]*\}: /, '')) ?? 0) + 1);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  ${String(n).padStart(5)}  ${r}`);
  const { byHost } = s.counts;
  lines.push(...alertCountLines(s.counts));
  if (s.grouping !== undefined) lines.push(groupingLine(s.grouping));
  if (s.correlations !== undefined) lines.push(...correlationSummaryLines(s.correlations.plan, s.correlations.correlator, s.counts));
  if (s.filters.length > 0) lines.push(...filterSummaryLines(s.filters, s.counts));
  const hosts = [...byHost].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (hosts.length > 0) lines.push(`Top hosts: ${hosts.map(([h, n]) => `${h} (${n})`).join(', ')}`);
  // Events whose channel and event ID no loaded rule's logsource names: no logsource-bound rule was tried on them.
  let unselected = 0;
  for (const n of s.unselected.values()) unselected += n;
  if (unselected > 0) {
    const top = [...s.unselected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    lines.push(`Events no rule's logsource selected: ${unselected} (channel|event ID: ${top.map(([k, n]) => `${k} ${n}`).join(', ')}${s.unselected.size > 5 ? ', ...' : ''})`);
  }
  return lines.join('\n') + '\n\n';
}

/** The alerts by level, and the ten rules with the most. */
function alertCountLines({ total, byLevel, byRule }: AlertCounts): string[] {
  return [
    `Alerts: ${total}${total > 0 ? ` (${[...LEVELS].reverse().filter((l) => byLevel.has(l)).map((l) => `${byLevel.get(l)} ${l}`).join(', ')})` : ''}`,
    ...[...byRule].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([r, n]) => `  ${String(n).padStart(5)}  ${r}`),
  ];
}

/** --group-window: how many alert lines the alerts became, and any group closed early at the bound. */
function groupingLine(g: GroupingCounts & { windowMs: number }): string {
  const early = g.closedEarly > 0 ? `; ${g.closedEarly} groups closed before their window ended (more than ${MAX_OPEN_GROUPS} open at once)` : '';
  return `Grouped (--group-window ${durationText(g.windowMs)}): ${g.alerts} alerts shown as ${g.shown}, ${g.repeated} of them repeated${early}`;
}

const durationText = (ms: number): string => {
  const s = ms / 1000;
  for (const [unit, n] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (s % n === 0) return `${s / n}${unit}`;
  return `${s}s`;
};

/**
 * The correlations' part of the summary: how many ran, which could not and why, the matches that only fed
 * them, and every loss: matches without a time or a group-by value, items spilled to disk.
 */
function correlationSummaryLines(plan: CorrelationPlan, correlator: Correlator, counts: AlertCounts): string[] {
  const lines: string[] = [];
  const out = plan.correlations.filter((p) => p.emit).length;
  lines.push(`Correlations: ${plan.correlations.length} evaluated (${out} with alerts of their own), ${plan.dropped.length} not run; ${counts.correlationOnly} matches of referenced rules only fed them`);
  for (const d of plan.dropped.slice(0, 10)) lines.push(`  not run: ${d.correlation.title}: ${d.reason}`);
  const busiest = [...plan.correlations].sort((a, b) => (correlator.stats[b.index]?.items ?? 0) - (correlator.stats[a.index]?.items ?? 0));
  for (const p of busiest.slice(0, 5)) {
    const st = correlator.stats[p.index];
    if (st !== undefined && st.items > 0) lines.push(`  ${String(st.firings).padStart(5)}  ${p.correlation.title}: ${st.items} items in ${st.groups} groups`);
  }
  plan.correlations.forEach((p, i) => {
    const st = correlator.stats[i];
    if (st === undefined) return;
    const lost = [st.untimed > 0 ? `${st.untimed} matches without a time` : '', st.missingGroup > 0 ? `${st.missingGroup} matches without a group-by value (${p.correlation.groupBy.join(', ')})` : ''].filter((x) => x !== '');
    if (lost.length > 0) lines.push(`  ${p.correlation.title}: left out ${lost.join(', ')}`);
  });
  // Why a correlation whose alerts are output never fired: the rule that never matched, or the nearest window.
  const quiet = plan.correlations.filter((p) => p.emit && (correlator.stats[p.index]?.firings ?? 0) === 0);
  for (const p of quiet.slice(0, 10)) lines.push(`  never fired: ${p.correlation.title}: ${whyNotFired(p, correlator.stats[p.index] as CorrelationStats, p.correlation.rules)}`);
  if (quiet.length > 10) lines.push(`  ... and ${quiet.length - 10} more correlations never fired`);
  if (correlator.spilledItems > 0) lines.push(`  ${correlator.spilledItems} correlation items went to disk past --correlation-limit (none lost)`);
  return lines;
}

/** Each filter with the alerts it suppressed and for which rules, then the filters that suppressed nothing. */
function filterSummaryLines(filters: readonly SigmaFilter[], counts: AlertCounts): string[] {
  const lines = [`Filters: ${filters.length} loaded, ${counts.suppressedTotal} alerts suppressed`];
  const used = [...counts.suppressed].map(([f, byRule]) => ({ f, byRule, n: [...byRule.values()].reduce((a, b) => a + b, 0) })).sort((a, b) => b.n - a.n);
  for (const { f, byRule, n } of used) {
    const filter = filters[f] as SigmaFilter;
    const rules = [...byRule].sort((a, b) => b[1] - a[1]);
    lines.push(`  ${String(n).padStart(5)}  ${filter.title} (${filter.file}): ${rules.slice(0, 3).map(([r, k]) => `${r} ${k}`).join(', ')}${rules.length > 3 ? `, and ${rules.length - 3} more rules` : ''}`);
  }
  const unused = filters.filter((_, i) => !counts.suppressed.has(i));
  if (unused.length > 0) lines.push(`  unused (suppressed nothing): ${unused.slice(0, 10).map((f) => `${f.title} (${f.file})`).join(', ')}${unused.length > 10 ? `, and ${unused.length - 10} more` : ''}`);
  return lines;
}

/** The progress bar on stderr, only on a terminal. */
class Progress {
  private last = 0;
  constructor(
    private readonly io: CommandIO,
    private readonly enabled: boolean,
  ) {}

  update(file: number, files: number, events: number, bytes: number, started: number, alerts: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200 && file < files) return;
    this.last = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const width = 24;
    const filled = Math.round((file / Math.max(1, files)) * width);
    this.io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${file}/${files} files  ${events} events  ${(bytes / 1e6 / secs).toFixed(1)} MB/s  ${alerts} alerts `);
  }

  done(): void {
    if (this.enabled) this.io.err('\n');
  }
}
