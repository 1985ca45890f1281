import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuleSet } from '../../engine/rule-set.js';
import type { Story } from '../../engine/story/story.js';
import type { StoredAlert } from '../store/alert-store.js';
import type { AlertStoreApi, TriageApi } from '../store/alert-store-api.js';
import type { Scope } from '../store/token-store.js';
import type { Caller } from './auth.js';
import type { MetricFamily } from './prometheus.js';

/** What the health endpoint reads. */
export interface HealthSource {
  readonly health: () => Promise<object>;
  /** The same numbers as Prometheus metric families (`GET /metrics`). */
  readonly metrics: () => Promise<readonly MetricFamily[]>;
}

/** What the API endpoints read and write. */
export interface ApiContext {
  /** The alert store (embedded SQLite or PostgreSQL, behind one async API). */
  readonly store: AlertStoreApi;
  readonly triage: TriageApi;
  readonly health: HealthSource;
  /** The `GET /api/rules` document: the rules running, their filters, load problems, last reload. */
  readonly rules: () => Promise<object>;
  /** Each alert's story (process tree, activity, timeline), built by detection's side from the events it read. */
  readonly stories: StorySource;
  /** Suppressions made from alerts: where they are written and how the service starts using them. */
  readonly suppressions: SuppressionContext;
}

export interface StorySource {
  /**
   * The alert's story; undefined when its events are no longer held (pruned from the journal). `around`: the
   * host's other stored alerts near it in event time (the API reads them from the store), for its timeline.
   */
  readonly story: (alert: StoredAlert, around: readonly StoredAlert[]) => Promise<Story | undefined>;
}

/** What `POST /api/alerts/{id}/suppress` needs from the service. */
export interface SuppressionContext {
  /** The folder suppression filters are written to; the service loads filters from it. */
  readonly dir: string;
  /** The rules running now (their filters included). */
  readonly ruleSet: () => RuleSet;
  /** Reloads rules and filters as SIGHUP does; resolves when the new filters run, rejects with why they do not. */
  readonly reload: () => Promise<void>;
}

/** One API request, authenticated. */
export interface ApiCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The path's captured groups. */
  readonly params: readonly string[];
  readonly caller: Caller;
  readonly ctx: ApiContext;
}

/** An endpoint: method, path, the scope a token needs for it, and its handler. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: RegExp;
  /** How the path reads in messages and the README. */
  readonly name: string;
  readonly scope: Scope;
  readonly handle: (call: ApiCall) => void | Promise<void>;
}
