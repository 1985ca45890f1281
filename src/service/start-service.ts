import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { RuleSet } from '../engine/rule-set.js';
import type { SigmaCorrelation, SigmaFilter, SigmaRule } from '../rule/model.js';
import { DetectionThread } from './detect/detection-thread.js';
import { BusNode } from './bus/bus-node.js';
import { BusPublisher, refusingLog } from './bus/bus-publisher.js';
import { defaultReplayMs } from './bus/replay-window.js';
import type { MetricFamily } from './api/prometheus.js';
import { rulesDocument, type LoadProblem } from './api/rules-route.js';
import { createApp } from './app.js';
import { DetectionLoop } from './detect/detection-loop.js';
import { LiveDetector, type DetectionCounts } from './detect/live-detector.js';
import { liveStories } from './detect/live-stories.js';
import { INGEST_PROTOCOLS } from './ingest/registry.js';
import type { IngestContext } from './ingest/ingest-protocol.js';
import { startTcpJsonLines, type TcpListener } from './ingest/tcp-json-lines.js';
import { Journal } from './journal/journal.js';
import { Metrics } from './metrics.js';
import type { ServiceConfig } from './service-config.js';
import { join } from 'node:path';
import { AlertStore } from './store/alert-store.js';
import type { AlertStoreApi, TriageApi } from './store/alert-store-api.js';
import { instanceId } from './store/instance-id.js';
import { openDatabase } from './store/open-database.js';
import { Checkpointer } from './journal/checkpointer.js';
import type { PgAlertStore } from './store/pg-alert-store.js';
import { sqliteSink, sqliteStoreApi } from './store/sqlite-store-api.js';
import { TokenStore, type TokenAuthority } from './store/token-store.js';
import { TriageStore } from './store/triage-store.js';

export interface RuleInfo {
  /** The rules and filters the rule set was compiled from: with them, detection runs in its own thread. */
  readonly documents?: { readonly rules: readonly SigmaRule[]; readonly filters: readonly SigmaFilter[]; readonly correlations?: readonly SigmaCorrelation[] };
  readonly loaded: number;
  /** Rules that did not load, with why (and where, when known): reported, and the others run. */
  readonly errors: readonly LoadProblem[];
}

export interface RunningService {
  /** Where HTTP listens (the port the system chose for port 0). */
  readonly address: { readonly host: string; readonly port: number };
  readonly tcpAddress?: { readonly host: string; readonly port: number };
  readonly journal: Journal;
  /** The embedded SQLite alert store of the data dir (empty when the alerts go to PostgreSQL). */
  readonly store: AlertStore;
  /** The alert store the API serves: the embedded one or PostgreSQL (--store). */
  readonly alerts: AlertStoreApi;
  /** Matches with these rules from now on (process context, journal position and alerts stay); health reports `info`. */
  reloadRules(ruleSet: RuleSet, info: RuleInfo): Promise<void>;
  /** Stops accepting, lets requests in progress and the detection batch in progress finish, closes the database. */
  stop(): Promise<void>;
}

export interface ServiceLog {
  readonly error: (message: string) => void;
}

/** What the service asks of its host (cli/serve.ts): reloading rules and filters from their files. */
export interface ServiceHooks {
  /** Reads the rule and filter files again and runs them (as SIGHUP does); rejects with why it could not. */
  readonly reloadRules: () => Promise<void>;
}

/** The folder suppressions made from alerts are written to. */
export const suppressionsDirOf = (config: Pick<ServiceConfig, 'dataDir' | 'suppressionsDir'>): string => config.suppressionsDir ?? join(config.dataDir, 'suppressions');

const PRUNE_EVERY_MS = 60_000;

/** The composition root: opens the database, starts detection, listens. Owns the clock and the timers. */
export async function startService(config: ServiceConfig, ruleSet: RuleSet, rules: RuleInfo, log: ServiceLog, hooks?: ServiceHooks): Promise<RunningService> {
  const now = Date.now;
  const started = now();
  // A certificate and key that do not load (or do not belong together) fail here, before anything is opened.
  if (config.tls !== undefined) createSecureContext({ cert: config.tls.cert, key: config.tls.key });
  const db = openDatabase(config.dataDir);
  const journal = new Journal(db, { maxBacklog: config.maxBacklog, now });
  const store = new AlertStore(db);
  const shared = config.store === undefined ? undefined : await connectStore(config.store, config.dataDir, now, log, () => db.close());
  const stores: { readonly alerts: AlertStoreApi; readonly triage: TriageApi } = shared?.store !== undefined ? { alerts: shared.store, triage: shared.store } : sqliteStoreApi(store, new TriageStore(db, now), join(config.dataDir, 'sigmatch.db'));
  // The named API tokens: the data dir's own, or with --store the PostgreSQL store's, shared by its instances.
  const localTokens = new TokenStore(db, now);
  const pgTokens = shared === undefined ? undefined : await (await import('./store/pg-tokens.js')).PgTokenMirror.start(shared.store.db, shared.url, config.dataDir, now, log.error);
  const tokens: TokenAuthority = pgTokens ?? localTokens;
  if (pgTokens !== undefined) {
    const own = localTokens.list().filter((t) => t.revoked === undefined);
    if (own.length > 0) log.error(`API tokens: with --store the tokens are PostgreSQL's (sigmatch token --store URL); the ${own.length} made in ${config.dataDir} (${own.map((t) => t.name).join(', ')}) are not accepted`);
  }
  const metrics = new Metrics(now);
  let lastError: string | undefined;
  // With --bus: this instance's part of the site (publishing ingest to the bus, owning partitions to detect).
  const bus = config.bus === undefined ? undefined : new BusNode({ ...config.bus, instance: instanceId(config.dataDir), replayMs: config.bus.replayMs ?? defaultReplayMs(rules.documents?.correlations ?? [], config.correlationLatenessMs) }, journal, log.error);
  let counts: DetectionCounts = { suppressed: 0, correlations: { late: 0, evicted: 0, held: 0, resets: 0 } };
  const onCommit = (events: number, alerts: number, latest: DetectionCounts) => {
    lastError = undefined; // a batch committed: whatever failed before has recovered
    metrics.eventsDetected += events;
    metrics.alertsStored += alerts;
    counts = latest;
    // The bus messages of the rows now detected are acknowledged (the partitions' ack floors follow detection).
    bus?.committed(journal.cursor);
  };
  // A store down for an hour is one line a minute, not one per retry.
  let logged = { message: '', at: 0 };
  const onError = (message: string) => {
    lastError = message;
    if (message === logged.message && now() - logged.at < 60_000) return;
    logged = { message, at: now() };
    log.error(`detection: ${message}`);
  };
  // Matching in a worker thread when the rules can be sent there; else on this thread, between requests.
  let detection: { kick(): void; stop(): Promise<void>; reload(ruleSet: RuleSet, info: RuleInfo): Promise<void>; readonly lastReceived: number };
  // With --bus the correlations keep a state per partition (a partition taken over is replayed on its own event time).
  const scoped = config.bus !== undefined ? { correlationPartitions: config.bus.partitions } : {};
  if (bus !== undefined && !bus.detects) {
    // An ingest-only instance publishes to the bus and detects nothing.
    detection = { kick: () => {}, stop: async () => {}, reload: async () => {}, lastReceived: 0 };
  } else if (rules.documents !== undefined && config.detectThread) {
    const thread = await DetectionThread.start(journal, { dataDir: config.dataDir, rules: rules.documents.rules, filters: rules.documents.filters, correlations: rules.documents.correlations ?? [], latenessMs: config.correlationLatenessMs, contextCapacity: config.contextCapacity, ...scoped, onCommit, onError, ...(shared !== undefined ? { store: { url: shared.url, instance: shared.instance } } : {}) });
    detection = {
      kick: () => thread.kick(),
      stop: () => thread.stop(),
      reload: (_set, info) => {
        if (info.documents === undefined) throw new Error('reloading the detection thread needs the rule documents');
        return thread.reload(info.documents.rules, info.documents.filters, info.documents.correlations ?? []);
      },
      get lastReceived() {
        return thread.lastReceived;
      },
    };
  } else {
    // With PostgreSQL, detection on this thread has a pool of its own (the API's queries never wait behind a batch).
    const sink = shared !== undefined ? new shared.Store(shared.url, now, { max: 1 }).sink(shared.instance, (seq, rows) => journal.advance(seq, rows, () => {})) : sqliteSink(journal, store);
    const detector = new LiveDetector(ruleSet, { contextCapacity: config.contextCapacity, correlations: rules.documents?.correlations ?? [], latenessMs: config.correlationLatenessMs, ...scoped });
    const loop = new DetectionLoop(journal, sink, detector, { now, onCommit, onError: (e, retryMs) => onError(`${e.message}; retrying in ${retryMs / 1000} s`) });
    loop.start();
    detection = {
      kick: () => loop.kick(),
      stop: async () => {
        await loop.stop();
        await sink.close();
      },
      reload: async (set, info) => loop.replaceRules(set, info.documents?.correlations ?? []),
      get lastReceived() {
        return loop.lastReceived;
      },
    };
  }
  let ruleInfo = rules;
  let runningSet = ruleSet;
  let loadedAt = started;
  let reloads = 0;
  journal.onAppend = () => detection.kick();

  const eventLog = bus === undefined ? journal : bus.options.role === 'detect' ? refusingLog(bus.bus.location) : new BusPublisher(bus.bus, journal);
  const ingest: IngestContext = { journal: eventLog, limits: { maxBytes: config.maxBodyBytes, maxDecoded: config.maxDecodedBytes }, metrics, esVersion: config.esVersion, esInstalled: new Map(), hecAcks: new Map() };
  /** The store's alert count, or why it cannot be read (health answers while the store is down). */
  const storeHealth = async () => {
    try {
      return { kind: stores.alerts.kind, location: stores.alerts.location, reachable: true, alerts: await stores.alerts.count(), error: null };
    } catch (e) {
      return { kind: stores.alerts.kind, location: stores.alerts.location, reachable: false, alerts: null, error: (e as Error).message };
    }
  };
  const health = async () => {
    const size = journal.size();
    const st = await storeHealth();
    const backlog = journal.backlog;
    const onBus = bus?.status();
    return {
      status: lastError === undefined && st.reachable && (onBus === undefined || onBus.connected) ? 'ok' : 'degraded',
      uptime_seconds: Math.round((now() - started) / 1000),
      ingest: { rate_per_second: metrics.ingestRate(), events: metrics.eventsAccepted, duplicates: metrics.duplicates, quarantined: metrics.quarantined, rejected: Object.fromEntries(metrics.rejected), sources: metrics.sourceList() },
      detection: { events: metrics.eventsDetected, lag_events: backlog, lag_seconds: backlog === 0 ? 0 : Math.max(0, (now() - (detection.lastReceived || started)) / 1000), cursor: journal.cursor, last_error: lastError ?? null, suppressed: counts.suppressed, correlations: counts.correlations },
      journal: { events: size.events, bytes: size.bytes, last: journal.lastPosition },
      alerts: st.alerts,
      store: st,
      rules: { loaded: ruleInfo.loaded, errors: ruleInfo.errors, reloads },
      ...(onBus !== undefined ? { bus: onBus } : {}),
    };
  };
  const metricFamilies = async (): Promise<MetricFamily[]> => {
    const size = journal.size();
    const h = await health();
    return [
      { name: 'sigmatch_ingest_events_total', help: 'Events accepted into the journal.', type: 'counter', samples: [{ value: metrics.eventsAccepted }] },
      { name: 'sigmatch_ingest_duplicates_total', help: 'Events answered as duplicates (already journaled).', type: 'counter', samples: [{ value: metrics.duplicates }] },
      { name: 'sigmatch_ingest_quarantined_total', help: 'Documents kept in quarantine (not JSON objects).', type: 'counter', samples: [{ value: metrics.quarantined }] },
      { name: 'sigmatch_ingest_rate_events_per_second', help: 'Events accepted per second over the last minute.', type: 'gauge', samples: [{ value: metrics.ingestRate() }] },
      { name: 'sigmatch_requests_rejected_total', help: 'Whole requests refused, by HTTP status.', type: 'counter', samples: [...metrics.rejected].map(([status, value]) => ({ labels: { status: String(status) }, value })) },
      { name: 'sigmatch_detection_events_total', help: 'Events matched by detection.', type: 'counter', samples: [{ value: metrics.eventsDetected }] },
      { name: 'sigmatch_detection_lag_events', help: 'Journaled events not yet matched.', type: 'gauge', samples: [{ value: journal.backlog }] },
      { name: 'sigmatch_detection_lag_seconds', help: 'Age of the oldest unmatched event, roughly.', type: 'gauge', samples: [{ value: (h as { detection: { lag_seconds: number } }).detection.lag_seconds }] },
      { name: 'sigmatch_detection_suppressed_total', help: 'Alerts Sigma filters suppressed since start.', type: 'counter', samples: [{ value: counts.suppressed }] },
      { name: 'sigmatch_correlation_late_total', help: 'Matches that arrived later than the allowed lateness (not correlated) since start.', type: 'counter', samples: [{ value: counts.correlations.late }] },
      { name: 'sigmatch_correlation_evicted_total', help: 'Correlation groups dropped past the state bound since start.', type: 'counter', samples: [{ value: counts.correlations.evicted }] },
      { name: 'sigmatch_correlation_items', help: 'Correlation items (matches and open windows) held.', type: 'gauge', samples: [{ value: counts.correlations.held }] },
      { name: 'sigmatch_journal_events', help: 'Events held in the journal.', type: 'gauge', samples: [{ value: size.events }] },
      { name: 'sigmatch_journal_bytes', help: 'Document bytes held in the journal.', type: 'gauge', samples: [{ value: size.bytes }] },
      { name: 'sigmatch_alerts_stored_total', help: 'Alerts stored since start.', type: 'counter', samples: [{ value: metrics.alertsStored }] },
      ...(h.alerts !== null ? [{ name: 'sigmatch_alerts', help: 'Alerts in the store.', type: 'gauge' as const, samples: [{ value: h.alerts }] }] : []),
      { name: 'sigmatch_store_up', help: 'Whether the alert store answers (1) or not (0).', type: 'gauge', samples: [{ value: h.store.reachable ? 1 : 0 }] },
      { name: 'sigmatch_rules_loaded', help: 'Rules running.', type: 'gauge', samples: [{ value: ruleInfo.loaded }] },
      { name: 'sigmatch_rule_errors', help: 'Rules that did not load.', type: 'gauge', samples: [{ value: ruleInfo.errors.length }] },
      ...(h.bus !== undefined ? busMetrics(h.bus) : []),
    ];
  };
  const timeouts = { requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 65_000 };
  const app = createApp({
    ingest,
    protocols: Object.values(INGEST_PROTOCOLS),
    api: { store: stores.alerts, triage: stores.triage, health: { health, metrics: metricFamilies }, rules: () => rulesDocument(runningSet, ruleInfo.errors, loadedAt, reloads, stores.alerts),
      stories: liveStories(journal, { contextCapacity: config.contextCapacity }),
      suppressions: {
        dir: suppressionsDirOf(config),
        ruleSet: () => runningSet,
        reload: async () => {
          if (hooks === undefined) throw new Error('this service was started without its rule files: it cannot reload them');
          await hooks.reloadRules();
        },
      },
    },
    tokens,
    ...(config.ingestToken !== undefined ? { ingestToken: config.ingestToken } : {}),
    ...(config.apiToken !== undefined ? { apiToken: config.apiToken } : {}),
    onError: (e, req) => log.error(`${req.method} ${req.url}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });
  // An https.Server is an http.Server with TLS below it: the app and the rest of the lifecycle are the same.
  const server: Server = config.tls === undefined ? createServer(timeouts, app) : createHttpsServer({ ...timeouts, cert: config.tls.cert, key: config.tls.key }, app);
  // A client that fails the handshake (plain HTTP to the TLS port, a bad certificate) is its own problem, not the service's.
  server.on('tlsClientError', (e: Error) => log.error(`TLS handshake failed: ${e.message}`));
  let tcp: TcpListener | undefined;
  // The WAL's checkpoints on a thread of their own, not inside an ingest commit before its acknowledgements.
  const checkpointer = Checkpointer.start(config.dataDir, [db], log.error);
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off('error', fail);
        done();
      });
    });
    if (config.tcp !== undefined) tcp = await startTcpJsonLines(config.tcp, ingest, log);
  } catch (e) {
    // Address in use or not ours: nothing may keep the process alive (the detection thread, the database).
    server.close();
    await bus?.stop();
    await detection.stop();
    await pgTokens?.close();
    await shared?.store.close();
    await checkpointer.stop();
    db.close();
    throw e;
  }
  const a = server.address() as AddressInfo;

  const prune = () => {
    try {
      journal.prune(config.retentionMs, config.retentionBytes);
    } catch (e) {
      log.error(`journal prune: ${(e as Error).message}`);
    }
  };
  bus?.start();
  prune();
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();

  return {
    address: { host: a.address, port: a.port },
    ...(tcp !== undefined ? { tcpAddress: tcp.address } : {}),
    journal,
    store,
    alerts: stores.alerts,
    async reloadRules(set, info) {
      await detection.reload(set, info);
      ruleInfo = info;
      runningSet = set;
      loadedAt = now();
      reloads++;
    },
    async stop() {
      clearInterval(pruneTimer);
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      await tcp?.close();
      // Requests in progress get up to 5 s to be committed and answered.
      const timer = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(timer);
      await detection.stop();
      // What detection committed last is acknowledged before the partitions are let go.
      bus?.committed(journal.cursor);
      await bus?.stop();
      await pgTokens?.close();
      await shared?.store.close();
      await checkpointer.stop();
      db.close();
    },
  };
}

/** The PostgreSQL URL named a server that refused us (authentication, no such database, no rights): retrying will not help. */
export class StoreRefused extends Error {}

/**
 * Opens the PostgreSQL alert store and creates its schema. A server that cannot be reached is logged (the URL
 * without its password) and not waited for: ingest goes on into the journal, detection retries with backoff and the
 * alert API answers 503 until it is back. A server that refuses us throws StoreRefused (serve exits with it).
 */
async function connectStore(url: string, dataDir: string, now: () => number, log: ServiceLog, closeAll: () => void): Promise<{ readonly url: string; readonly instance: string; readonly store: PgAlertStore; readonly Store: typeof PgAlertStore }> {
  const instance = instanceId(dataDir);
  // pg is loaded only when a store URL names it (as the CLI's database clients are).
  const [{ PgAlertStore: Store }, { isConfigError }] = await Promise.all([import('./store/pg-alert-store.js'), import('./store/pg-pool.js')]);
  const store = new Store(url, now);
  try {
    await store.ready();
  } catch (e) {
    if (isConfigError(e)) {
      await store.close();
      closeAll();
      throw new StoreRefused(`${(e as Error).message}; check the URL, the user's password (PGPASSWORD or ~/.pgpass) and rights`);
    }
    log.error(`${(e as Error).message}; ingest goes on into the journal, detection and the alert API wait for it (retrying, up to every 10 s)`);
  }
  return { url, instance, store, Store };
}

/** The bus part of /metrics: connected, partitions owned, per-partition lag, peers seen. */
function busMetrics(b: ReturnType<BusNode['status']>): MetricFamily[] {
  return [
    { name: 'sigmatch_bus_up', help: 'Whether this instance is connected to the bus (1) or not (0).', type: 'gauge', samples: [{ labels: { role: b.role }, value: b.connected ? 1 : 0 }] },
    { name: 'sigmatch_bus_partitions_owned', help: 'Partitions this instance detects.', type: 'gauge', samples: [{ value: b.owned.length }] },
    { name: 'sigmatch_bus_partition_lag_events', help: 'Events of an owned partition not yet detected (the consumer\'s pending and unacknowledged).', type: 'gauge', samples: Object.entries(b.lag).flatMap(([partition, value]) => (value === null ? [] : [{ labels: { partition }, value }])) },
    { name: 'sigmatch_bus_received_events_total', help: 'Events read from the bus into the local journal.', type: 'counter', samples: [{ value: b.received }] },
    { name: 'sigmatch_bus_peers', help: 'Other instances seen on the bus.', type: 'gauge', samples: [{ value: b.peers.length }] },
  ];
}
