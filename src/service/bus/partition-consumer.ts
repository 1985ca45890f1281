import { createHash, randomBytes } from 'node:crypto';
import { nanos } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type ConsumerInfo, type JsMsg } from '@nats-io/jetstream';
import { BacklogFull, type AppendResult, type Journal, type JournalEntry } from '../journal/journal.js';
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
  /** The last message acknowledged (all before it with it). */
  private lastAcked: JsMsg | undefined;
  /** The delivery sequence the consumer's next message should carry (undefined: a new consumer, anything goes). */
  private expectedDelivery: number | undefined;
  /** The delivery sequence that did not arrive (for the log). */
  private missed: number | undefined;
  private refreshing = false;
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

  /**
   * Detection committed up to `cursor`: acknowledges the messages it covers. The consumer acknowledges all up to a
   * message (AckPolicy.All), so only the last one covered is sent: an acknowledgement lost with a server that died is
   * made good by the next one (or by `refresh`).
   */
  committed(cursor: number): void {
    let last: JsMsg | undefined;
    while (this.pending.length > 0 && (this.pending[0] as { upTo: number }).upTo <= cursor) last = (this.pending.shift() as { msg: JsMsg }).msg;
    if (last === undefined) return;
    last.ack();
    this.lastAcked = last;
  }

  /** Starts a refresh unless one is under way (its failure only leaves the lag as it was). */
  refreshSoon(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    void this.refresh()
      .catch(() => {})
      .finally(() => (this.refreshing = false));
  }

  /** The consumer's lag from the bus (num_pending + num_ack_pending); an acknowledgement the bus has not seen is sent again. */
  async refresh(): Promise<void> {
    if (this.consumer === undefined) return;
    const info = await this.consumer.info();
    this.lag = info.num_pending + info.num_ack_pending;
    const acked = this.lastAcked;
    if (acked !== undefined && info.ack_floor.stream_seq < acked.seq && info.num_ack_pending > this.pending.length) acked.ack();
  }

  /**
   * Where the partition's previous readers got to: the highest ack floor of its consumers; when none acknowledged
   * anything, where the newest of them started (an owner that died before its first acknowledgement).
   */
  private async previousPosition(): Promise<{ floor: number; start?: Partial<ConsumerConfig>; names: string[] }> {
    // By name, then each one's info: the stream's consumer listing leaves out (as `missing`) a consumer whose leader
    // does not answer in time (a NATS node down), and the position would then fall back to the partition's start.
    const names = (await consumerNames(this.h)).filter((n) => n.startsWith(consumerOf(this.partition)));
    const subject = subjectOf(this.partition);
    const mine: ConsumerInfo[] = [];
    for (const n of names) {
      try {
        const c = await this.h.jsm.consumers.info(STREAM, n);
        if (c.config.filter_subject === subject) mine.push(c);
      } catch (e) {
        if (!isApiError(e, CONSUMER_NOT_FOUND)) throw e; // deleted meanwhile
      }
    }
    let floor = 0;
    let start: Partial<ConsumerConfig> | undefined;
    let newest = -Infinity;
    for (const c of mine) {
      floor = Math.max(floor, c.ack_floor.stream_seq);
      const created = Date.parse(c.created);
      if (created <= newest) continue;
      const { opt_start_time: time, opt_start_seq: seq } = c.config;
      if (c.config.deliver_policy === DeliverPolicy.StartTime && time !== undefined) start = { deliver_policy: DeliverPolicy.StartTime, opt_start_time: time };
      else if (c.config.deliver_policy === DeliverPolicy.StartSequence && seq !== undefined) start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq };
      else continue;
      newest = created;
    }
    return { floor, ...(start !== undefined ? { start } : {}), names: mine.map((c) => c.name) };
  }

  /**
   * Takes the partition over: a durable consumer of this takeover's own (name `sigmatch-p<k>-<random>`) is created
   * at the previous readers' position less the replay window, and only then are theirs deleted. Deleting first lost
   * the position whenever the create then timed out (a NATS node down: the consumer's new group waits for a leader),
   * and the partition was read again from its start.
   */
  private async takeover(): Promise<Consumer> {
    const { jsm, js } = this.h;
    const { floor, start: previous, names } = await this.previousPosition();
    let start: Partial<ConsumerConfig> = { deliver_policy: DeliverPolicy.All };
    let from = 'the start of the partition';
    if (floor === 0 && previous !== undefined) {
      // The previous owner acknowledged nothing since it took the partition over: where it started is still the start.
      start = previous;
      from = `${previous.opt_start_time ?? `stream position ${previous.opt_start_seq}`} (where the previous owner started; it acknowledged nothing)`;
    } else if (floor > 0) {
      // Any failure but "no such message" is retried: starting after the floor without the replay loses windows.
      const m = await jsm.streams.getMessage(STREAM, { seq: floor });
      if (m !== null) {
        const at = new Date(m.time.getTime() - this.options.replayMs);
        start = { deliver_policy: DeliverPolicy.StartTime, opt_start_time: at.toISOString() };
        from = `${at.toISOString()} (the ack floor ${floor} less the replay window)`;
      } else {
        // The floor's message aged out of the stream: start after it.
        start = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 };
        from = `stream position ${floor + 1}`;
      }
    }
    const name = `${consumerOf(this.partition)}-${randomBytes(4).toString('hex')}`;
    const config: Partial<ConsumerConfig> = { durable_name: name, filter_subject: subjectOf(this.partition), ack_policy: AckPolicy.All, ack_wait: nanos(ACK_WAIT_MS), max_ack_pending: this.options.maxAckPending, ...start };
    // Creating the same durable again is a no-op: a create whose answer was lost is simply asked again.
    for (let attempt = 1; ; attempt++) {
      try {
        await jsm.consumers.add(STREAM, config);
        break;
      } catch (e) {
        if (attempt >= 3 || this.stopped) throw e;
      }
    }
    // The previous readers are cut off (an owner still alive that lost its lease acknowledges into nothing).
    await Promise.all(names.map((n) => jsm.consumers.delete(STREAM, n).catch(() => {})));
    this.pending = [];
    this.lastAcked = undefined;
    this.expectedDelivery = undefined;
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
        if (batch.length > 0 && this.deliveryGap(batch)) {
          // A delivery this consumer made never reached us (sent on a connection that died with its NATS node):
          // acknowledging anything after it would acknowledge it too (AckPolicy.All), and it would be lost. What did
          // arrive is journaled; nothing more is acknowledged on this consumer, and a new one reads again from the ack
          // floor (less the replay window), the journal dropping what it already holds.
          await this.journalOnly(batch);
          this.options.log(`bus: partition ${this.partition}: a delivery was missed (delivery ${this.missed ?? '?'} never arrived); reading again from the acknowledged position`);
          this.consumer = undefined;
          this.pending = [];
          this.expectedDelivery = undefined;
          continue;
        }
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
        // Short: a NATS node lost makes a few pulls fail while its streams elect new leaders (seconds).
        const retryMs = Math.min(2000, 250 * 2 ** failures++);
        const message = `partition ${this.partition}: ${(e as Error).message}; retrying in ${retryMs / 1000} s`;
        if (message !== this.lastError) this.options.log(`bus: ${message}`);
        this.lastError = message;
        await sleep(retryMs);
      }
    }
  }

  /**
   * Whether the batch skips a delivery: a consumer numbers its deliveries (redeliveries too) 1, 2, 3, … and a pull
   * hands them over in that order, so a number past the next expected one is a delivery that was lost on the way.
   * Remembers where the batch ends.
   */
  private deliveryGap(batch: readonly JsMsg[]): boolean {
    const r = deliveryGap(this.expectedDelivery, batch.map((m) => m.info.deliverySequence));
    this.expectedDelivery = r.next;
    this.missed = r.missed;
    return r.missed !== undefined;
  }

  /** Journals messages (durable, deduplicated by key), waiting while detection is behind; their positions or 'duplicate'. */
  private async journalOnly(msgs: readonly JsMsg[]): Promise<AppendResult> {
    const entries: JournalEntry[] = msgs.map((m) => {
      const doc = m.string();
      return { key: keyOf(m, doc), doc };
    });
    for (;;) {
      try {
        return await this.journal.append({ entries });
      } catch (e) {
        // Detection is behind: the bus keeps the events meanwhile.
        if (!(e instanceof BacklogFull) || this.stopped) throw e;
        await sleep(1000);
      }
    }
  }

  /** Journals a fetched batch (durable, deduplicated by key) and queues its acknowledgements behind detection. */
  private async store(msgs: readonly JsMsg[]): Promise<void> {
    const results = await this.journalOnly(msgs);
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

/** The names of the stream's consumers, as the cluster's meta layer assigned them (no consumer has to answer). */
async function consumerNames(h: BusHandles): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = await h.nc.request(`$JS.API.CONSUMER.NAMES.${STREAM}`, JSON.stringify({ offset: out.length }), { timeout: 5000 });
    const r = m.json<{ consumers?: string[] | null; total?: number; error?: { description?: string } }>();
    if (r.error !== undefined) throw new Error(`listing the consumers: ${r.error.description ?? 'error'}`);
    const page = r.consumers ?? [];
    out.push(...page);
    if (page.length === 0 || out.length >= (r.total ?? 0)) return out;
  }
}

/**
 * The first delivery sequence a batch skips (undefined: none), given the one expected next (undefined for a new
 * consumer), and the one expected after the batch. Deliveries are numbered 1, 2, 3, … per consumer, redeliveries too.
 */
export function deliveryGap(expected: number | undefined, deliveries: readonly number[]): { missed?: number; next: number | undefined } {
  let missed: number | undefined;
  let next = expected;
  for (const d of deliveries) {
    if (missed === undefined && next !== undefined && d > next) missed = next;
    next = Math.max(next ?? 0, d + 1);
  }
  return missed === undefined ? { next } : { missed, next };
}
