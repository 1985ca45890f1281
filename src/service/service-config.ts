import type { Role } from './bus/bus-node.js';

/** serve --bus: this instance's part in a site of instances sharing a NATS JetStream stream (see bus/bus-node.ts). */
export interface BusConfig {
  /** `host:port` of the NATS servers (one is enough; the client learns the cluster's others). */
  readonly servers: readonly string[];
  readonly role: Role;
  /** Partitions of the stream (by host); every instance of the site uses the same number. */
  readonly partitions: number;
  /** Copies of the stream and the lease bucket in the NATS cluster. */
  readonly replicas: number;
  /** How long a partition lease lives unrenewed: a dead detector's partitions move after it. */
  readonly leaseMs: number;
  /** How much of a partition (by publish time) before its ack floor a new owner reads again; default: the correlation lateness. */
  readonly replayMs?: number;
}

export const DEFAULT_BUS = { partitions: 16, replicas: 1, leaseMs: 10_000 } as const;

/** Everything the service is started with; cli/serve.ts fills it from flags and defaults. */
export interface ServiceConfig {
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** TCP JSON lines listener; off when undefined. */
  readonly tcp?: { readonly host: string; readonly port: number };
  /** Bytes per request on the wire and decompressed. */
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  /** Unprocessed events beyond which ingest answers 429. */
  readonly maxBacklog: number;
  /** Processed journal rows are kept this long and up to this many bytes of documents. */
  readonly retentionMs: number;
  readonly retentionBytes: number;
  /** The Elasticsearch version reported to clients that do not name theirs. */
  readonly esVersion: string;
  /** Required on ingest requests when set (any form shippers send). */
  readonly ingestToken?: string;
  /** Required (Bearer) on /api when set; without it /api answers loopback clients only. */
  readonly apiToken?: string;
  readonly contextCapacity: number;
  /** How far behind the newest event time an event may arrive and still be correlated (ms). */
  readonly correlationLatenessMs: number;
  /** Match in a worker thread (a core for ingest, one for detection) rather than between requests. */
  readonly detectThread: boolean;
  /** The alert store's PostgreSQL URL (`postgres://USER@HOST:PORT/DB`); undefined: the embedded SQLite store in the data dir. */
  readonly store?: string;
  /** Where suppressions made from alerts are written (a filters folder the service loads); default `<dataDir>/suppressions`. */
  readonly suppressionsDir?: string;
  /** HTTPS instead of HTTP on the listen address: PEM certificate (chain) and private key. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Several instances on a NATS JetStream stream; undefined: this instance alone on its journal. */
  readonly bus?: BusConfig;
}

export const DEFAULT_CONFIG: Omit<ServiceConfig, 'dataDir'> = {
  listen: { host: '127.0.0.1', port: 9200 },
  maxBodyBytes: 64 << 20,
  maxDecodedBytes: 256 << 20,
  maxBacklog: 500_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: 1 << 30,
  esVersion: '8.19.0',
  contextCapacity: 200_000,
  correlationLatenessMs: 300_000,
  detectThread: true,
};

/** `HOST:PORT`, `[v6]:PORT` or `PORT`; undefined when it is not one. */
export function parseHostPort(text: string, defaultHost = '127.0.0.1'): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))?:?(\d{1,5})$/i.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? defaultHost, port };
}

/** Durations such as 30s, 15m, 12h, 7d. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (m === null) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** Sizes such as 512k, 64m, 1g (binary units), or bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([kmg]i?b?)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const unit = m[2] === undefined ? 1 : { k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2][0]?.toLowerCase() as 'k'];
  return Number(m[1]) * unit;
}
