/** One sender's counts: events it had accepted and when it last sent. */
export interface SourceCounts {
  readonly protocol: string;
  readonly client: string;
  events: number;
  duplicates: number;
  last: number;
}

/** Senders remembered; past this the one silent longest is forgotten (a fleet of shippers behind NAT is one address each). */
const MAX_SOURCES = 1000;

/** Counters the health endpoint reports; ingest protocols and the detection loop add to them. */
export class Metrics {
  requests = 0;
  eventsAccepted = 0;
  duplicates = 0;
  quarantined = 0;
  /** Whole requests refused, by status. */
  readonly rejected = new Map<number, number>();
  eventsDetected = 0;
  alertsStored = 0;
  /** Per protocol and client, the senders of accepted events (at most MAX_SOURCES, the quietest forgotten first). */
  readonly sources = new Map<string, SourceCounts>();
  /** Accepted events per second over the last minute, in 1 s buckets. */
  private readonly buckets = new Float64Array(60);
  private bucketSecond = 0;

  constructor(private readonly now: () => number = Date.now) {}

  accepted(events: number, duplicates: number, quarantined: number, source: { readonly protocol: string; readonly client: string }): void {
    this.countSource(source.protocol, source.client, events, duplicates);
    this.eventsAccepted += events;
    this.duplicates += duplicates;
    this.quarantined += quarantined;
    this.roll();
    this.buckets[this.bucketSecond % 60] = (this.buckets[this.bucketSecond % 60] as number) + events;
  }

  private countSource(protocol: string, client: string, events: number, duplicates: number): void {
    const key = `${protocol}\u0000${client}`;
    let s = this.sources.get(key);
    if (s === undefined) {
      if (this.sources.size >= MAX_SOURCES) {
        let oldest: [string, SourceCounts] | undefined;
        for (const e of this.sources) if (oldest === undefined || e[1].last < oldest[1].last) oldest = e;
        if (oldest !== undefined) this.sources.delete(oldest[0]);
      }
      s = { protocol, client, events: 0, duplicates: 0, last: 0 };
      this.sources.set(key, s);
    }
    s.events += events;
    s.duplicates += duplicates;
    s.last = this.now();
  }

  /** The senders, the most recent first. */
  sourceList(): { protocol: string; client: string; events: number; duplicates: number; last_seen: string }[] {
    return [...this.sources.values()].sort((a, b) => b.last - a.last).map((s) => ({ protocol: s.protocol, client: s.client, events: s.events, duplicates: s.duplicates, last_seen: new Date(s.last).toISOString() }));
  }

  reject(status: number): void {
    this.rejected.set(status, (this.rejected.get(status) ?? 0) + 1);
  }

  private roll(): void {
    const s = Math.floor(this.now() / 1000);
    if (this.bucketSecond === 0) this.bucketSecond = s;
    for (let t = this.bucketSecond + 1; t <= s && t <= this.bucketSecond + 60; t++) this.buckets[t % 60] = 0;
    this.bucketSecond = Math.max(this.bucketSecond, s);
  }

  /** Events per second over the last minute. */
  ingestRate(): number {
    this.roll();
    let n = 0;
    for (const b of this.buckets) n += b;
    return n / 60;
  }
}
