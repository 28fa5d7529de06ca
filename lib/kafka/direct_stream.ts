/**
 * `createDirectStream`: Kafka as an input with no receiver (Spark's
 * `KafkaUtils.createDirectStream` / `DirectKafkaInputDStream`). At each batch time the
 * stream fixes one offset range per partition, `[from, until)`, from where the last
 * batch ended to the partition's latest offset, capped by `maxRatePerPartition` and the
 * backpressure estimate, and reads exactly those records by position. The ranges are
 * what a checkpoint keeps: after a crash the same batches are read again, the same
 * records each. Offsets are committed to the consumer group only once a batch's outputs
 * (and its checkpoint) completed, so the group's committed offsets never run ahead of
 * what was processed (at-least-once by themselves; exactly-once with the checkpoint and
 * an idempotent or transactional sink).
 *
 * @module
 */
import type { DStream } from "../dstream/dstream.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { RateControl, StreamingGraph } from "../dstream/_graph.ts";
import { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { type StateCodec, v8StateCodec } from "../checkpoint/state_codec.ts";
import { graphOf, type StreamingContext } from "../context/streaming_context.ts";
import { checkMaxRate, checkRateSettings } from "../sources/rate_limiter.ts";
import { KafkaClient, KafkaSourceError, type RawRecord } from "./_client.ts";
import { type KafkaScaleOutStream, ScaleOutInputDStream, type ScaleOutOptions } from "./_scale_out_stream.ts";

/**
 * One record read from Kafka. `offset` and `timestamp` (milliseconds since the epoch)
 * are numbers: Kafka's offsets stay far below 2^53. Header keys are text, header values
 * bytes (`headerText(record, name)` reads one as text).
 *
 * @category kafka
 * @since 0.3.0
 */
export interface KafkaRecord<K = string | null, V = string | null> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: K;
  readonly value: V;
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/**
 * The offsets one batch read from one partition: `[fromOffset, untilOffset)` (Spark's
 * `OffsetRange`). `count` is how many records the range held (fewer than `untilOffset -
 * fromOffset` where a compacted or transactional log has gaps).
 *
 * @category kafka
 * @since 0.3.0
 */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: number;
  readonly untilOffset: number;
}

/**
 * How to turn a key's or a value's bytes into a value: `"string"` (UTF-8; the default) or
 * `"bytes"` (as read). For JSON or an io-ts codec, read `"string"` and pipe into
 * `decodeValues`/`jsonValues`, which send what does not decode to dead letters.
 *
 * @category kafka
 * @since 0.3.0
 */
export type Deserializer = "string" | "bytes";

/**
 * What a {@link Deserializer} gives: `null` for a missing key or a tombstone value.
 *
 * @category kafka
 * @since 0.3.0
 */
export type Deserialized<D extends Deserializer> = D extends "bytes" ? Uint8Array | null : string | null;

/**
 * Where a partition starts when the stream first sees it: an offset per partition
 * (`{ "events-0": 42 }`, keys `topic-partition`), else the group's committed offset,
 * else `"earliest"` or `"latest"` (the default, as Kafka's `auto.offset.reset`).
 *
 * @category kafka
 * @since 0.3.0
 */
export type StartingOffsets = "earliest" | "latest" | {
  readonly offsets: Readonly<Record<string, number>>;
  readonly otherwise?: "earliest" | "latest";
};

/**
 * Options of {@link createDirectStream}.
 *
 * @category kafka
 * @since 0.3.0
 */
export interface DirectStreamOptions<K extends Deserializer = "string", V extends Deserializer = "string"> {
  /** Bootstrap brokers, `"host:port"` (one string, comma-separated, or a list). */
  readonly brokers: string | ReadonlyArray<string>;
  /** The topics to read (or `topicPattern`). */
  readonly topics?: ReadonlyArray<string>;
  /** Every topic whose name matches, checked again at every batch (new topics join). */
  readonly topicPattern?: RegExp;
  /** The consumer group whose offsets are read at the start and committed after batches. */
  readonly groupId: string;
  /** Where partitions start (see {@link StartingOffsets}); the group's commits come first. */
  readonly startingOffsets?: StartingOffsets;
  readonly key?: K;
  readonly value?: V;
  /** At most this many records per second from each partition (Spark's `maxRatePerPartition`). */
  readonly maxRatePerPartition?: number;
  /** Backpressure (default: the context's setting, on): the rate follows what batches manage. */
  readonly backpressure?: boolean;
  /** The rate, in records per second for the whole stream, before the first estimate: caps the first batch over a backlog. */
  readonly initialRate?: number;
  /** The lowest rate backpressure sets, in records per second (default 100). */
  readonly minRate?: number;
  /**
   * Commit each batch's offsets to the group once its outputs and checkpoint completed
   * (default `true`); with `false` the program commits with `commitAsync(ranges)`.
   */
  readonly autoCommit?: boolean;
  /**
   * What to do when a partition's next offset is no longer in the log (retention deleted
   * it, or the topic was recreated): `"fail"` (default: the batch fails, naming the
   * partition), or skip to the `"earliest"`/`"latest"` offset with a warning that says how
   * many offsets were skipped.
   */
  readonly onOffsetOutOfRange?: "fail" | "earliest" | "latest";
  /** The client id the broker sees (default `dstreams-<groupId>`). */
  readonly clientId?: string;
  /** How long one broker call may take before the batch fails, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** At most this many bytes per fetch request (default 16 MiB). */
  readonly maxFetchBytes?: number;
  /**
   * Scale-out: join the group as a member, read only the partitions Kafka assigns this
   * process, and keep keyed state per input partition in a store the group shares, so a
   * partition's state moves with it (see the README's "Scale-out with consumer groups").
   */
  readonly scaleOut?: ScaleOutOptions;
}

/**
 * The stream {@link createDirectStream} returns: Kafka records, plus Spark's
 * `CanCommitOffsets` (`commitAsync`) and the offset ranges of each batch.
 *
 * @category kafka
 * @since 0.3.0
 */
export interface KafkaDirectStream<K, V> extends DStream<KafkaRecord<K, V>> {
  /**
   * Queues `ranges` to be committed to the group (their `untilOffset`s): sent at once, after
   * any earlier ones. Use it with `autoCommit: false`, after the batch's outputs did their work.
   */
  commitAsync(ranges: ReadonlyArray<OffsetRange>): Promise<void>;
  /** The offset ranges of the batch at `time` (while the batch is remembered). */
  offsetRangesAt(time: Time): ReadonlyArray<OffsetRange>;
  /** The group's id. */
  readonly groupId: string;
}

/** The checkpointed positions: every batch fixed after the state's time, and where to go on. */
interface KafkaPositions {
  readonly batches: ReadonlyArray<readonly [number, ReadonlyArray<OffsetRange>]>;
  readonly next: ReadonlyArray<readonly [string, number, number]>;
}

const rangesOf = new WeakMap<RDD<unknown>, ReadonlyArray<OffsetRange>>();

/**
 * The offset ranges an RDD of a direct stream holds (Spark's `HasOffsetRanges`): call it
 * on the RDD `foreachRDD` or `transform` gives for the direct stream itself, before any
 * other transformation (which makes a new RDD).
 *
 * @category kafka
 * @since 0.3.0
 */
export const offsetRanges = (rdd: RDD<unknown>): ReadonlyArray<OffsetRange> => {
  const ranges = rangesOf.get(rdd);
  if (ranges === undefined) {
    throw new TypeError(
      "offsetRanges: this RDD is not a batch of a Kafka direct stream (a transformation made a new RDD): call offsetRanges on the RDD that foreachRDD or transform gives for the stream createDirectStream returned, or use stream.offsetRangesAt(time)",
    );
  }
  return ranges;
};

const tp = (topic: string, partition: number): string => `${topic}-${partition}`;
const utf8 = new TextDecoder();

const checkOptions = (options: DirectStreamOptions<Deserializer, Deserializer>): {
  brokers: string[];
  topics: ReadonlyArray<string> | RegExp;
} => {
  const where = "createDirectStream";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where} needs options: { brokers: "127.0.0.1:9092", topics: ["events"], groupId: "my-app" }`);
  }
  const brokers = typeof options.brokers === "string" ? options.brokers.split(",").map((b) => b.trim()).filter((b) => b !== "") : Array.isArray(options.brokers) ? [...options.brokers] : [];
  if (brokers.length === 0 || brokers.some((b) => typeof b !== "string" || !/^[^:\s]+:\d+$/.test(b))) {
    throw new KafkaSourceError("options", `${where}'s brokers must be "host:port" strings, got ${JSON.stringify(options.brokers)}: e.g. { brokers: "127.0.0.1:9092" }`);
  }
  if (typeof options.groupId !== "string" || !/^\S+$/.test(options.groupId)) {
    throw new KafkaSourceError("options", `${where} needs a groupId without spaces (the consumer group offsets are committed to), got ${JSON.stringify(options.groupId)}`);
  }
  const { topics, topicPattern } = options;
  if ((topics === undefined) === (topicPattern === undefined)) {
    throw new KafkaSourceError("options", `${where} needs exactly one of topics (a list of names) and topicPattern (a RegExp)`);
  }
  if (topics !== undefined && (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== "string" || t === ""))) {
    throw new KafkaSourceError("options", `${where}'s topics must be a non-empty list of topic names, got ${JSON.stringify(topics)}`);
  }
  if (topicPattern !== undefined && !(topicPattern instanceof RegExp)) {
    throw new KafkaSourceError("options", `${where}'s topicPattern must be a RegExp, e.g. /^events-/`);
  }
  for (const [name, value] of [["key", options.key], ["value", options.value]] as const) {
    if (value !== undefined && value !== "string" && value !== "bytes") {
      throw new KafkaSourceError("options", `${where}'s ${name} must be "string" or "bytes", got ${JSON.stringify(value)}: for JSON or an io-ts codec read "string" and pipe into jsonValues(codec)`);
    }
  }
  const policy = options.onOffsetOutOfRange;
  if (policy !== undefined && policy !== "fail" && policy !== "earliest" && policy !== "latest") {
    throw new KafkaSourceError("options", `${where}'s onOffsetOutOfRange must be "fail", "earliest" or "latest", got ${JSON.stringify(policy)}`);
  }
  const start = options.startingOffsets;
  if (start !== undefined && start !== "earliest" && start !== "latest") {
    const offsets = typeof start === "object" && start !== null ? start.offsets : undefined;
    const bad = offsets === undefined || typeof offsets !== "object" ||
      Object.entries(offsets).some(([k, v]) => !/^.+-\d+$/.test(k) || !Number.isSafeInteger(v) || v < 0);
    if (bad) {
      throw new KafkaSourceError(
        "options",
        `${where}'s startingOffsets must be "earliest", "latest" or { offsets: { "<topic>-<partition>": offset } }, got ${JSON.stringify(start)}`,
      );
    }
  }
  return { brokers, topics: topics ?? topicPattern! };
};

/** The direct stream: one offset range per partition per batch, read by position. */
class KafkaDirectInputDStream<K, V> extends InputDStream<KafkaRecord<K, V>> implements KafkaDirectStream<K, V> {
  readonly groupId: string;
  readonly #options: DirectStreamOptions<Deserializer, Deserializer>;
  readonly #brokers: string[];
  readonly #topics: ReadonlyArray<string> | RegExp;
  readonly #rateControl: RateControl | undefined;
  readonly #maxRatePerPartition: number | undefined;
  readonly #autoCommit: boolean;
  #client: KafkaClient | undefined;
  /** The next offset to read per partition (`topic-partition`), once known. */
  #next = new Map<string, { readonly topic: string; readonly partition: number; offset: number }>();
  #started = false;
  /** Ranges of the batches fixed and not yet committed, by batch time. */
  readonly #batches = new Map<number, ReadonlyArray<OffsetRange>>();
  /** Ranges a checkpoint recorded: those batch times are read again, exactly. */
  #restored = new Map<number, ReadonlyArray<OffsetRange>>();
  #committedThrough = -Infinity;
  #commits: Promise<void> = Promise.resolve();
  /** The latest batch's read (settled, never rejecting): `stop()` waits for it. */
  #taking: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #key: (b: Uint8Array | null) => K;
  readonly #value: (b: Uint8Array | null) => V;

  constructor(graph: StreamingGraph, options: DirectStreamOptions<Deserializer, Deserializer>) {
    const { brokers, topics } = checkOptions(options);
    const maxRatePerPartition = checkMaxRate(options.maxRatePerPartition, "createDirectStream's maxRatePerPartition");
    const { backpressure, initialRate, minRate } = checkRateSettings(options, "createDirectStream");
    super(graph, "kafkaDirectStream");
    this.groupId = options.groupId;
    this.#options = options;
    this.#brokers = brokers;
    this.#topics = topics;
    this.#maxRatePerPartition = maxRatePerPartition;
    this.#autoCommit = options.autoCommit ?? true;
    this.#rateControl = graph.rateControl?.(this as InputDStream<unknown>, {
      backpressure,
      initialRate,
      minRate,
    });
    const decoder = (kind: Deserializer | undefined) => (b: Uint8Array | null) => b === null ? null : kind === "bytes" ? b : utf8.decode(b);
    this.#key = decoder(options.key) as (b: Uint8Array | null) => K;
    this.#value = decoder(options.value) as (b: Uint8Array | null) => V;
    graph.registerRecoverable(this.#recoverable() as Recoverable<unknown>);
  }

  /** What checkpoints know the stream by: its topics (or pattern) and its group. */
  override get sourceIdentity(): string {
    return `${this.#topicLabel()}:${this.groupId}`;
  }

  #topicLabel(): string {
    return this.#topics instanceof RegExp ? String(this.#topics) : this.#topics.join(",");
  }

  #recoverable(): Recoverable<KafkaPositions> {
    const stream = this;
    const codec: StateCodec<KafkaPositions> = v8StateCodec<KafkaPositions>();
    return {
      get name() {
        return stream.checkpointName;
      },
      role: "input",
      kind: "kafka",
      codec,
      snapshot: (_time, stateTime) => this.#snapshot(stateTime),
      restore: (state) => this.#restore(state),
      commit: (stateTime) => this.commit(stateTime),
    };
  }

  #snapshot(stateTime: Time): KafkaPositions {
    const batches = [...this.#batches].filter(([t]) => t > stateTime.milliseconds).sort((a, b) => a[0] - b[0]);
    return {
      batches: batches.map(([t, ranges]) => [t, ranges.map((r) => ({ ...r }))] as const),
      next: [...this.#next.values()].map((p) => [p.topic, p.partition, p.offset] as const),
    };
  }

  #restore(state: KafkaPositions): void {
    this.#restored = new Map(state.batches.map(([t, ranges]) => [t, ranges]));
    this.#next = new Map(state.next.map(([topic, partition, offset]) => [tp(topic, partition), { topic, partition, offset }]));
    this.#started = true;
  }

  /** Commits the until-offsets of every batch up to `stateTime` (auto commit) and the queued ones. */
  commit(stateTime: Time): Promise<void> {
    if (stateTime.milliseconds <= this.#committedThrough) return this.#commits;
    this.#committedThrough = stateTime.milliseconds;
    const done = [...this.#batches].filter(([t]) => t <= stateTime.milliseconds).sort((a, b) => a[0] - b[0]);
    for (const [t] of done) this.#batches.delete(t);
    if (!this.#autoCommit || done.length === 0) return this.#commits;
    return this.#enqueue(done.flatMap(([, ranges]) => ranges));
  }

  commitAsync(ranges: ReadonlyArray<OffsetRange>): Promise<void> {
    if (!Array.isArray(ranges) || ranges.some((r) => typeof r?.topic !== "string" || !Number.isSafeInteger(r.partition) || !Number.isSafeInteger(r.untilOffset))) {
      return Promise.reject(new TypeError("commitAsync's ranges must be OffsetRanges, e.g. offsetRanges(rdd) or stream.offsetRangesAt(time)"));
    }
    return this.#enqueue(ranges);
  }

  #enqueue(ranges: ReadonlyArray<OffsetRange>): Promise<void> {
    // The last until-offset per partition wins; commits go out one after another, in order.
    const latest = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of ranges) latest.set(tp(r.topic, r.partition), { topic: r.topic, partition: r.partition, offset: r.untilOffset });
    const run = this.#commits.then(async () => {
      const client = this.#client;
      if (client === undefined) throw new Error(`${this.name}: cannot commit offsets after the stream stopped`);
      await client.commit([...latest.values()]);
    });
    this.#commits = run.catch((error: unknown) => {
      this.context.logger.warn(`${this.name}: ${error instanceof Error ? error.message : String(error)} (a later commit covers these offsets)`);
    });
    return run;
  }

  offsetRangesAt(time: Time): ReadonlyArray<OffsetRange> {
    const rdd = this.hasBatch(time) ? this.getOrCompute(time) : undefined;
    return rdd === undefined ? [] : (rangesOf.get(rdd as RDD<unknown>) ?? []);
  }

  override start(): void {
    this.#client ??= new KafkaClient(this.#brokers, this.groupId, this.#options.clientId ?? `dstreams-${this.groupId}`, {
      readCommitted: false,
      timeoutMs: this.#options.timeoutMs ?? 5000,
    });
  }

  override async stop(): Promise<void> {
    this.#stopped = true;
    // A read under way finishes on the open client (closing it under the read could leave
    // that batch, and so the context's stop, waiting forever).
    await this.#taking;
    const client = this.#client;
    if (client === undefined) return;
    await this.#commits;
    this.#client = undefined;
    await client.close();
  }

  #clientOrFail(): KafkaClient {
    if (this.#client === undefined) this.start();
    return this.#client!;
  }

  override async hasPendingRecords(): Promise<boolean> {
    if (this.#client === undefined || !this.#started) return false;
    try {
      const topics = [...new Set([...this.#next.values()].map((p) => p.topic))];
      const latest = await this.#client.offsets(topics, "latest");
      return [...this.#next.values()].some((p) => (latest.get(p.topic)?.[p.partition] ?? 0) > p.offset);
    } catch {
      return false;
    }
  }

  async #currentTopics(client: KafkaClient): Promise<string[]> {
    const topics = this.#topics;
    if (!(topics instanceof RegExp)) return [...topics];
    return (await client.topicNames()).filter((t) => topics.test(t)).sort();
  }

  /** Finds the partitions (new ones too) and where each starts. */
  async #discover(client: KafkaClient): Promise<void> {
    const topics = await this.#currentTopics(client);
    const counts = await client.partitions(topics);
    const fresh: Array<{ topic: string; partition: number }> = [];
    for (const [topic, n] of counts) {
      for (let p = 0; p < n; p++) if (!this.#next.has(tp(topic, p))) fresh.push({ topic, partition: p });
    }
    if (fresh.length === 0) return;
    const start = this.#options.startingOffsets ?? "latest";
    const explicit = typeof start === "object" ? start.offsets : {};
    const otherwise = typeof start === "object" ? (start.otherwise ?? "latest") : start;
    // Partitions that appear after the start begin at their first offset: whatever was
    // written to a new partition before this batch saw it is read, not skipped.
    const reset = this.#started ? "earliest" : otherwise;
    const committed = await client.committed(fresh);
    const needReset = fresh.filter(({ topic, partition }) => explicit[tp(topic, partition)] === undefined && !committed.has(tp(topic, partition)));
    const resetOffsets = needReset.length === 0 ? new Map<string, number[]>() : await client.offsets([...new Set(needReset.map((f) => f.topic))], reset);
    for (const { topic, partition } of fresh) {
      const key = tp(topic, partition);
      const offset = explicit[key] ?? committed.get(key) ?? resetOffsets.get(topic)?.[partition] ?? 0;
      this.#next.set(key, { topic, partition, offset });
    }
    if (this.#started) {
      this.context.logger.info(`${this.name}: reading new partitions ${fresh.map((f) => tp(f.topic, f.partition)).join(", ")}`);
    }
  }

  /** Records each partition may give this batch: Spark's `maxMessagesPerPartition`. */
  #caps(lags: ReadonlyMap<string, number>): Map<string, number> | undefined {
    const seconds = this.context.batchDuration.milliseconds / 1000;
    const rate = this.#rateControl?.rate();
    const perPartition = this.#maxRatePerPartition;
    if (rate === undefined && perPartition === undefined) return undefined;
    let totalLag = 0;
    for (const lag of lags.values()) totalLag += lag;
    const caps = new Map<string, number>();
    for (const [key, lag] of lags) {
      // Under backpressure each partition gets the rate in proportion to its lag.
      let r = rate === undefined ? Infinity : totalLag === 0 ? rate / Math.max(1, lags.size) : (rate * lag) / totalLag;
      if (perPartition !== undefined) r = Math.min(r, perPartition);
      caps.set(key, Math.max(1, Math.floor(r * seconds)));
    }
    return caps;
  }

  #outOfRange(policy: "fail" | "earliest" | "latest") {
    return (topic: string, partition: number, from: number): KafkaSourceError =>
      new KafkaSourceError(
        "offsetOutOfRange",
        `Kafka partition ${topic}-${partition}: offset ${from} is out of range (deleted by retention, or the topic was recreated); onOffsetOutOfRange is "${policy}": choose onOffsetOutOfRange "earliest" or "latest" to skip ahead (the skipped offsets are reported), or start from a fresh group or checkpoint`,
      );
  }

  protected override take(time: Time): Promise<TakenBatch<KafkaRecord<K, V>>> {
    if (this.#stopped) {
      // A graceful stop still generates batches while earlier ones drain: a stopped stream
      // reads nothing more (and opens no new client); its positions stay where they were.
      const rdd = RDD.empty<KafkaRecord<K, V>>();
      this.#batches.set(time.milliseconds, []);
      rangesOf.set(rdd as RDD<unknown>, []);
      return Promise.resolve({ rdd, count: 0 });
    }
    const taking = this.#read(time);
    this.#taking = taking.then(() => undefined, () => undefined);
    return taking;
  }

  async #read(time: Time): Promise<TakenBatch<KafkaRecord<K, V>>> {
    const client = this.#clientOrFail();
    const maxBytes = this.#options.maxFetchBytes ?? 16 << 20;
    const policy = this.#options.onOffsetOutOfRange ?? "fail";
    const replay = this.#restored.get(time.milliseconds);
    let ranges: OffsetRange[];
    if (replay !== undefined) {
      this.#restored.delete(time.milliseconds);
      ranges = replay.map((r) => ({ ...r }));
    } else {
      await this.#discover(client);
      this.#started = true;
      const parts = [...this.#next.values()];
      const topics = [...new Set(parts.map((p) => p.topic))];
      const [latest, earliest] = await Promise.all([client.offsets(topics, "latest"), client.offsets(topics, "earliest")]);
      const skipped: string[] = [];
      for (const p of parts) {
        const first = earliest.get(p.topic)?.[p.partition] ?? 0;
        const end = latest.get(p.topic)?.[p.partition] ?? 0;
        if (p.offset >= first && p.offset <= end) continue;
        if (policy === "fail") throw this.#outOfRange(policy)(p.topic, p.partition, p.offset);
        const to = policy === "earliest" ? first : end;
        skipped.push(`${tp(p.topic, p.partition)} from ${p.offset} to ${to}${to > p.offset ? ` (${to - p.offset} offsets skipped)` : ""}`);
        p.offset = to;
      }
      if (skipped.length > 0) {
        this.context.logger.warn(`${this.name}: offsets out of range, moved (onOffsetOutOfRange "${policy}"): ${skipped.join(", ")}`);
      }
      const lags = new Map(parts.map((p) => [tp(p.topic, p.partition), Math.max(0, (latest.get(p.topic)?.[p.partition] ?? 0) - p.offset)]));
      const caps = this.#caps(lags);
      ranges = parts.map((p) => {
        const key = tp(p.topic, p.partition);
        const lag = lags.get(key)!;
        const n = caps === undefined ? lag : Math.min(lag, caps.get(key)!);
        return { topic: p.topic, partition: p.partition, fromOffset: p.offset, untilOffset: p.offset + n };
      });
    }
    const toRead = ranges.filter((r) => r.untilOffset > r.fromOffset);
    const read: RawRecord[][] = toRead.length === 0 ? [] : await client.read(
      toRead.map((r) => ({ topic: r.topic, partition: r.partition, from: r.fromOffset, until: r.untilOffset })),
      this.#outOfRange(policy),
      maxBytes,
    );
    // Fixed: from here on nothing fails, so the positions move only for a batch that exists.
    for (const r of ranges) {
      const key = tp(r.topic, r.partition);
      const at = this.#next.get(key);
      if (at === undefined || at.offset < r.untilOffset) this.#next.set(key, { topic: r.topic, partition: r.partition, offset: r.untilOffset });
    }
    this.#batches.set(time.milliseconds, ranges);
    const keyOf = this.#key;
    const valueOf = this.#value;
    let count = 0;
    const partitions = toRead.map((r, i) => {
      count += read[i]!.length;
      return read[i]!.map((raw): KafkaRecord<K, V> => ({
        topic: r.topic,
        partition: r.partition,
        offset: raw.offset,
        timestamp: raw.timestamp,
        key: keyOf(raw.key),
        value: valueOf(raw.value),
        headers: raw.headers,
      }));
    });
    const rdd = partitions.length === 0 ? RDD.empty<KafkaRecord<K, V>>() : RDD.fromPartitions(partitions);
    rangesOf.set(rdd as RDD<unknown>, ranges);
    this.context.reportBatchMetrics(this, time, { records: count, partitions: ranges.length });
    return { rdd, count };
  }
}

/**
 * A stream of Kafka records with no receiver (Spark's `KafkaUtils.createDirectStream`):
 * each batch reads one offset range per partition, fixed at its batch time (see the
 * module's notes). Connects when the context starts; a broker that cannot be reached
 * fails that batch with an error saying so, and the next batch tries again from the same
 * offsets.
 *
 * @example
 * ```ts ignore
 * import { createDirectStream, offsetRanges } from "@dstreams/dstreams/kafka";
 * const stream = createDirectStream(ssc, { brokers: "127.0.0.1:9092", topics: ["events"], groupId: "counter" });
 * pipe(stream, foreachRDD((rdd) => console.log(offsetRanges(rdd))));
 * ```
 * @category kafka
 * @since 0.3.0
 */
export const createDirectStream = ((ssc: StreamingContext, options: DirectStreamOptions<Deserializer, Deserializer>): KafkaDirectStream<unknown, unknown> => {
  const graph = graphOf(ssc);
  if (typeof options === "object" && options !== null && options.scaleOut !== undefined) {
    const { brokers, topics } = checkOptions(options);
    return new ScaleOutInputDStream<unknown, unknown>(graph, options, brokers, topics);
  }
  return new KafkaDirectInputDStream<unknown, unknown>(graph, options);
}) as {
  <K extends Deserializer = "string", V extends Deserializer = "string">(
    ssc: StreamingContext,
    options: DirectStreamOptions<K, V> & { readonly scaleOut: ScaleOutOptions },
  ): KafkaScaleOutStream<Deserialized<K>, Deserialized<V>>;
  <K extends Deserializer = "string", V extends Deserializer = "string">(
    ssc: StreamingContext,
    options: DirectStreamOptions<K, V>,
  ): KafkaDirectStream<Deserialized<K>, Deserialized<V>>;
};

/**
 * The text of a record's header `name` (the last one, when repeated), if any.
 *
 * @category kafka
 * @since 0.3.0
 */
export const headerText = (record: KafkaRecord<unknown, unknown>, name: string): string | undefined => {
  let found: string | undefined;
  for (const [k, v] of record.headers) if (k === name) found = v === null ? "" : utf8.decode(v);
  return found;
};
