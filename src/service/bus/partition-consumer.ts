import { createHash } from 'node:crypto';
import { nanos } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type JsMsg } from '@nats-io/jetstream';
import { BacklogFull, type Journal, type JournalEntry } from '../journal/journal.js';
import { CONSUMER_NOT_FOUND, isApiError, type BusHandles } from './bus.js';
import { consumerOf, STREAM, subjectOf } from './partition.js';

export interface PartitionConsumerOptions {
  /** How far before the ack floor a takeover starts reading again (by publish time), to rebuild context and correlations. */
  readonly replayMs: number;
  /** Messages handed out and not yet acknowledged (detected) at most: the bus holds the rest. */
  readonly maxAckPending: number;
  readonly log: (message: string) => void;
  /** Whether this instance's lease on the partition is fresh: only then does it take the consumer over or pull. */
  readonly fresh: () => boolean;
}

/** A message handed out and neither acknowledged nor handed back comes again after this (the owner died mid-batch). */
const ACK_WAIT_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A message published without our header (another publisher): keyed by its text, as the journal keys such events. */
const keyOf = (m: JsMsg, doc: string): Buffer => {
  const id = m.headers?.get('Nats-Msg-Id') ?? '';
  return /^[0-9a-f]{32}$/.test(id) ? Buffer.from(id, 'hex') : createHash('sha256').update(`t|${doc}`).digest().subarray(0, 16);
};

/**
 * One owned partition: its durable pull consumer, read into the local journal. A message is acknowledged on the bus
 * only when detection has committed it (the local journal's cursor passed its row, its alerts are in the store), so
 * the consumer's ack floor is always "detected": a takeover after a crash loses nothing, and re-detecting what came
 * after the floor writes the same alerts (deterministic ids) once.
 *
 * Taking the partition over (also after a restart) recreates the consumer from the old one's ack floor minus the
 * replay window (by publish time): the new owner reads that window again, so its process context and correlation
 * windows hold the host's recent events before it detects anything new. Recreating also cuts off a previous owner
 * that is still alive but lost its lease (its late acks go to a consumer that no longer delivered to it).
 */
export class PartitionConsumer {
  private stopped = false;
  /** Messages in the local journal awaiting detection: acked when the cursor reaches `upTo`, in order. */
  private pending: Array<{ readonly upTo: number; readonly msg: JsMsg }> = [];
  private consumer: Consumer | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Messages the consumer has not delivered yet plus those awaiting acknowledgement (refreshed by `refresh`); null until known. */
  lag: number | null = null;
  /** Events read from the bus into the journal. */
  received = 0;
  lastError: string | undefined;

  constructor(
    readonly partition: number,
    private readonly h: BusHandles,
    private readonly journal: Journal,
    private readonly options: PartitionConsumerOptions,
  ) {}

  start(): void {
    this.running = this.run();
  }

  /** Stops reading (the batch being journaled finishes); what was not acknowledged is the next owner's. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = [];
    await this.running;
  }

  /** Detection committed up to `cursor`: acknowledges the messages it covers. */
  committed(cursor: number): void {
    while (this.pending.length > 0 && (this.pending[0] as { upTo: number }).upTo <= cursor) (this.pending.shift() as { msg: JsMsg }).msg.ack();
  }

  /** The consumer's lag from the bus (num_pending + num_ack_pending). */
  async refresh(): Promise<void> {
    if (this.consumer === undefined) return;
    const info = await this.consumer.info();
    this.lag = info.num_pending + info.num_ack_pending;
  }

  private async takeover(): Promise<Consumer> {
    const { jsm, js } = this.h;
    const name = consumerOf(this.partition);
    let floor = 0;
    try {
      floor = (await jsm.consumers.info(STREAM, name)).ack_floor.stream_seq;
    } catch (e) {
      if (!isApiError(e, CONSUMER_NOT_FOUND)) throw e;
    }
    let start: Partial<ConsumerConfig> = { deliver_policy: DeliverPolicy.All };
    let from = 'the start of the partition';
    if (floor > 0) {
      try {
        const m = await jsm.streams.getMessage(STREAM, { seq: floor });
        if (m === null) throw new Error('gone');
        const at = new Date(m.time.getTime() - this.options.replayMs);
        start = { deliver_policy: DeliverPolicy.StartTime, opt_start_time: at.toISOString() };
        from = `${at.toISOString()} (the ack floor ${floor} less the replay window)`;
      } catch {
        // The floor's message aged out of the stream: start after it.
        start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 };
        from = `stream position ${floor + 1}`;
      }
    }
    await jsm.consumers.delete(STREAM, name).catch((e: unknown) => {
      if (!isApiError(e, CONSUMER_NOT_FOUND)) throw e;
    });
    await jsm.consumers.add(STREAM, { durable_name: name, filter_subject: subjectOf(this.partition), ack_policy: AckPolicy.Explicit, ack_wait: nanos(ACK_WAIT_MS), max_ack_pending: this.options.maxAckPending, ...start });
    this.pending = [];
    this.options.log(`bus: partition ${this.partition}: reading from ${from}`);
    return js.consumers.get(STREAM, name);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (!this.options.fresh()) {
        await sleep(200);
        continue;
      }
      try {
        this.consumer ??= await this.takeover();
        const batch: JsMsg[] = [];
        let fetchError: unknown;
        try {
          for await (const m of await this.consumer.fetch({ max_messages: 1000, expires: 1000 })) batch.push(m);
        } catch (e) {
          // What arrived before the pull failed (heartbeats missed, the connection lost) is journaled all the same.
          fetchError = e;
        }
        if (this.stopped) return;
        if (batch.length > 0) {
          try {
            await this.store(batch);
          } catch (e) {
            // Not journaled: handed back at once, rather than after the ack wait.
            for (const m of batch) m.nak();
            throw e;
          }
        }
        if (fetchError !== undefined) throw fetchError;
        failures = 0;
        this.lastError = undefined;
      } catch (e) {
        if (this.stopped) return;
        if (isApiError(e, CONSUMER_NOT_FOUND)) this.consumer = undefined;
        const retryMs = Math.min(10_000, 500 * 2 ** failures++);
        const message = `partition ${this.partition}: ${(e as Error).message}; retrying in ${retryMs / 1000} s`;
        if (message !== this.lastError) this.options.log(`bus: ${message}`);
        this.lastError = message;
        await sleep(retryMs);
      }
    }
  }

  /** Journals a fetched batch (durable, deduplicated by key) and queues its acknowledgements behind detection. */
  private async store(msgs: readonly JsMsg[]): Promise<void> {
    const entries: JournalEntry[] = msgs.map((m) => {
      const doc = m.string();
      return { key: keyOf(m, doc), doc };
    });
    let results;
    for (;;) {
      try {
        results = await this.journal.append({ entries });
        break;
      } catch (e) {
        // Detection is behind: the bus keeps the events meanwhile.
        if (!(e instanceof BacklogFull) || this.stopped) throw e;
        await sleep(1000);
      }
    }
    if (this.stopped) return;
    // A duplicate is a row journaled before (a partition this instance owned earlier): done once the cursor passes the end.
    const end = this.journal.lastPosition;
    results.forEach((r, i) => this.pending.push({ upTo: r === 'duplicate' ? end : r, msg: msgs[i] as JsMsg }));
    this.received += msgs.length;
    this.committed(this.journal.cursor);
    const last = msgs[msgs.length - 1] as JsMsg;
    this.lag = last.info.pending + this.pending.length;
  }
}
