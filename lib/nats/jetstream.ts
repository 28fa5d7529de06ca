/**
 * `jetStream`: a NATS JetStream source on a durable pull consumer (ack policy "all"). Each
 * batch, at its batch time, pulls what the consumer has for it without waiting (`no_wait`
 * pull requests), bounded by `maxPerBatch`, `maxRate` and backpressure. Messages are acked
 * only in `commit`, after the batch's outputs and checkpoint: acking the last message of
 * the latest committed batch acknowledges everything before it.
 *
 * Redelivered messages (a batch that took longer than `ackWaitMs`, or a restart) are
 * dropped when their stream sequence was taken already. For recovery the source records
 * each batch's stream sequences; a batch generated again after a crash reads exactly those
 * messages back from the stream by sequence.
 *
 * One process per durable consumer: sequences are compared as one ordered delivery.
 *
 * @module
 */
import { connect, createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { Time } from "../time/duration.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { RateControl, StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";
import type { DeadLetter } from "../dstream/dead_letter.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { type StateCodec, v8StateCodec } from "../checkpoint/state_codec.ts";
import { graphOf, type StreamingContext } from "../context/streaming_context.ts";
import { batchBudget, brokerRateControl, checkBrokerOptions, checkRequiredStrings, type Decoded as DecodedAs, decodedBatch, errorText, splitDecoded } from "../sources/_broker_source.ts";
import { describeValue } from "../_describe.ts";

/**
 * One JetStream message: its subject, stream sequence, payload and publish time.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface NatsMessage {
  readonly subject: string;
  /** The stream sequence: the message's position in the stream. */
  readonly seq: number;
  readonly data: Uint8Array;
  /** The payload as UTF-8 text. */
  readonly text: string;
}

/**
 * Options of {@link jetStream}.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface JetStreamOptions<A> {
  /** `host:port`, or several. */
  readonly servers: string | ReadonlyArray<string>;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** The JetStream stream; it must exist. */
  readonly stream: string;
  /** The durable consumer's name, created when missing (ack policy "all", from the stream's start). */
  readonly durable: string;
  /** Only messages of this subject (a consumer filter). */
  readonly filterSubject?: string;
  /** Turns a message into a record; a throw makes it a dead letter (default: the message itself). */
  readonly decode?: (message: NatsMessage) => A;
  /** How long the server waits for an ack before redelivering (default 60 000 ms). */
  readonly ackWaitMs?: number;
  /** The most messages one batch takes (default 10 000). */
  readonly maxPerBatch?: number;
  /** The most messages per second; none by default. */
  readonly maxRate?: number;
  readonly backpressure?: boolean;
  readonly initialRate?: number;
  readonly minRate?: number;
  /**
   * With checkpointing on, where each batch's sequences are also recorded when the batch is
   * fixed (a stream created when missing, one message per durable): default `DSTREAMS_BATCHES`.
   */
  readonly batchLogStream?: string;
  /** The source's stable name in checkpoints (default `jetstream:<stream>:<durable>`). */
  readonly name?: string;
}

/**
 * What {@link jetStream} returns.
 *
 * @category inputs
 * @since 0.3.0
 */
export interface JetStreamSource<A> {
  readonly records: DStream<A>;
  readonly deadLetters: DStream<DeadLetter<NatsMessage>>;
  readonly input: JetStreamInput<A>;
}

/** What a checkpoint keeps: the stream sequences of each uncommitted batch, as [first, last] runs. */
interface JetStreamState {
  readonly batches: ReadonlyArray<readonly [number, ReadonlyArray<readonly [number, number]>]>;
  readonly highest: number;
}

type Decoded<A> = DecodedAs<A, NatsMessage>;

const text = new TextDecoder();
const isAuthError = (error: unknown): boolean => /authorization|authentication|auth/i.test(errorText(error)) || (error as { code?: unknown })?.code === "AUTHORIZATION_VIOLATION";

/** Runs of consecutive numbers: [1, 2, 3, 7] → [[1, 3], [7, 7]]. */
const toRuns = (seqs: ReadonlyArray<number>): Array<readonly [number, number]> => {
  const runs: Array<[number, number]> = [];
  for (const s of seqs) {
    const last = runs[runs.length - 1];
    if (last !== undefined && s === last[1] + 1) last[1] = s;
    else runs.push([s, s]);
  }
  return runs;
};

/** The stream sequence in an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`. */
const streamSeqOf = (reply: string | undefined): number | undefined => {
  if (reply === undefined) return undefined;
  const parts = reply.split(".");
  if (parts[0] !== "$JS" || parts[1] !== "ACK") return undefined;
  // 9 tokens, or 12 with the domain, account hash and a random token (nats-server 2.10+).
  const seq = Number(parts.length === 9 ? parts[5] : parts[7]);
  return Number.isInteger(seq) ? seq : undefined;
};

/**
 * The JetStream input node.
 *
 * @category inputs
 * @since 0.3.0
 */
export class JetStreamInput<A> extends InputDStream<Decoded<A>> implements Recoverable<JetStreamState> {
  readonly role = "input" as const;
  readonly codec: StateCodec<JetStreamState> = v8StateCodec<JetStreamState>();
  readonly options: JetStreamOptions<A>;
  readonly #rate: RateControl | undefined;
  /** Stream sequences per batch time, until committed. */
  readonly #batches = new Map<number, ReadonlyArray<number>>();
  /** Restored batches: generated again from these sequences. */
  readonly #recorded = new Map<number, ReadonlyArray<number>>();
  /** Delivered messages not acked yet, by stream sequence: acking one acks all before it. */
  readonly #unacked = new Map<number, Msg>();
  /** The highest stream sequence any batch took: redeliveries at or below it are dropped. */
  #highest = 0;
  /**
   * After a restore: batches generated again beyond the recorded ones read on by stream
   * sequence up to what the durable had delivered before the crash (`undefined`: not asked
   * yet), so they hold what they held the first time; then pulls go on.
   */
  #catchUp: { upTo: number | undefined } | undefined;
  /**
   * Batches an earlier run recorded in the batch-log stream when it fixed them: a checkpoint
   * is written only after a batch's outputs, so a batch whose outputs ran just before a crash
   * is read back from there.
   */
  #logged: Map<number, ReadonlyArray<number>> | undefined;
  /**
   * With checkpointing on, a fresh start takes nothing until the first checkpoint is durable
   * (the first `commit`): before it, a crash restarts on a new grid of batch times, and a
   * batch whose outputs ran could not be told apart from a new one.
   */
  #ready = false;
  #waitLogged = false;
  /** The restored checkpoint's state time: logged batches up to it were committed. */
  #restoredStateMs = Number.POSITIVE_INFINITY;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;
  #disconnected = false;

  constructor(graph: StreamingGraph, options: JetStreamOptions<A>) {
    super(graph, "jetstream");
    this.options = options;
    this.#rate = brokerRateControl(graph, this as InputDStream<unknown>, options);
    graph.registerRecoverable(this as Recoverable<unknown>);
  }

  override get name(): string {
    return this.options.name ?? `jetstream:${this.options.stream}:${this.options.durable}`;
  }

  #servers(): string {
    const s = this.options.servers;
    return typeof s === "string" ? s : s.join(",");
  }

  override async stop(): Promise<void> {
    const nc = this.#nc;
    this.#nc = undefined;
    this.#jsm = undefined;
    if (nc !== undefined) await nc.close().catch(() => {});
  }

  async #connection(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
    if (this.#nc !== undefined && this.#jsm !== undefined) return { nc: this.#nc, jsm: this.#jsm };
    const o = this.options;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: typeof o.servers === "string" ? o.servers : [...o.servers],
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.pass !== undefined ? { pass: o.pass } : {}),
        ...(o.token !== undefined ? { token: o.token } : {}),
        name: this.name,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 200,
      });
    } catch (error) {
      throw new Error(
        isAuthError(error)
          ? `${this.name}: NATS at ${this.#servers()} refused the login (${errorText(error)}): check user/pass/token in jetStream's options`
          : `${this.name}: cannot connect to NATS at ${this.#servers()} (${errorText(error)}): is nats-server (with -js) running there?`,
        { cause: error },
      );
    }
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") {
          this.#disconnected = true;
          this.context.logger.warn(`${this.name}: disconnected from NATS at ${this.#servers()}; reconnecting`);
        } else if (s.type === "reconnect") {
          this.#disconnected = false;
          this.context.logger.info(`${this.name}: reconnected to NATS at ${this.#servers()}`);
        }
      }
    })().catch(() => {});
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
      await jsm.streams.info(o.stream);
    } catch (error) {
      await nc.close().catch(() => {});
      throw new Error(`${this.name}: JetStream stream ${o.stream} is not available at ${this.#servers()} (${errorText(error)}): create it first (and start nats-server with -js)`, { cause: error });
    }
    try {
      await jsm.consumers.info(o.stream, o.durable);
    } catch {
      await jsm.consumers.add(o.stream, {
        durable_name: o.durable,
        ack_policy: AckPolicy.All,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (o.ackWaitMs ?? 60_000) * 1_000_000,
        max_ack_pending: -1,
        ...(o.filterSubject !== undefined ? { filter_subject: o.filterSubject } : {}),
      });
    }
    if (this.context.checkpointing) {
      const log = o.batchLogStream ?? "DSTREAMS_BATCHES";
      try {
        await jsm.streams.info(log);
      } catch {
        await jsm.streams.add({ name: log, subjects: ["dstreams.batches.>"], max_msgs_per_subject: 1 }).catch((error: unknown) => {
          this.context.logger.warn(`${this.name}: could not create the batch-log stream ${log} (${errorText(error)})`);
        });
      }
    }
    this.#nc = nc;
    this.#jsm = jsm;
    return { nc, jsm };
  }

  /** Batches up to this time are generated again after a restore: they take what they took the first time. */
  #replayUntil = Number.NEGATIVE_INFINITY;

  #budget(time: Time): number {
    return batchBudget(this as InputDStream<unknown>, this.#rate, this.options, time, this.#replayUntil);
  }

  /** One `no_wait` pull of up to `n` messages: what the consumer has now, without waiting for more. */
  async #pull(nc: NatsConnection, n: number): Promise<Msg[]> {
    const inbox = createInbox();
    const sub: Subscription = nc.subscribe(inbox, { timeout: 5000 });
    const got: Msg[] = [];
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.options.stream}.${this.options.durable}`, JSON.stringify({ batch: n, no_wait: true }), { reply: inbox });
    try {
      for await (const m of sub) {
        const code = m.headers?.code ?? 0;
        if (code !== 0 && m.data.length === 0) break; // 404 no messages, 408 request expired
        got.push(m);
        if (got.length >= n) break;
      }
    } finally {
      sub.unsubscribe();
    }
    return got;
  }

  protected override async take(time: Time): Promise<TakenBatch<Decoded<A>>> {
    const recorded = this.#recorded.get(time.milliseconds) ?? (await this.#batchLog()).get(time.milliseconds);
    if (recorded !== undefined) {
      this.#recorded.delete(time.milliseconds);
      this.#logged?.delete(time.milliseconds);
      this.#batches.set(time.milliseconds, recorded);
      return this.#batch(time, await this.#reread(time, recorded));
    }
    const { nc, jsm } = await this.#connection();
    if (this.context.checkpointing && !this.#ready) {
      if (!this.#waitLogged) this.context.logger.info(`${this.name}: waits for the first checkpoint before taking anything (a crash before it would restart on other batch times)`);
      this.#waitLogged = true;
      this.#batches.set(time.milliseconds, []);
      return this.#batch(time, []);
    }
    const taken: NatsMessage[] = [];
    const budget = this.#budget(time);
    if (this.#catchUp !== undefined) await this.#readOn(jsm, budget, taken);
    if (!this.#disconnected && taken.length < budget) {
      try {
        // Redeliveries of what was taken already are dropped (and pulled past), up to a bound.
        for (let rounds = 0; taken.length < budget && rounds < 100; rounds++) {
          const want = budget - taken.length;
          const msgs = await this.#pull(nc, want);
          let fresh = 0;
          for (const m of msgs) {
            const seq = streamSeqOf(m.reply);
            if (seq === undefined) continue;
            this.#unacked.set(seq, m);
            if (seq <= this.#highest) continue;
            this.#highest = seq;
            fresh++;
            taken.push({ subject: m.subject, seq, data: m.data, get text() { return text.decode(m.data); } });
          }
          if (msgs.length < want || fresh === msgs.length) break;
        }
      } catch (error) {
        this.context.logger.warn(`${this.name}: NATS at ${this.#servers()} unavailable at batch ${time} (${errorText(error)}); this batch takes ${taken.length} messages, the rest waits in the stream`);
      }
    } else {
      this.context.logger.warn(`${this.name}: NATS at ${this.#servers()} unavailable at batch ${time} (disconnected); this batch takes nothing, the messages wait in the stream`);
    }
    this.#batches.set(time.milliseconds, taken.map((m) => m.seq));
    if (this.context.checkpointing && taken.length > 0) await this.#writeLog(nc, time);
    return this.#batch(time, taken);
  }

  #logSubject(): string {
    return `dstreams.batches.${this.options.stream}.${this.options.durable}`;
  }

  /** Records every uncommitted batch's sequences (one message per durable: the latest replaces the one before). */
  async #writeLog(nc: NatsConnection, time: Time): Promise<void> {
    const batches = [...this.#batches].map(([t, seqs]) => [t, toRuns(seqs)] as const);
    try {
      await jetstream(nc).publish(this.#logSubject(), JSON.stringify({ batches }));
    } catch (error) {
      this.context.logger.warn(`${this.name}: could not record batch ${time}'s sequences in ${this.options.batchLogStream ?? "DSTREAMS_BATCHES"} (${errorText(error)}): if the process dies before this batch's checkpoint, the batch is formed again by sequence`);
    }
  }

  /** The batches an earlier run logged (read once, only after a restore with checkpointing on). */
  async #batchLog(): Promise<Map<number, ReadonlyArray<number>>> {
    if (this.#logged !== undefined) return this.#logged;
    const logged = new Map<number, ReadonlyArray<number>>();
    if (this.context.checkpointing && this.#restoredStateMs !== Number.POSITIVE_INFINITY) {
      const { jsm } = await this.#connection();
      const last = await jsm.streams.getMessage(this.options.batchLogStream ?? "DSTREAMS_BATCHES", { last_by_subj: this.#logSubject() }).catch(() => null);
      if (last !== null) {
        const { batches } = JSON.parse(new TextDecoder().decode(last.data)) as { batches: Array<[number, Array<[number, number]>]> };
        for (const [t, runs] of batches) {
          if (t <= this.#restoredStateMs) continue;
          const seqs: number[] = [];
          for (const [a, b] of runs) for (let q = a; q <= b; q++) seqs.push(q);
          logged.set(t, seqs);
        }
      }
    }
    this.#logged = logged;
    return logged;
  }

  /** After a restore: the messages after the last recorded one, by sequence, up to what the durable had delivered. */
  async #readOn(jsm: JetStreamManager, budget: number, taken: NatsMessage[]): Promise<void> {
    const catchUp = this.#catchUp!;
    catchUp.upTo ??= (await jsm.consumers.info(this.options.stream, this.options.durable)).delivered.stream_seq;
    const filter = this.options.filterSubject;
    while (taken.length < budget && this.#highest < catchUp.upTo) {
      const from = this.#highest + 1;
      const to = Math.min(catchUp.upTo, from + (budget - taken.length) - 1);
      const seqs = Array.from({ length: to - from + 1 }, (_, i) => from + i);
      const found = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(this.options.stream, { seq }).catch(() => null)));
      for (const m of found) {
        if (m === null || (filter !== undefined && !subjectMatches(filter, m.subject))) continue;
        if (taken.length >= budget) break;
        const data = m.data;
        taken.push({ subject: m.subject, seq: m.seq, data, get text() { return text.decode(data); } });
        this.#highest = m.seq;
      }
      if (taken.length < budget) this.#highest = Math.max(this.#highest, to);
    }
    if (this.#highest >= catchUp.upTo) this.#catchUp = undefined;
  }

  /** A recorded batch, read back from the stream by sequence. */
  async #reread(time: Time, seqs: ReadonlyArray<number>): Promise<NatsMessage[]> {
    for (const s of seqs) if (s > this.#highest) this.#highest = s;
    if (seqs.length === 0) return [];
    const { jsm } = await this.#connection();
    const out: NatsMessage[] = [];
    let missing = 0;
    for (let i = 0; i < seqs.length; i += 64) {
      const chunk = await Promise.all(seqs.slice(i, i + 64).map((seq) => jsm.streams.getMessage(this.options.stream, { seq }).catch(() => null)));
      for (const m of chunk) {
        if (m === null) {
          missing++;
          continue;
        }
        const data = m.data;
        out.push({ subject: m.subject, seq: m.seq, data, get text() { return text.decode(data); } });
      }
    }
    if (missing > 0) {
      this.context.logger.error(`${this.name}: batch ${time} is generated again after recovery, but ${missing} of its ${seqs.length} messages are no longer in stream ${this.options.stream} (removed by its limits): they cannot be processed again`);
    }
    return out;
  }

  #batch(time: Time, messages: ReadonlyArray<NatsMessage>): TakenBatch<Decoded<A>> {
    return decodedBatch(this as InputDStream<unknown>, time, messages, this.options.decode, { counted: "natsMessages", rejected: "natsRejected" });
  }

  snapshot(_time: Time, stateTime: Time): JetStreamState {
    const batches: Array<readonly [number, ReadonlyArray<readonly [number, number]>]> = [];
    for (const [t, seqs] of this.#batches) if (t > stateTime.milliseconds) batches.push([t, toRuns(seqs)]);
    for (const [t, seqs] of this.#recorded) if (t > stateTime.milliseconds) batches.push([t, toRuns(seqs)]);
    batches.sort((a, b) => a[0] - b[0]);
    return { batches, highest: this.#highest };
  }

  restore(state: JetStreamState, _time: Time, stateTime: Time): void {
    for (const [t, runs] of state.batches) {
      if (t <= stateTime.milliseconds) continue;
      const seqs: number[] = [];
      for (const [a, b] of runs) for (let s = a; s <= b; s++) seqs.push(s);
      this.#recorded.set(t, seqs);
    }
    // Everything up to here was taken by some batch: committed, or generated again from the record.
    this.#highest = Math.max(this.#highest, state.highest);
    this.#catchUp = { upTo: undefined };
    this.#replayUntil = this.context.clock.now();
    this.#ready = true;
    this.#restoredStateMs = stateTime.milliseconds;
    this.#logged = undefined;
  }

  /** Acks the latest delivered message at or below the last sequence of the batches up to `stateTime` (ack policy "all"). */
  async commit(stateTime: Time): Promise<void> {
    this.#ready = true;
    const due = [...this.#batches.keys()].filter((t) => t <= stateTime.milliseconds);
    if (due.length === 0) return;
    let upTo = 0;
    for (const t of due) for (const s of this.#batches.get(t)!) if (s > upTo) upTo = s;
    let ackSeq = 0;
    for (const s of this.#unacked.keys()) if (s <= upTo && s > ackSeq) ackSeq = s;
    if (ackSeq > 0) {
      const msg = this.#unacked.get(ackSeq)!;
      // A confirmed ack: the server answers once it has recorded it.
      await this.#nc!.request(msg.reply!, "+ACK", { timeout: 5000 });
      for (const s of [...this.#unacked.keys()]) if (s <= ackSeq) this.#unacked.delete(s);
    }
    for (const t of due) this.#batches.delete(t);
  }
}

/** NATS subject matching: `*` one token, `>` the rest. */
const subjectMatches = (filter: string, subject: string): boolean => {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
};

const checkOptions = <A>(options: JetStreamOptions<A>): void => {
  if (typeof options !== "object" || options === null) throw new TypeError(`jetStream needs options { servers, stream, durable }, got ${describeValue(options)}`);
  checkRequiredStrings(options, "jetStream", ["stream", "durable"]);
  if (options.servers === undefined || options.servers.length === 0) throw new TypeError(`jetStream's servers must name a server, e.g. "127.0.0.1:4222"`);
  checkBrokerOptions(options, "jetStream", "message");
};

/**
 * A stream of a JetStream stream's messages, read through the durable consumer `durable`.
 *
 * @example
 * ```ts ignore
 * import { jetStream } from "@dstreams/dstreams/nats";
 * const { records, deadLetters } = jetStream(ssc, {
 *   servers: "127.0.0.1:4222",
 *   stream: "ORDERS",
 *   durable: "totals",
 *   decode: (m) => JSON.parse(m.text) as { id: string; amount: number },
 * });
 * ```
 * @category inputs
 * @since 0.3.0
 */
export const jetStream = <A = NatsMessage>(ssc: StreamingContext, options: JetStreamOptions<A>): JetStreamSource<A> => {
  checkOptions(options);
  const input = new JetStreamInput<A>(graphOf(ssc), options);
  return { ...splitDecoded(input), input };
};
