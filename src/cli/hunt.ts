import { existsSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../diagnostics.js';
import { enrichAlert, type Alert } from '../engine/alert.js';
import { ProcessIndex } from '../engine/process-context.js';
import { RuleSet } from '../engine/rule-set.js';
import type { Event } from '../event/event.js';
import { formatInputProblem } from '../formats/input-item.js';
import { listInputs, readInput } from '../formats/read-input.js';
import { alertToCsv, csvHeader } from '../output/write-csv.js';
import { alertToEcs } from '../output/write-jsonl.js';
import { alertToLine } from '../output/write-table.js';
import { normalizeWindowsEvent } from '../pipeline/normalize-event.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { LEVELS, type Level, type SigmaRule } from '../rule/model.js';
import { loadRules } from '../rule/load-rules.js';
import type { CommandIO, CommandSpec } from './command.js';
import { parsePlaceholders } from './placeholders.js';
import { UsageError } from './usage-error.js';

/** The built-in rule pack, next to the package (dist/src/cli → rules, or src/cli → rules). */
export function builtinRulesDir(): string {
  for (const rel of ['../../../rules', '../../rules']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  throw new Error('the built-in rule pack (rules/) is missing from the installation');
}

interface Selection {
  readonly minLevel: Level;
  readonly statuses: readonly string[] | undefined;
  readonly tags: readonly string[] | undefined;
}

function selected(rule: SigmaRule, s: Selection): string | undefined {
  if (LEVELS.indexOf(rule.level ?? 'informational') < LEVELS.indexOf(s.minLevel)) return `level ${rule.level ?? 'none'} is below --min-level ${s.minLevel}`;
  const status = rule.status ?? 'experimental';
  if (s.statuses !== undefined ? !s.statuses.includes(status) : status === 'deprecated' || status === 'unsupported') return `status ${status} is not selected`;
  if (s.tags !== undefined && !rule.tags.some((t) => s.tags?.includes(t))) return 'none of its tags is selected';
  return undefined;
}

const split = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter((x) => x !== ''));

export const hunt: CommandSpec = {
  summary: 'hunt logs (EVTX, JSON, XML; files and folders) with Sigma rules',
  usage: 'sigmatch hunt PATH... [--rules PATH]... [--min-level LEVEL] [--status LIST] [--tags LIST] [--format table|jsonl|csv] [--output FILE] [--recover] [--placeholder NAME=VALUES]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rules: { type: 'string', multiple: true },
        'min-level': { type: 'string', default: 'informational' },
        status: { type: 'string' },
        tags: { type: 'string' },
        format: { type: 'string', default: 'table' },
        output: { type: 'string' },
        recover: { type: 'boolean', default: false },
        placeholder: { type: 'string', multiple: true },
        quiet: { type: 'boolean', default: false },
      },
    });
    if (positionals.length === 0) throw new UsageError('hunt needs at least one log file or folder');
    const format = values.format;
    if (format !== 'table' && format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be table, jsonl or csv, got '${format}'`);
    const minLevel = values['min-level'] as Level;
    if (!LEVELS.includes(minLevel)) throw new UsageError(`--min-level must be one of ${LEVELS.join(', ')}`);
    const selection: Selection = { minLevel, statuses: split(values.status), tags: split(values.tags) };

    const rulePaths = values.rules ?? [builtinRulesDir()];
    const collection = loadRules(rulePaths, { placeholders: parsePlaceholders(values.placeholder) });
    const ruleErrors = collection.diagnostics.filter((d) => d.severity === 'error');
    if (collection.files === 0 && ruleErrors.length > 0) throw new UsageError(ruleErrors.map((d) => d.message).join('; '));
    const notLoaded: Array<{ title: string; reason: string }> = [];
    const chosen = collection.rules.filter((r) => {
      const why = selected(r, selection);
      if (why !== undefined) notLoaded.push({ title: r.title, reason: why });
      return why === undefined;
    });
    const ruleSet = RuleSet.compile(chosen, { filters: collection.filters, logsource: resolveWindowsLogsource });
    for (const s of ruleSet.skipped) notLoaded.push({ title: s.rule.title, reason: s.reason });

    const { files, missing } = await listInputs(positionals);
    if (files.length === 0) throw new UsageError(`no input files found in ${positionals.join(', ')}`);
    const problems: string[] = missing.map((m) => `${m}: error input-missing: no such file or folder`);
    const index = new ProcessIndex();
    const hits: Array<{ rule: SigmaRule; event: Event }> = [];
    let events = 0;
    let bytesDone = 0;
    const sizes = files.map((f) => statSync(f).size);
    const totalBytes = sizes.reduce((n, s) => n + s, 0);
    const started = Date.now();
    const progress = new Progress(io, !values.quiet && io.interactive);
    for (const [i, file] of files.entries()) {
      for await (const item of readInput(file, { recover: values.recover === true })) {
        if (item.kind === 'problem') {
          problems.push(formatInputProblem(item.problem));
          continue;
        }
        events++;
        const ev = normalizeWindowsEvent(item.event);
        index.add(ev);
        for (const m of ruleSet.match(ev)) hits.push({ rule: m.rule, event: ev });
        if ((events & 1023) === 0) progress.update(i, files.length, events, bytesDone, started, hits.length);
      }
      bytesDone += sizes[i] ?? 0;
      progress.update(i + 1, files.length, events, bytesDone, started, hits.length);
    }
    progress.done();
    // Context is resolved once every input is read: the creation event may come later or from another file.
    const alerts = hits.map((h) => enrichAlert(h.rule, h.event, index));
    alerts.sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0));

    const summary = renderSummary({ files: files.length, totalBytes, events, problems, collection, loaded: ruleSet.rules.length, notLoaded, alerts, seconds: (Date.now() - started) / 1000 });
    const body =
      format === 'table' ? alerts.map((a) => alertToLine(a, io.color && values.output === undefined)).join('\n') + (alerts.length > 0 ? '\n' : '')
      : format === 'jsonl' ? alerts.map((a) => JSON.stringify(alertToEcs(a))).join('\n') + (alerts.length > 0 ? '\n' : '')
      : csvHeader() + alerts.map(alertToCsv).join('');
    for (const d of ruleErrors) io.err(formatDiagnostic(d, collection.sources, false) + '\n');
    for (const p of problems.slice(0, 50)) io.err(p + '\n');
    if (problems.length > 50) io.err(`... and ${problems.length - 50} more problems\n`);
    if (!values.quiet) io.err(summary);
    if (values.output !== undefined) writeFileSync(values.output, body);
    else io.out(body);
    return alerts.length > 0 ? 1 : 0;
  },
};

function renderSummary(s: {
  files: number;
  totalBytes: number;
  events: number;
  problems: readonly string[];
  collection: ReturnType<typeof loadRules>;
  loaded: number;
  notLoaded: ReadonlyArray<{ title: string; reason: string }>;
  alerts: readonly Alert[];
  seconds: number;
}): string {
  const lines: string[] = [];
  const mb = s.totalBytes / 1e6;
  lines.push(`Read ${s.events} events from ${s.files} files (${mb.toFixed(1)} MB) in ${s.seconds.toFixed(1)} s, ${s.problems.length} problems`);
  lines.push(`Rules: ${s.loaded} loaded, ${s.notLoaded.length} not loaded${s.collection.diagnostics.some((d) => d.severity === 'error') ? `, ${s.collection.diagnostics.filter((d) => d.severity === 'error').length} rule errors` : ''}`);
  const reasons = new Map<string, number>();
  for (const n of s.notLoaded) reasons.set(n.reason.replace(/logsource \{[^}]*\}: /, ''), (reasons.get(n.reason.replace(/logsource \{[^}]*\}: /, '')) ?? 0) + 1);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  ${String(n).padStart(5)}  ${r}`);
  const byLevel = count(s.alerts.map((a) => a.rule.level ?? 'informational'));
  lines.push(`Alerts: ${s.alerts.length}${s.alerts.length > 0 ? ` (${[...LEVELS].reverse().filter((l) => byLevel.has(l)).map((l) => `${byLevel.get(l)} ${l}`).join(', ')})` : ''}`);
  for (const [r, n] of [...count(s.alerts.map((a) => a.rule.title))].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  ${String(n).padStart(5)}  ${r}`);
  const hosts = [...count(s.alerts.map((a) => String(a.event.fields['Computer'] ?? '?')))].sort((a, b) => b[1] - a[1]).slice(0, 5);
  if (hosts.length > 0) lines.push(`Top hosts: ${hosts.map(([h, n]) => `${h} (${n})`).join(', ')}`);
  return lines.join('\n') + '\n\n';
}

function count(xs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
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
