import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { RuleSet } from '../../engine/rule-set.js';
import { resolveWindowsLogsource } from '../../pipeline/windows-logsources.js';
import type { SigmaCorrelation, SigmaFilter, SigmaRule } from '../../rule/model.js';
import { Journal } from '../journal/journal.js';
import { BACKSTOP_PAGES } from '../journal/checkpointer.js';
import { AlertStore } from '../store/alert-store.js';
import { sqliteSink } from '../store/sqlite-store-api.js';
import { openDatabase } from '../store/open-database.js';
import { DetectionLoop } from './detection-loop.js';
import { LiveDetector, type DetectionCounts } from './live-detector.js';

/** What the detection thread is started with (see DetectionThread). */
export interface DetectionWorkerData {
  readonly dataDir: string;
  /** The rules and filters, v8-serialized: compiled here (matchers are closures and do not cross threads). */
  readonly rules: Uint8Array;
  readonly filters: Uint8Array;
  /** The correlations, v8-serialized (run live by the LiveDetector), and the allowed lateness. */
  readonly correlations: Uint8Array;
  readonly latenessMs: number;
  readonly contextCapacity: number;
  /** With --bus: the partition count (one correlation state per partition). */
  readonly correlationPartitions?: number;
  /** With PostgreSQL as the alert store: its URL and this instance's id (the key of its position there). */
  readonly store?: { readonly url: string; readonly instance: string };
}

/** Main → worker. */
export type ToDetection = { readonly kind: 'kick' } | { readonly kind: 'stop' } | { readonly kind: 'reload'; readonly rules: Uint8Array; readonly filters: Uint8Array; readonly correlations: Uint8Array };
/** Worker → main. */
export type FromDetection =
  | { readonly kind: 'ready'; readonly cursor: number }
  | { readonly kind: 'commit'; readonly cursor: number; readonly events: number; readonly alerts: number; readonly lastReceived: number; readonly counts: DetectionCounts }
  | { readonly kind: 'resumed'; readonly cursor: number; readonly rows: number }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'reloaded' }
  | { readonly kind: 'stopped' };

const data = workerData as DetectionWorkerData;
const post = (m: FromDetection) => parentPort?.postMessage(m);
const compile = (rules: Uint8Array, filters: Uint8Array) => RuleSet.compile(deserialize(rules) as SigmaRule[], { filters: deserialize(filters) as SigmaFilter[], logsource: resolveWindowsLogsource });
const ruleSet = compile(data.rules, data.filters);
// Its own connection: the main thread's writes the journal; this one reads it and writes alerts and the cursor.
const db = openDatabase(data.dataDir, { durable: false });
const journal = new Journal(db);
// The service's checkpoint thread copies the WAL into the database: this connection's commits only as a backstop.
db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
// pg is loaded only with a PostgreSQL store.
const sink = data.store === undefined ? sqliteSink(journal, new AlertStore(db)) : (await import('./pg-sink.js')).pgSink(data.store.url, data.store.instance, journal);
const correlations = (bytes: Uint8Array) => deserialize(bytes) as SigmaCorrelation[];
const detector = new LiveDetector(ruleSet, { contextCapacity: data.contextCapacity, correlations: correlations(data.correlations), latenessMs: data.latenessMs, ...(data.correlationPartitions !== undefined ? { correlationPartitions: data.correlationPartitions } : {}) });
const loop = new DetectionLoop(journal, sink, detector, {
  onCommit: (events, alerts, counts) => post({ kind: 'commit', cursor: journal.cursor, events, alerts, lastReceived: loop.lastReceived, counts }),
  onResume: (cursor, rows) => post({ kind: 'resumed', cursor, rows }),
  onError: (e, retryMs) => post({ kind: 'error', message: `${e.message}; retrying in ${retryMs / 1000} s` }),
});
parentPort?.on('message', (m: ToDetection) => {
  if (m.kind === 'kick') loop.kick();
  else if (m.kind === 'reload') {
    loop.replaceRules(compile(m.rules, m.filters), correlations(m.correlations));
    post({ kind: 'reloaded' });
  } else
    void loop.stop().then(async () => {
      await sink.close();
      db.close();
      post({ kind: 'stopped' });
    });
});
loop.start();
post({ kind: 'ready', cursor: journal.cursor });
