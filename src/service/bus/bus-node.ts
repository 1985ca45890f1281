import type { Journal } from '../journal/journal.js';
import { Bus, LEASE_BUCKET, type BusOptions } from './bus.js';
import { PartitionConsumer } from './partition-consumer.js';
import { partitionOf } from './partition.js';

export type Role = 'ingest' | 'detect' | 'both';

export interface BusNodeOptions extends BusOptions {
  readonly role: Role;
  /** How far before a taken-over partition's ack floor its new owner reads again (default: defaultReplayMs). */
  readonly replayMs: number;
  readonly maxAckPending?: number;
}

/** Another instance seen on the bus (its announcement in the lease bucket). */
export interface Peer {
  readonly instance: string;
  readonly role: Role;
  readonly partitions: readonly number[];
  readonly seen: string;
}

interface Lease {
  revision: number;
  renewed: number;
  consumer: PartitionConsumer;
}

const leaseKey = (k: number) => `p.${k}`;
const nodeKey = (instance: string) => `node.${instance}`;

/**
 * This instance on the bus: it announces itself in the lease bucket (`node.<instance>`, role and partitions) and,
 * when it detects, owns a share of the partitions through leases there (`p.<k>` → instance), each written with
 * create (only when free) and renewed with compare-and-set every third of the lease time. The bucket's entries
 * expire after the lease time: a detector that dies (or is cut off from the bus) loses its partitions to the others
 * after at most that long. The share is ceil(partitions / detectors seen): a detector joining makes the others
 * give partitions up, one leaving makes them take its partitions over. KV leases are the choice because JetStream
 * 2.9 has no consumer groups for pull consumers; the partition's durable consumer keeps the position, the lease
 * only says who reads it.
 */
export class BusNode {
  readonly bus: Bus;
  private readonly leases = new Map<number, Lease>();
  private peerList: Peer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private watchdog: NodeJS.Timeout | undefined;
  private ticks = 0;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();
  lastError: string | undefined;

  constructor(
    readonly options: BusNodeOptions,
    private readonly journal: Journal,
    private readonly log: (message: string) => void,
  ) {
    this.bus = new Bus(options, log);
  }

  get detects(): boolean {
    return this.options.role !== 'ingest';
  }

  start(): void {
    this.bus.start();
    const every = Math.max(200, Math.floor(this.options.leaseMs / 3));
    // Apart from the rounds (one may hang on a server that died): a lease not renewed for its whole time is given up,
    // its consumer stopped, since another instance may hold it by now.
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const [k, l] of this.leases) if (now - l.renewed > this.options.leaseMs) void this.drop(k, 'its lease could not be renewed in time');
    }, every);
    // Renewing has a loop of its own: a slow round of announcing and balancing (the bucket electing a new leader after
    // a NATS node died) must not hold back the renewals.
    const renewLoop = () => {
      if (this.stopped) return;
      this.renewing = this.renew().finally(() => {
        if (!this.stopped) this.renewTimer = setTimeout(renewLoop, every);
      });
    };
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, every);
      });
    };
    void this.bus.ready().then(() => {
      renewLoop();
      loop();
    });
  }

  /** Detection committed up to the local journal position `cursor`: the partitions acknowledge what it covers. */
  committed(cursor: number): void {
    for (const l of this.leases.values()) l.consumer.committed(cursor);
  }

  private async tick(): Promise<void> {
    const h = this.bus.current;
    if (h === undefined) return;
    const now = Date.now();
    try {
      await h.leases.put(nodeKey(this.options.instance), JSON.stringify({ role: this.options.role, partitions: this.owned(), seen: new Date(now).toISOString() }));
      this.peerList = await this.readPeers();
      if (this.detects) await this.balance(now);
      // Not waited for: a consumer whose leader is being elected again answers late, and the round must not stall
      // (this instance's announcement would expire meanwhile).
      for (const l of this.leases.values()) l.consumer.refreshSoon();
      this.lastError = undefined;
    } catch (e) {
      const message = `leases: ${(e as Error).message}`;
      if (message !== this.lastError) this.log(`bus: ${message}`);
      this.lastError = message;
    }
    this.ticks++;
  }

  /**
   * The announcements in the bucket. The keys are listed by the stream's subjects (one request to the stream's
   * leader), not by kv.keys(): that creates an ephemeral consumer, and nats-server 2.9 may place one on a replica
   * that is down (nats-server#7165, fixed in 2.12), so that with one NATS node of three gone the listing timed out
   * on most rounds and the leases were never renewed.
   */
  private async readPeers(): Promise<Peer[]> {
    const h = this.bus.current as NonNullable<Bus['current']>;
    const kv = h.leases;
    const prefix = `$KV.${LEASE_BUCKET}.`;
    const info = await h.leaseJsm.streams.info(`KV_${LEASE_BUCKET}`, { subjects_filter: `${prefix}${nodeKey('*')}` });
    const keys = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    const peers: Peer[] = [];
    const entries = await Promise.all(keys.map((key) => kv.get(key)));
    for (const [i, e] of entries.entries()) {
      const key = keys[i] as string;
      if (e === null || e.operation !== 'PUT') continue;
      try {
        const v = e.json<{ role: Role; partitions: number[]; seen: string }>();
        peers.push({ instance: key.slice('node.'.length), role: v.role, partitions: v.partitions, seen: v.seen });
      } catch {
        // Not ours: ignored.
      }
    }
    return peers.sort((a, b) => a.instance.localeCompare(b.instance));
  }

  /** Renews every lease held at once (compare-and-set on its revision); one another instance holds now is given up. */
  private async renew(): Promise<void> {
    const kv = this.bus.current?.leases;
    if (kv === undefined) return;
    await Promise.all(
      [...this.leases].map(async ([k, l]) => {
        const at = Date.now();
        try {
          const revision = await kv.update(leaseKey(k), this.options.instance, l.revision);
          if (this.leases.get(k) !== l) return; // given up meanwhile
          l.revision = revision;
          l.renewed = at;
        } catch (e) {
          // Lost: it expired (the renewals failed for the lease's time) or another instance took it since.
          if (/wrong last sequence|not found/i.test((e as Error).message) && this.leases.get(k) === l) await this.drop(k, `its lease was lost (${(e as Error).message})`);
        }
      }),
    );
  }

  /** Gives up or takes partitions until this instance holds its share. */
  private async balance(now: number): Promise<void> {
    const kv = (this.bus.current as NonNullable<Bus['current']>).leases;
    const { instance, partitions } = this.options;
    // The first round only announces: the peers' announcements are read before any partition is taken.
    if (this.ticks === 0) return;
    const detectors = Math.max(1, this.peerList.filter((p) => p.role !== 'ingest').length);
    const share = Math.ceil(partitions / detectors);
    for (const k of [...this.leases.keys()].sort((a, b) => b - a)) {
      if (this.leases.size <= share) break;
      const l = this.leases.get(k) as Lease;
      await this.drop(k, `${detectors} detectors share ${partitions} partitions`);
      await kv.delete(leaseKey(k), { previousSeq: l.revision }).catch(() => {});
    }
    // Each instance starts looking at its own place, so that detectors starting together seldom want the same partition.
    const first = partitionOf(instance, partitions);
    for (let i = 0; i < partitions && this.leases.size < share; i++) {
      const k = (first + i) % partitions;
      if (this.leases.has(k)) continue;
      let revision: number;
      try {
        revision = await kv.create(leaseKey(k), instance);
      } catch {
        continue; // another instance holds it
      }
      const lease: Lease = { revision, renewed: now, consumer: undefined as unknown as PartitionConsumer };
      // The consumer reads only while the lease is fresh (a takeover by it could otherwise cut off the new owner).
      const fresh = () => this.leases.get(k) === lease && Date.now() - lease.renewed <= this.options.leaseMs;
      lease.consumer = new PartitionConsumer(k, this.bus.current as NonNullable<Bus['current']>, this.journal, { replayMs: this.options.replayMs, maxAckPending: this.options.maxAckPending ?? 20_000, log: this.log, fresh });
      const consumer = lease.consumer;
      this.leases.set(k, lease);
      this.log(`bus: partition ${k} taken (${this.leases.size} of ${partitions} here, share ${share})`);
      consumer.start();
    }
  }

  private async drop(k: number, why: string): Promise<void> {
    const l = this.leases.get(k);
    if (l === undefined) return;
    this.leases.delete(k);
    this.log(`bus: partition ${k} given up: ${why}`);
    await l.consumer.stop();
  }

  private owned(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  /** For /api/health: the role, the bus, the partitions owned with their lag, the peers. */
  status(): { role: Role; servers: string; connected: boolean; last_error: string | null; partitions: number; owned: number[]; lag: Record<string, number | null>; received: number; peers: Peer[] } {
    const lag: Record<string, number | null> = {};
    let received = 0;
    for (const k of this.owned()) {
      const c = (this.leases.get(k) as Lease).consumer;
      lag[String(k)] = c.lag;
      received += c.received;
    }
    const errors = [this.bus.lastError, this.lastError, ...[...this.leases.values()].map((l) => l.consumer.lastError)].filter((e) => e !== undefined);
    return {
      role: this.options.role,
      servers: this.bus.location,
      connected: this.bus.connected,
      last_error: errors[0] ?? null,
      partitions: this.options.partitions,
      owned: this.owned(),
      lag,
      received,
      peers: this.peerList.filter((p) => p.instance !== this.options.instance),
    };
  }

  /** Stops reading the partitions (their leases are released for the others) and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.renewTimer);
    clearInterval(this.watchdog);
    await Promise.all([this.ticking, this.renewing]);
    const kv = this.bus.current?.leases;
    for (const [k, l] of [...this.leases]) {
      await this.drop(k, 'stopping');
      await kv?.delete(leaseKey(k), { previousSeq: l.revision }).catch(() => {});
    }
    await kv?.delete(nodeKey(this.options.instance)).catch(() => {});
    await this.bus.close();
  }
}
