import type { AlertPage, AlertQuery, StoredAlert, TriagedAlert } from './alert-store.js';
import type { HostSummary } from './host-summary.js';
import type { AuditEntry, Note, TriageChange, TriageState } from './triage-store.js';

/**
 * What the API reads and writes, whichever store holds the alerts (the embedded SQLite store or PostgreSQL).
 * Every call is async: PostgreSQL answers over the network; the SQLite store answers at once.
 */
export interface AlertStoreApi {
  /** `sqlite` or `postgres`, and where (a PostgreSQL URL without its password), for health and messages. */
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  get(id: string): Promise<TriagedAlert | undefined>;
  list(q: AlertQuery): Promise<AlertPage>;
  count(): Promise<number>;
  /** Alerts stored per rule id. */
  countsByRule(): Promise<Map<string, number>>;
  /** Alerts each filter (by id, else title) suppressed, as detection committed them. */
  countsByFilter(): Promise<Map<string, number>>;
  /** Every host with alerts, the most alerts first. */
  hosts(): Promise<HostSummary[]>;
}

/** Triage of stored alerts (see TriageStore for the rules every store keeps). */
export interface TriageApi {
  exists(id: string): Promise<boolean>;
  update(ids: readonly string[], change: TriageChange, who: string): Promise<{ readonly missing: readonly string[]; readonly states: ReadonlyMap<string, TriageState> }>;
  addNote(id: string, text: string, who: string): Promise<Note | undefined>;
  notes(id: string): Promise<Note[]>;
  audit(id: string): Promise<AuditEntry[]>;
}

/** Where detection commits a batch: its alerts and the journal position they reach, in one transaction. */
export interface DetectionSink {
  /** The position detection resumes after (connecting and creating the schema first when the store needs it). */
  resume(): Promise<number>;
  /** The live correlations' state committed with the position (undefined: none stored). */
  resumeState(): Promise<string | undefined>;
  /**
   * Stores `alerts` (ON CONFLICT DO NOTHING), the position `seq`, the correlations' `state` (when given) and the
   * batch's `suppressed` counts per filter (added to the stored ones) together; throws with nothing kept on failure.
   */
  commit(seq: number, rows: number, alerts: readonly StoredAlert[], state?: string, suppressed?: ReadonlyMap<string, number>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The alert store cannot be reached (PostgreSQL down, the network, a connection lost mid-query). The API answers
 * 503 with the message; detection pauses and retries.
 */
export class StoreUnavailable extends Error {}
