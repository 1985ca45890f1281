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
  /** Accepted events per second over the last minute, in 1 s buckets. */
  private readonly buckets = new Float64Array(60);
  private bucketSecond = 0;

  constructor(private readonly now: () => number = Date.now) {}

  accepted(events: number, duplicates: number, quarantined: number): void {
    this.eventsAccepted += events;
    this.duplicates += duplicates;
    this.quarantined += quarantined;
    this.roll();
    this.buckets[this.bucketSecond % 60] = (this.buckets[this.bucketSecond % 60] as number) + events;
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
