import { EventLogUnavailable, type AppendResult, type EventLog, type Journal, type JournalBatch } from '../journal/journal.js';
import type { Bus } from './bus.js';
import type { Doc } from '../event/document-event.js';
import { hostOf, hostOfDoc, partitionOf, subjectOf, STREAM } from './partition.js';

/**
 * Ingest onto the bus (serve --bus, roles ingest and both): accept()'s event log. Each event is published to its
 * host's partition subject with its dedup key as `Nats-Msg-Id` (JetStream stores a key once within the duplicate
 * window), and the batch resolves only when every publish of it has its PubAck (the stream has it on disk, on a
 * quorum of replicas): then the shipper is answered. Any publish that fails (the bus down or without quorum) fails
 * the whole request with a 503: the shipper resends it, and what did reach the stream is a duplicate then.
 * Quarantined documents stay in the local journal (they are not events: no detector needs them).
 */
export class BusPublisher implements EventLog {
  /** Events published and acknowledged, and those the stream already held. */
  published = 0;
  duplicates = 0;

  constructor(
    private readonly bus: Bus,
    private readonly local: Journal,
  ) {}

  async append(batch: JournalBatch): Promise<AppendResult> {
    const h = this.bus.current;
    if (h === undefined || !this.bus.connected) throw new EventLogUnavailable(`the bus is not reachable (${this.bus.lastError ?? this.bus.location}); nothing of this request was kept, retry later`);
    const partitions = this.bus.options.partitions;
    const acks = await Promise.allSettled(batch.entries.map((e) => h.js.publish(subjectOf(partitionOf(e.host ?? (e.parsed !== undefined ? hostOfDoc(e.parsed as Doc) : hostOf(e.doc)), partitions)), e.doc, { msgID: e.key.toString('hex'), expect: { streamName: STREAM } })));
    const failed = acks.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed.length > 0) throw new EventLogUnavailable(`the bus did not acknowledge ${failed.length} of ${acks.length} events (${(failed[0]?.reason as Error).message}); retry the request (what reached the bus is kept once)`);
    if ((batch.quarantine ?? []).length > 0) await this.local.append({ entries: [], quarantine: batch.quarantine ?? [] });
    const out = acks.map((a) => {
      const ack = (a as PromiseFulfilledResult<{ seq: number; duplicate: boolean }>).value;
      return ack.duplicate ? ('duplicate' as const) : ack.seq;
    });
    const dups = out.filter((r) => r === 'duplicate').length;
    this.duplicates += dups;
    this.published += out.length - dups;
    return out;
  }
}

/** The event log of a detect-only instance: it takes no events (shippers must send them to an ingest instance). */
export const refusingLog = (location: string): EventLog => ({
  append: () => Promise.reject(new EventLogUnavailable(`this instance runs --role detect: it consumes the bus (${location}) and takes no events; send them to an instance with --role ingest or both`, 60)),
});
