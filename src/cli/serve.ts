import { existsSync, mkdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { InvalidArgumentError, Option } from 'commander';
import { formatDiagnostic, lineColOf, type Span } from '../diagnostics.js';
import { RuleSet } from '../engine/rule-set.js';
import { resolveWindowsLogsource } from '../pipeline/windows-logsources.js';
import { loadRules } from '../rule/load-rules.js';
import type { Role } from '../service/bus/bus-node.js';
import { DEFAULT_BUS, DEFAULT_CONFIG, parseDuration, parseHostPort, parseSize, type ServiceConfig } from '../service/service-config.js';
import type { LoadProblem } from '../service/api/rules-route.js';
import { startService, StoreRefused, suppressionsDirOf, type RuleInfo, type RunningService } from '../service/start-service.js';
import type { CommandIO, CommandSpec } from './command.js';
import { builtinRulesDir } from './hunt.js';
import { examples, intOption, noCacheOption, repeatable } from './option-values.js';
import { parsePlaceholders } from './placeholders.js';
import { UsageError } from './usage-error.js';

interface ServeOptions {
  readonly rules?: string[];
  readonly data: string;
  readonly listen: { host: string; port: number };
  readonly tcp?: { host: string; port: number };
  readonly maxBacklog?: number;
  readonly maxBody?: number;
  readonly retention?: number;
  readonly correlationLateness?: number;
  readonly retentionSize?: number;
  readonly esVersion?: string;
  readonly contextLimit?: number;
  readonly placeholder?: string[];
  readonly cache: boolean;
  /** False with --no-detect-thread. */
  readonly detectThread: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** False with --no-watch. */
  readonly watch: boolean;
  readonly filters?: string[];
  readonly suppressions?: string;
  readonly store?: string;
  readonly bus?: string[];
  readonly role?: Role;
  readonly partitions?: number;
  readonly busReplicas?: number;
  readonly busLease?: number;
  readonly busReplay?: number;
}

/** The filter paths: --filters, then the folder suppressions made from alerts are written to. */
const filterPaths = (o: ServeOptions): string[] => [...(o.filters ?? []), suppressionsDirOf({ dataDir: o.data, ...(o.suppressions !== undefined ? { suppressionsDir: o.suppressions } : {}) })];

/** Loads and compiles the rules (a file with an error is reported and left out; the others run). */
function loadServeRules(o: ServeOptions, io: CommandIO): { ruleSet: RuleSet; info: RuleInfo } {
  const placeholders = parsePlaceholders(o.placeholder);
  const collection = loadRules(o.rules ?? [builtinRulesDir()], { placeholders, cache: o.cache });
  // The site's filters (--filters, the suppressions folder), beside those found with the rules; other documents there are not loaded.
  const tuning = loadRules(filterPaths(o), { placeholders, cache: o.cache });
  const errors: LoadProblem[] = [];
  const sources = new Map([...collection.sources, ...tuning.sources]);
  // Where a problem is, for GET /api/rules: file and 1-based line:column.
  const at = (span: Span | undefined) => {
    if (span === undefined) return {};
    const text = sources.get(span.file);
    const pos = text === undefined ? undefined : lineColOf(text, span.start);
    return { file: span.file, ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}) };
  };
  for (const c of [collection, tuning]) {
    for (const d of c.diagnostics) {
      if (d.severity !== 'error') continue;
      io.err(formatDiagnostic(d, c.sources, false) + '\n');
      errors.push({ rule: d.span?.file ?? '', reason: d.message, ...at(d.span) });
    }
  }
  for (const r of tuning.rules) errors.push({ rule: r.file, reason: `'${r.title}' under --filters is a rule, not a filter; it is not loaded (use --rules)`, ...at(r.span) });
  const filters = [...collection.filters, ...tuning.filters];
  const ruleSet = RuleSet.compile(collection.rules, { filters, logsource: resolveWindowsLogsource });
  for (const s of ruleSet.skipped) errors.push({ rule: `${s.rule.title} (${s.rule.file})`, reason: s.reason, ...at(s.rule.span) });
  return { ruleSet, info: { documents: { rules: ruleSet.rules.map((r) => r.rule), filters, correlations: collection.correlations }, loaded: ruleSet.rules.length, errors } };
}

/**
 * Reloading the rules and filters from their files, one reload at a time: the returned function resolves when the
 * new rules run and rejects with why they do not (the previous rules keep running; either way it is logged).
 */
function reloader(o: ServeOptions, io: CommandIO, target: () => RunningService | undefined): (why: string) => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  return (why) => {
    const next = running.then(async () => {
      const service = target();
      if (service === undefined) throw new Error('the service has not started yet');
      const { ruleSet, info } = loadServeRules(o, io);
      await service.reloadRules(ruleSet, info);
      io.err(`sigmatch serve: rules reloaded (${why}): ${info.loaded} rules (${info.errors.length} not loaded)\n`);
    });
    running = next.catch((e: unknown) => {
      io.err(`sigmatch serve: rules not reloaded (${why}): ${(e as Error).message}; the previous rules keep running\n`);
    });
    return next;
  };
}

/**
 * Reloads the rules on SIGHUP and when a file under the rule and filter paths changes (debounced; not with
 * --no-watch). Returns the function that stops it.
 */
function reloadOnChange(o: ServeOptions, io: CommandIO, reloadNow: (why: string) => Promise<void>): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = (why: string) => void reloadNow(why).catch(() => {});
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const watchers: FSWatcher[] = [];
  if (o.watch) {
    for (const path of [...(o.rules ?? [builtinRulesDir()]), ...filterPaths(o)]) {
      try {
        const w = watch(path, { recursive: statSync(path).isDirectory() }, () => {
          clearTimeout(timer);
          timer = setTimeout(() => reload('a rule file changed'), 300);
        });
        w.on('error', (e) => io.err(`sigmatch serve: cannot watch ${path} for changes (${e.message}); SIGHUP still reloads\n`));
        watchers.push(w);
      } catch (e) {
        io.err(`sigmatch serve: cannot watch ${path} for changes (${(e as Error).message}); SIGHUP still reloads\n`);
      }
    }
  }
  return () => {
    process.off('SIGHUP', onHup);
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

/** --tls-cert and --tls-key: both or neither; each file read here so an error names it. */
function readTls(o: ServeOptions): ServiceConfig['tls'] {
  if (o.tlsCert === undefined && o.tlsKey === undefined) return undefined;
  if (o.tlsCert === undefined || o.tlsKey === undefined) throw new UsageError('--tls-cert and --tls-key go together: give both (PEM files) or neither');
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new UsageError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  const tls = { cert: read('--tls-cert', o.tlsCert), key: read('--tls-key', o.tlsKey) };
  try {
    createSecureContext(tls);
  } catch (e) {
    throw new UsageError(`--tls-cert ${o.tlsCert} / --tls-key ${o.tlsKey}: not a PEM certificate and its private key (${(e as Error).message})`);
  }
  return tls;
}

const parsed = <T>(parse: (v: string) => T | undefined, what: string) => (v: string): T => {
  const r = parse(v);
  if (r === undefined) throw new InvalidArgumentError(`Expected ${what}.`);
  return r;
};
const address = parsed((v) => parseHostPort(v), 'HOST:PORT (or PORT)');

/** A postgres:// (or postgresql://) URL naming a host; the text is kept as given (pg reads its options). */
function storeUrl(v: string): string | undefined {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** `nats://host:port[,host:port...]` (each `nats://` optional, the port 4222 when left out): the servers' host:port. */
export function busServers(v: string): string[] | undefined {
  const out: string[] = [];
  for (const part of v.split(',')) {
    const text = part.trim().replace(/^nats:\/\//i, '');
    const hp = parseHostPort(/:\d+$/.test(text) ? text : `${text}:4222`, '');
    if (text === '' || hp === undefined || hp.host === '') return undefined;
    out.push(`${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:${hp.port}`);
  }
  return out;
}

/** The --bus flags as the service's bus config; a combination that cannot work is a usage error naming the flags. */
function busConfig(o: ServeOptions): ServiceConfig['bus'] {
  if (o.bus === undefined) {
    const stray = [o.role !== undefined && '--role', o.partitions !== undefined && '--partitions', o.busReplicas !== undefined && '--bus-replicas', o.busLease !== undefined && '--bus-lease', o.busReplay !== undefined && '--bus-replay'].filter((f) => f !== false);
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} ${stray.length === 1 ? 'needs' : 'need'} --bus nats://HOST:PORT: without a bus this instance ingests and detects alone`);
    return undefined;
  }
  const role = o.role ?? 'both';
  // Partitions move between detectors: their alerts have to land in one store the others (and the API) see.
  if (role !== 'ingest' && o.store === undefined) throw new UsageError(`--bus with --role ${role}: detectors share the partitions and take them over from each other, so their alerts must go to one shared store: give --store postgres://USER@HOST:PORT/DB (or run this instance with --role ingest)`);
  return {
    servers: o.bus,
    role,
    partitions: o.partitions ?? DEFAULT_BUS.partitions,
    replicas: o.busReplicas ?? DEFAULT_BUS.replicas,
    leaseMs: o.busLease ?? DEFAULT_BUS.leaseMs,
    ...(o.busReplay !== undefined ? { replayMs: o.busReplay } : {}),
  };
}

export const serve: CommandSpec = {
  summary: 'serve live detection: shippers send events (Elasticsearch bulk, HTTP JSON, TCP), alerts are stored and served',
  define: (command) =>
    command
      .addOption(repeatable('--rules <path>', 'rule file or folder, repeatable; Sigma filters found there apply (default: the built-in pack)'))
      .addOption(repeatable('--filters <path>', 'Sigma filter files or folders (the site\'s tuning), repeatable; reloaded with the rules (default: only the filters beside the rules)'))
      .option('--suppressions <dir>', 'folder the API writes suppressions made from alerts to, loaded as filters (default: <data>/suppressions)')
      .addOption(new Option('--data <dir>', 'folder of the journal and alert store (sigmatch.db)').default('sigmatch-data'))
      .addOption(new Option('--store <url>', 'alert store: postgres://USER@HOST:PORT/DB shared by instances (password: PGPASSWORD or ~/.pgpass) (default: SQLite in --data)').argParser(parsed(storeUrl, 'postgres://USER@HOST:PORT/DB')))
      .addOption(new Option('--listen <host:port>', 'HTTP address for ingest and the API; 0.0.0.0 to accept other machines').argParser(address).default(DEFAULT_CONFIG.listen, '127.0.0.1:9200'))
      .addOption(new Option('--tcp <host:port>', 'also accept JSON lines over TCP here (default: off; not acknowledged, see README)').argParser(address))
      .addOption(intOption('--max-backlog <events>', `unprocessed events beyond which ingest answers 429 (default: ${DEFAULT_CONFIG.maxBacklog})`, 1))
      .addOption(new Option('--max-body <size>', 'largest request body, compressed (default: 64m; decompressed: 4x)').argParser(parsed(parseSize, 'a size such as 64m')))
      .addOption(new Option('--retention <duration>', 'keep processed journal events this long (default: 7d)').argParser(parsed(parseDuration, 'a duration such as 7d or 12h')))
      .addOption(new Option('--retention-size <size>', 'keep at most this much processed journal (default: 1g)').argParser(parsed(parseSize, 'a size such as 1g')))
      .option('--es-version <x.y.z>', `Elasticsearch version reported to clients that do not send theirs (default: ${DEFAULT_CONFIG.esVersion})`)
      .addOption(new Option('--correlation-lateness <duration>', 'how far behind the newest event time an event may arrive and still be correlated (default: 5m)').argParser(parsed(parseDuration, 'a duration such as 5m or 1h')))
      .addOption(intOption('--context-limit <n>', `process starts and DNS answers held for context (default: ${DEFAULT_CONFIG.contextCapacity})`, 1))
      .addOption(repeatable('--placeholder <name=values>', 'values for %NAME% under |expand, comma-separated; repeatable (default: none)'))
      .addOption(noCacheOption())
      .option('--no-detect-thread', 'match on the main thread between requests instead of in a worker thread')
      .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain); needs --tls-key (default: plain HTTP)')
      .option('--tls-key <file>', 'the PEM private key of --tls-cert (default: plain HTTP)')
      .addOption(new Option('--bus <nats://host:port,...>', 'several instances on a NATS JetStream stream: ingest publishes to it, detectors share its partitions (default: off, this instance alone)').argParser(parsed(busServers, 'nats://HOST:PORT[,HOST:PORT...]')))
      .addOption(new Option('--role <role>', 'with --bus: ingest (publish only), detect (consume partitions only) or both (default: both)').choices(['ingest', 'detect', 'both']))
      .addOption(intOption('--partitions <k>', `with --bus: partitions of the stream by host, the same on every instance (default: ${DEFAULT_BUS.partitions})`, 1))
      .addOption(intOption('--bus-replicas <n>', `with --bus: copies of the stream in the NATS cluster, 3 for a three-node cluster (default: ${DEFAULT_BUS.replicas})`, 1))
      .addOption(new Option('--bus-lease <duration>', `with --bus: a dead detector's partitions are taken over after this (default: ${DEFAULT_BUS.leaseMs / 1000}s)`).argParser(parsed(parseDuration, 'a duration such as 10s')))
      .addOption(new Option('--bus-replay <duration>', 'with --bus: how much of a partition before its last detected event a new owner reads again, for context and correlations (default: --correlation-lateness plus the longest chain of correlation timespans)').argParser(parsed(parseDuration, 'a duration such as 5m')))
      .option('--no-watch', 'reload the rules on SIGHUP only, not when a rule file changes (default: both)')
      .addHelpText(
        'after',
        `\nTokens come from the environment, never the command line: SIGMATCH_INGEST_TOKEN (required on ingest when set;\nBearer, Basic password, ApiKey or Splunk form) and SIGMATCH_API_TOKEN (Bearer, required on /api when set; without it\n/api answers this machine only). Named tokens with scopes (ingest, read, triage, admin): sigmatch token --help.\n` +
          examples([
            ['sigmatch serve', 'the built-in pack, Elasticsearch-compatible ingest on 127.0.0.1:9200, data in ./sigmatch-data'],
            ['sigmatch serve --rules sigma/rules --data /var/lib/sigmatch --listen 0.0.0.0:9200 --tcp 0.0.0.0:5170', 'SigmaHQ rules, open to the network, TCP JSON lines too'],
            ['sigmatch serve --bus nats://n1:4222,n2:4222,n3:4222 --bus-replicas 3 --role detect --store postgres://sigmatch@db/sigmatch', 'one of several detectors sharing the stream\'s partitions (README: Past one machine)'],
          ]),
      ),
  async run(paths, options, io) {
    // Commander hands a command without arguments its options first (and the Command second).
    const o = (Array.isArray(paths) ? options : paths) as unknown as ServeOptions;
    const tls = readTls(o);
    const bus = busConfig(o);
    for (const f of o.filters ?? []) if (!existsSync(f)) throw new UsageError(`--filters ${f}: no such file or folder`);
    const suppressionsDir = suppressionsDirOf({ dataDir: o.data, ...(o.suppressions !== undefined ? { suppressionsDir: o.suppressions } : {}) });
    try {
      mkdirSync(suppressionsDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--suppressions ${suppressionsDir}: cannot create the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const { ruleSet, info } = loadServeRules(o, io);
    const env = process.env;
    const maxBody = o.maxBody ?? DEFAULT_CONFIG.maxBodyBytes;
    const config: ServiceConfig = {
      ...DEFAULT_CONFIG,
      dataDir: o.data,
      listen: o.listen,
      ...(o.tcp !== undefined ? { tcp: o.tcp } : {}),
      maxBodyBytes: maxBody,
      maxDecodedBytes: maxBody * 4,
      maxBacklog: o.maxBacklog ?? DEFAULT_CONFIG.maxBacklog,
      retentionMs: o.retention ?? DEFAULT_CONFIG.retentionMs,
      retentionBytes: o.retentionSize ?? DEFAULT_CONFIG.retentionBytes,
      esVersion: o.esVersion ?? DEFAULT_CONFIG.esVersion,
      contextCapacity: o.contextLimit ?? DEFAULT_CONFIG.contextCapacity,
      correlationLatenessMs: o.correlationLateness ?? DEFAULT_CONFIG.correlationLatenessMs,
      detectThread: o.detectThread,
      ...(tls !== undefined ? { tls } : {}),
      ...(o.store !== undefined ? { store: o.store } : {}),
      suppressionsDir,
      ...(bus !== undefined ? { bus } : {}),
      ...(env['SIGMATCH_INGEST_TOKEN'] ? { ingestToken: env['SIGMATCH_INGEST_TOKEN'] } : {}),
      ...(env['SIGMATCH_API_TOKEN'] ? { apiToken: env['SIGMATCH_API_TOKEN'] } : {}),
    };
    let service: RunningService | undefined;
    const reloadNow = reloader(o, io, () => service);
    try {
      service = await startService(config, ruleSet, info, { error: (m) => io.err(`sigmatch serve: ${m}\n`) }, { reloadRules: () => reloadNow('a suppression was saved') });
    } catch (e) {
      if (!(e instanceof StoreRefused)) throw e;
      io.err(`sigmatch serve: ${e.message}\n`);
      return 69;
    }
    const stopReloading = reloadOnChange(o, io, reloadNow);
    const host = service.address.host.includes(':') ? `[${service.address.host}]` : service.address.host;
    io.err(`sigmatch serve: listening on ${tls !== undefined ? 'https' : 'http'}://${host}:${service.address.port}${service.tcpAddress !== undefined ? ` and tcp ${service.tcpAddress.host}:${service.tcpAddress.port}` : ''}; ${ruleSet.rules.length} rules (${info.errors.length} not loaded); data in ${o.data}; alerts in ${service.alerts.location}${bus !== undefined ? `; bus ${bus.servers.map((b) => `nats://${b}`).join(',')} as ${bus.role}` : ''}\n`);
    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        io.err(`sigmatch serve: ${signal}, stopping\n`);
        done();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    stopReloading();
    await service.stop();
    io.err('sigmatch serve: stopped\n');
    return 0;
  },
};
