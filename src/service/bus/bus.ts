import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { describe, partitionsOf, STREAM, SUBJECT_PREFIX } from './partition.js';

/** How this instance reaches the bus and how the site's stream is laid out (the same on every instance). */
export interface BusOptions {
  /** `host:port` of one or more NATS servers of the cluster. */
  readonly servers: readonly string[];
  readonly partitions: number;
  /** Copies of the stream and the lease bucket in the cluster (3 in a three-node cluster; 1 on one server). */
  readonly replicas: number;
  /** How long a partition's lease lives without renewal: a dead detector's partitions are taken over after it. */
  readonly leaseMs: number;
  /** This instance's name on the bus (its id: the lease owner, the peer). */
  readonly instance: string;
}

/** What the connected bus gives the publisher, the leases and the consumers. */
export interface BusHandles {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The lease bucket: `p.<k>` → owner instance (partition leases), `node.<instance>` → the peer's announcement. */
  readonly leases: KV;
  /** The lease bucket's requests give up after this (a share of the lease: a request lost with a dead server is not waited for). */
  readonly leaseJsm: JetStreamManager;
}

/**
 * Requests on the lease bucket time out after half the lease (1 to 5 s): a request in flight to a server that dies
 * is lost, and waiting the default 5 s for its answer would outlast a short lease.
 */
export const leaseRequestMs = (leaseMs: number): number => Math.min(5000, Math.max(1000, Math.floor(leaseMs / 2)));

export const LEASE_BUCKET = 'sigmatch-leases';
const MAX_RETRY_MS = 30_000;
/** Publishes within this window with the same Nats-Msg-Id (the event's dedup key) are stored once. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** The bus names something the instance cannot work with (another partition count): retrying will not help until an operator acts. */
export class BusMisconfigured extends Error {}

export const isApiError = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code;
export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;

/**
 * The connection to NATS JetStream. It connects in the background and retries with backoff (1 s, doubling, up to
 * 30 s), one clear line per attempt: the service starts while the bus is down and reports itself degraded. Once
 * connected, the client reconnects by itself; `connected` follows the connection's status.
 */
export class Bus {
  private handles: BusHandles | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private waiters: Array<(h: BusHandles) => void> = [];
  /** Whether the connection is up now. */
  connected = false;
  /** Why it is not (undefined while connected). */
  lastError: string | undefined = 'connecting';

  constructor(
    readonly options: BusOptions,
    private readonly log: (message: string) => void,
  ) {}

  get location(): string {
    return this.options.servers.map((s) => `nats://${s}`).join(',');
  }

  start(): void {
    void this.attempt();
  }

  /** The handles, once connected (undefined before the first connection). */
  get current(): BusHandles | undefined {
    return this.handles;
  }

  /** Resolves once the bus is connected and the stream and lease bucket exist. */
  ready(): Promise<BusHandles> {
    if (this.handles !== undefined) return Promise.resolve(this.handles);
    return new Promise((done) => this.waiters.push(done));
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: [...this.options.servers], name: `sigmatch ${this.options.instance}`, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 3000 });
      const jsm = await jetstreamManager(nc, { timeout: 5000 });
      await ensureStream(jsm, this.options);
      const leaseJs = jetstream(nc, { timeout: leaseRequestMs(this.options.leaseMs) });
      const leases = await openLeases(leaseJs, this.options);
      const leaseJsm = await leaseJs.jetstreamManager();
      if (this.closed) {
        await nc.close();
        return;
      }
      const handles: BusHandles = { nc, js: jetstream(nc, { timeout: 5000 }), jsm, leases, leaseJsm };
      this.handles = handles;
      this.connected = true;
      this.lastError = undefined;
      this.attempts = 0;
      this.watch(nc);
      this.log(`bus: connected to ${this.location} (stream ${STREAM}, ${this.options.partitions} partitions, ${this.options.replicas} replica${this.options.replicas === 1 ? '' : 's'})`);
      for (const w of this.waiters.splice(0)) w(handles);
    } catch (e) {
      await nc?.close().catch(() => {});
      const retryMs = Math.min(MAX_RETRY_MS, 1000 * 2 ** this.attempts++);
      this.lastError = `${this.location}: ${(e as Error).message}`;
      this.log(`bus: cannot use ${this.lastError}; retrying in ${retryMs / 1000} s (ingest answers 503 and detection waits until then)`);
      this.timer = setTimeout(() => void this.attempt(), retryMs);
    }
  }

  private watch(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.connected = false;
          this.lastError = `${this.location}: disconnected from ${s.server}; reconnecting`;
          this.log(`bus: ${this.lastError}`);
        } else if (s.type === 'reconnect') {
          this.connected = true;
          this.lastError = undefined;
          this.log(`bus: reconnected to ${s.server}`);
        }
      }
    })();
    void nc.closed().then(() => {
      this.connected = false;
      if (!this.closed) this.lastError = `${this.location}: the connection closed`;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const h = this.handles;
    this.handles = undefined;
    this.connected = false;
    if (h !== undefined) await h.nc.close().catch(() => {});
  }
}

/** Creates the events stream (file storage, one subject per partition) or checks the existing one has our partition count. */
async function ensureStream(jsm: JetStreamManager, o: BusOptions): Promise<void> {
  try {
    const info = await jsm.streams.info(STREAM);
    const have = partitionsOf(info.config.description);
    if (have !== o.partitions) throw new BusMisconfigured(`the stream ${STREAM} on the bus has ${have ?? 'an unknown number of'} partitions and this instance was started with --partitions ${o.partitions}: start every instance of the site with the same --partitions`);
    return;
  } catch (e) {
    if (!isApiError(e, STREAM_NOT_FOUND)) throw e;
  }
  await jsm.streams.add({
    name: STREAM,
    subjects: [`${SUBJECT_PREFIX}*`],
    description: describe(o.partitions),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: o.replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(7 * 24 * 3600_000),
  });
}

/** The lease bucket: every entry lives `leaseMs` unless written again (so a dead instance's leases and announcement expire). */
async function openLeases(js: JetStreamClient, o: BusOptions): Promise<KV> {
  const kvm = new Kvm(js);
  try {
    return await kvm.create(LEASE_BUCKET, { ttl: o.leaseMs, replicas: o.replicas, history: 1 });
  } catch (e) {
    // Another instance made it with other settings (another --bus-lease): use it as it is.
    if (/already in use|exists/i.test((e as Error).message)) return kvm.open(LEASE_BUCKET);
    throw e;
  }
}
