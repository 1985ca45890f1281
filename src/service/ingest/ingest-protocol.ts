import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyLimits } from '../http/read-body.js';
import { BacklogFull, EventLogUnavailable, JournalWriteError, type AppendResult, type EventLog } from '../journal/journal.js';
import type { Metrics } from '../metrics.js';
import { toBatch, type Prepared } from './prepare-document.js';

/** What every protocol's handlers share. */
export interface IngestContext {
  /** Where accepted events go: the local journal, or the bus (serve --bus). */
  readonly journal: EventLog;
  readonly limits: BodyLimits;
  readonly metrics: Metrics;
  /** The Elasticsearch version the ES endpoint reports when the client does not name its own (see es-bulk.ts). */
  readonly esVersion: string;
  /** Templates, policies and pipelines clients installed through the ES endpoint, by path. */
  readonly esInstalled: Map<string, unknown>;
  /** Splunk HEC: the last ackId handed out per channel (in this process's life). */
  readonly hecAcks: Map<string, number>;
}

export interface Route {
  readonly methods: readonly string[];
  /** Matched against the path (no query); groups become `params`. */
  readonly path: RegExp;
  /** Answered without the ingest token (health checks shippers make before they authenticate). */
  readonly open?: boolean;
  readonly handle: (req: IncomingMessage, res: ServerResponse, url: URL, params: readonly string[], ctx: IngestContext) => Promise<void> | void;
}

/** An ingest protocol: its routes. Decoding and the reply are the protocol's; durability is `accept`'s. */
export interface IngestProtocolSpec {
  readonly name: string;
  readonly routes: readonly Route[];
}

/** How a request ended when it was refused as a whole: status and reason (nothing of it was kept). */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly retryAfter?: number;
}

/** Who sent a request: the protocol and the client (its address and, over HTTP, its user agent's product). */
export interface IngestSource {
  readonly protocol: string;
  readonly client: string;
}

/** An HTTP request's source: the peer address and the first product of its User-Agent (`Winlogbeat/8.15.0`, `Fluent-Bit`). */
export function httpSource(protocol: string, req: IncomingMessage): IngestSource {
  const agent = req.headers['user-agent']?.trim().split(/\s+/)[0];
  const address = req.socket.remoteAddress ?? 'unknown';
  return { protocol, client: agent === undefined || agent === '' ? address : `${address} ${agent}` };
}

/** Per prepared document: its journal position, 'duplicate', or 'quarantined'. */
export type Accepted = ReadonlyArray<number | 'duplicate' | 'quarantined'>;

/**
 * The shared path of every protocol: journals the request's documents as one batch (in the local journal, or on the
 * bus) and resolves after the commit (durable). A whole-request refusal (backlog full, disk full, storage error) comes back as a Refusal:
 * nothing of the request was written, and the protocol answers it its own way (429/503/507).
 */
export async function accept(ctx: IngestContext, prepared: readonly Prepared[], source: IngestSource): Promise<Accepted | Refusal> {
  const { entries, quarantine, index } = toBatch(prepared);
  let results: AppendResult;
  try {
    results = await ctx.journal.append({ entries, quarantine });
  } catch (e) {
    const refusal: Refusal =
      e instanceof BacklogFull
        ? { status: 429, reason: e.message, retryAfter: 5 }
        : e instanceof JournalWriteError
          ? { status: e.full ? 507 : 503, reason: e.message, retryAfter: 10 }
          : e instanceof EventLogUnavailable
            ? { status: 503, reason: e.message, retryAfter: e.retryAfter }
            : { status: 503, reason: `the journal could not be written: ${String(e)}` };
    ctx.metrics.reject(refusal.status);
    return refusal;
  }
  const out = index.map((i) => (i === undefined ? ('quarantined' as const) : (results[i] as number | 'duplicate')));
  const dups = results.filter((r) => r === 'duplicate').length;
  ctx.metrics.accepted(results.length - dups, dups, quarantine.length, source);
  return out;
}

export const isRefusal = (r: Accepted | Refusal): r is Refusal => !Array.isArray(r);
