/**
 * The direct stream in scale-out mode (`createDirectStream(ssc, { …, scaleOut: { store } })`):
 * the process joins the consumer group as a real member, and each batch reads, by
 * position as the direct stream does, only the partitions Kafka assigned to it. Keyed
 * state is kept per input partition in a store every member reaches
 * (`_partition_store.ts`): after every batch each owned partition's file is written (its
 * next offset and the entries of the keys it owns, taken from every stateful node below
 * this stream), and when the assignment changes the stream waits for the batches already
 * fixed, writes the partitions it gives up, drops their state, and loads the state and
 * offset of the partitions it gains before reading them.
 *
 * Why a shared store and not a compacted changelog topic (Kafka Streams): the state and
 * the offset go into one atomically renamed file, so a new owner can never see a state
 * that does not match its offset, with no transaction spanning a topic and the offsets;
 * and a moved partition loads one file instead of replaying a changelog.
 *
 * @module
 */
import type { DStreamNode } from "../dstream/_node.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import { registeredNodeStates, type RegisteredNodeState } from "../dstream/_node_state.ts";
import { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import { v8StateCodec } from "../checkpoint/state_codec.ts";
import { KafkaClient, KafkaSourceError, type RawRecord } from "./_client.ts";
import { GroupMember, type Assignment } from "./_group_member.ts";
import { PartitionStore, type PartitionCheckpoint } from "./_partition_store.ts";
import { defaultPartitionOf } from "./_murmur2.ts";
import type { Deserializer, DirectStreamOptions, KafkaDirectStream, KafkaRecord, OffsetRange } from "./direct_stream.ts";

/**
 * Scale-out settings of {@link createDirectStream}: join the group as a member, keep state
 * per input partition in `store`.
 *
 * @category kafka
 * @since 0.4.0
 */
export interface ScaleOutOptions {
  /** A directory every member of the group reaches (the same path on one machine; a shared mount across machines). */
  readonly store: string;
  /** How long the group waits for a silent member before giving its partitions away, in ms (default 10000; the broker's `group.min.session.timeout.ms` bounds it). */
  readonly sessionTimeoutMs?: number;
  /** How often the member tells the group it lives, in ms (default a third of the session timeout). */
  readonly heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin, in ms (default the session timeout; never less). */
  readonly rebalanceTimeoutMs?: number;
  /**
   * The input partition that owns a state key (default: Kafka's default partitioner,
   * murmur2 of a string key's UTF-8 bytes or of a bytes key, as Java producers place
   * records). Give it when keys are not the records' Kafka keys as strings or bytes.
   */
  readonly partitionOf?: (key: unknown, partitions: number) => number;
  /** Told of every assignment this member applies (for logs and measurements). */
  readonly onRebalance?: (event: RebalanceEvent) => void;
}

/**
 * One assignment applied by a scale-out member.
 *
 * @category kafka
 * @since 0.4.0
 */
export interface RebalanceEvent {
  readonly generation: number;
  readonly memberId: string;
  /** The partitions owned from now on. */
  readonly partitions: ReadonlyArray<number>;
  readonly gained: ReadonlyArray<number>;
  readonly lost: ReadonlyArray<number>;
  /** Wall-clock ms when this member heard of the rebalance (its heartbeat, or its own join), and when the new assignment was applied. */
  readonly startedAt: number;
  readonly appliedAt: number;
}

/**
 * The stream `createDirectStream` returns in scale-out mode.
 *
 * @category kafka
 * @since 0.4.0
 */
export interface KafkaScaleOutStream<K, V> extends KafkaDirectStream<K, V> {
  /** The partitions this member owns now. */
  readonly partitions: ReadonlyArray<number>;
  /** The group generation of the assignment applied last (−1 before the first). */
  readonly generation: number;
  /** Resolves once this member applied its first assignment. */
  assigned(): Promise<void>;
}

const tp = (topic: string, partition: number): string => `${topic}-${partition}`;
const utf8 = new TextDecoder();
const timeOf = (ms: number): Time => new Time(Number.isFinite(ms) ? ms : 0);
const STATE_KINDS = new Set(["updateStateByKey", "mapWithState"]);

const descendsFrom = (node: DStreamNode<unknown>, root: DStreamNode<unknown>): boolean => {
  const seen = new Set<DStreamNode<unknown>>();
  const visit = (n: DStreamNode<unknown>): boolean => {
    if (n === root) return true;
    if (seen.has(n)) return false;
    seen.add(n);
    return n.parents.some(visit);
  };
  return visit(node);
};

/** A partition's part of the state: checkpoint name → entries. */
type Split = Map<number, Record<string, Array<readonly unknown[]>>>;

export class ScaleOutInputDStream<K, V> extends InputDStream<KafkaRecord<K, V>> implements KafkaScaleOutStream<K, V> {
  readonly groupId: string;
  readonly #options: DirectStreamOptions<Deserializer, Deserializer>;
  readonly #scaleOut: ScaleOutOptions;
  readonly #brokers: string[];
  readonly #topic: string;
  readonly #store: PartitionStore;
  readonly #key: (b: Uint8Array | null) => K;
  readonly #value: (b: Uint8Array | null) => V;
  #client: KafkaClient | undefined;
  #member: GroupMember | undefined;
  #partitionCount = 0;
  #states: ReadonlyArray<RegisteredNodeState> = [];
  /** The partitions owned, with the next offset to read. */
  #next = new Map<number, number>();
  #generation = -1;
  #memberId = "";
  /** An assignment heard of and not applied yet (applied at the next batch, between batches). */
  #incoming: Assignment | undefined;
  #rebalanceStartedAt: number | undefined;
  #firstAssigned: { promise: Promise<void>; resolve: () => void };
  readonly #batches = new Map<number, { readonly ranges: ReadonlyArray<OffsetRange>; readonly generation: number }>();
  #lastTaken = Number.NEGATIVE_INFINITY;
  #lastCleared = Number.NEGATIVE_INFINITY;
  #clearedWaiters: Array<() => void> = [];
  /** Snapshots taken once a batch's outputs ran, written by `commit`. */
  readonly #captured = new Map<number, { readonly generation: number; readonly files: PartitionCheckpoint[] }>();
  #writtenThrough = Number.NEGATIVE_INFINITY;
  #writes: Promise<void> = Promise.resolve();
  /** Key → partition, remembered: keys are hashed once, not at every batch. */
  readonly #partitionCache = new Map<unknown, number>();
  #failure: Error | undefined;
  #stopping = false;

  constructor(graph: StreamingGraph, options: DirectStreamOptions<Deserializer, Deserializer>, brokers: string[], topics: ReadonlyArray<string> | RegExp) {
    const scaleOut = options.scaleOut!;
    if (typeof scaleOut !== "object" || scaleOut === null || typeof scaleOut.store !== "string" || scaleOut.store === "") {
      throw new KafkaSourceError("options", `createDirectStream's scaleOut needs a store: a directory every member of the group reaches, e.g. { scaleOut: { store: "/shared/dstreams-state" } }`);
    }
    if (topics instanceof RegExp || topics.length !== 1) {
      throw new KafkaSourceError(
        "options",
        `createDirectStream's scaleOut reads exactly one topic (its partitions own the state keys), got ${topics instanceof RegExp ? `the pattern ${topics}` : JSON.stringify(topics)}: give one topic, or merge topics into one first with repartitionThrough`,
      );
    }
    const session = scaleOut.sessionTimeoutMs ?? 10_000;
    const rebalance = scaleOut.rebalanceTimeoutMs ?? session;
    const heartbeat = scaleOut.heartbeatIntervalMs ?? Math.max(100, Math.floor(session / 3));
    for (const [name, v] of [["sessionTimeoutMs", session], ["rebalanceTimeoutMs", rebalance], ["heartbeatIntervalMs", heartbeat]] as const) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new KafkaSourceError("options", `createDirectStream's scaleOut.${name} must be a positive whole number of ms, got ${String(v)}`);
    }
    if (rebalance < session) throw new KafkaSourceError("options", `createDirectStream's scaleOut.rebalanceTimeoutMs (${rebalance}) must be at least sessionTimeoutMs (${session}): the client refuses a shorter rebalance timeout`);
    if (heartbeat >= session) throw new KafkaSourceError("options", `createDirectStream's scaleOut.heartbeatIntervalMs (${heartbeat}) must be below sessionTimeoutMs (${session})`);
    if (scaleOut.partitionOf !== undefined && typeof scaleOut.partitionOf !== "function") {
      throw new KafkaSourceError("options", "createDirectStream's scaleOut.partitionOf must be a function (key, partitions) => partition");
    }
    super(graph, "kafkaDirectStream");
    this.groupId = options.groupId;
    this.#options = options;
    this.#scaleOut = { ...scaleOut, sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, heartbeatIntervalMs: heartbeat };
    this.#brokers = brokers;
    this.#topic = topics[0]!;
    this.#store = new PartitionStore(scaleOut.store, options.groupId);
    const decoder = (kind: Deserializer | undefined) => (b: Uint8Array | null) => b === null ? null : kind === "bytes" ? b : utf8.decode(b);
    this.#key = decoder(options.key) as (b: Uint8Array | null) => K;
    this.#value = decoder(options.value) as (b: Uint8Array | null) => V;
    let resolve!: () => void;
    this.#firstAssigned = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    graph.registerRecoverable(this.#recoverable() as Recoverable<unknown>);
  }

  override get sourceIdentity(): string {
    return `${this.#topic}:${this.groupId}:scaleOut`;
  }

  get partitions(): ReadonlyArray<number> {
    return [...this.#next.keys()].sort((a, b) => a - b);
  }

  get generation(): number {
    return this.#generation;
  }

  assigned(): Promise<void> {
    return this.#firstAssigned.promise;
  }

  /** Only `commit` is used: scale-out keeps its positions and state in the shared store, not in `ssc.checkpoint`. */
  #recoverable(): Recoverable<null> {
    const stream = this;
    return {
      get name() {
        return stream.checkpointName;
      },
      role: "input",
      kind: "kafkaScaleOut",
      codec: v8StateCodec<null>(),
      snapshot: () => null,
      restore: () => undefined,
      commit: (stateTime) => this.#commit(stateTime.milliseconds),
    };
  }

  override start(): void {
    if (this.context.checkpointing) {
      throw new KafkaSourceError(
        "options",
        `${this.name}: scale-out mode keeps positions and state per partition in scaleOut.store (${this.#scaleOut.store}), shared by the group; a process checkpoint (ssc.checkpoint) would restore partitions that moved to other members: remove the ssc.checkpoint call`,
      );
    }
    this.#states = registeredNodeStates(this.context).filter((s) => descendsFrom(s.node, this as DStreamNode<unknown>));
    const windowed = this.#states.filter((s) => !STATE_KINDS.has(s.node.kind));
    if (windowed.length > 0) {
      throw new KafkaSourceError(
        "options",
        `${this.name}: windows are not supported in scale-out mode (${windowed.map((s) => s.node.name).join(", ")}): a window keeps the last batches of every partition this member read, which would stay behind when a partition moves. Use updateStateByKey or mapWithState (their state moves with its partition), or run without scaleOut`,
      );
    }
    const timeoutMs = this.#options.timeoutMs ?? 5000;
    const clientId = this.#options.clientId ?? `dstreams-${this.groupId}`;
    this.#client = new KafkaClient(this.#brokers, this.groupId, clientId, { readCommitted: false, timeoutMs });
    const member = new GroupMember({
      brokers: this.#brokers,
      groupId: this.groupId,
      clientId,
      topic: this.#topic,
      sessionTimeoutMs: this.#scaleOut.sessionTimeoutMs!,
      rebalanceTimeoutMs: this.#scaleOut.rebalanceTimeoutMs!,
      heartbeatIntervalMs: this.#scaleOut.heartbeatIntervalMs!,
      timeoutMs,
      onAssignment: (assignment) => {
        this.#incoming = assignment;
        this.#rebalanceStartedAt ??= Date.now();
      },
      onRebalance: () => {
        this.#rebalanceStartedAt ??= Date.now();
      },
      onError: (error) => this.context.logger.warn(`${this.name}: the consumer group ${this.groupId} could not be rejoined: ${error instanceof Error ? error.message : String(error)} (the client keeps trying)`),
    });
    this.#member = member;
    this.#rebalanceStartedAt = Date.now();
    member.join().catch((error: unknown) => {
      this.context.reportError(this.#client!.explain(error, `joining consumer group ${this.groupId}`));
    });
  }

  override async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of this.#clearedWaiters.splice(0)) wake();
    // Written last: what the batches so far did, so the next owner starts from here.
    await this.#writes;
    const member = this.#member;
    const client = this.#client;
    this.#member = undefined;
    this.#client = undefined;
    await member?.close();
    await client?.close();
  }

  override async hasPendingRecords(): Promise<boolean> {
    const client = this.#client;
    if (client === undefined || this.#next.size === 0) return false;
    try {
      const latest = (await client.offsets([this.#topic], "latest")).get(this.#topic) ?? [];
      return [...this.#next].some(([p, offset]) => (latest[p] ?? 0) > offset);
    } catch {
      return false;
    }
  }

  commitAsync(ranges: ReadonlyArray<OffsetRange>): Promise<void> {
    return this.#member?.commit(ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.untilOffset }))) ?? Promise.resolve();
  }

  offsetRangesAt(time: Time): ReadonlyArray<OffsetRange> {
    return this.#batches.get(time.milliseconds)?.ranges ?? [];
  }

  // ---- partitions of the state ------------------------------------------------------

  #partitionOf(key: unknown): number {
    const cacheable = typeof key !== "object" || key === null;
    if (cacheable) {
      const known = this.#partitionCache.get(key);
      if (known !== undefined) return known;
    }
    const given = this.#scaleOut.partitionOf;
    const p = given !== undefined ? given(key, this.#partitionCount) : defaultPartitionOf(key, this.#partitionCount);
    if (p === undefined) {
      throw new KafkaSourceError(
        "options",
        `${this.name}: the state key ${JSON.stringify(key) ?? String(key)} is neither a string nor bytes, so Kafka's default partitioner cannot say which input partition owns it: give scaleOut.partitionOf (key, partitions) => partition, the partition the key's records are in`,
      );
    }
    if (!Number.isSafeInteger(p) || p < 0 || p >= this.#partitionCount) {
      throw new KafkaSourceError("options", `${this.name}: scaleOut.partitionOf gave ${String(p)} for key ${JSON.stringify(key) ?? String(key)}; it must be a partition of ${this.#topic}, 0 to ${this.#partitionCount - 1}`);
    }
    if (cacheable && this.#partitionCache.size < 1_000_000) this.#partitionCache.set(key, p);
    return p;
  }

  /** Every stateful node's entries after the batch at `timeMs`, by owning partition. */
  #split(timeMs: number): Split {
    const split: Split = new Map();
    for (const p of this.#next.keys()) split.set(p, {});
    for (const { node, state } of this.#states) {
      const entries = state.snapshot(timeOf(timeMs)) as ReadonlyArray<readonly unknown[]>;
      const name = node.checkpointName;
      for (const p of this.#next.keys()) split.get(p)![name] = [];
      for (const entry of entries) {
        const p = this.#partitionOf(entry[0]);
        const bucket = split.get(p);
        if (bucket === undefined) {
          throw new KafkaSourceError(
            "options",
            `${this.name}: ${node.name} holds state for key ${JSON.stringify(entry[0]) ?? String(entry[0])}, which belongs to partition ${this.#topic}-${p}, not one this member owns (${this.partitions.join(", ") || "none"}): a key's records must all be in the partition that owns it. Key the records by the state key when producing them (Kafka's default partitioner), or re-key through a topic with repartitionThrough(topic) before the keyed operation`,
          );
        }
        (bucket[name] ??= []).push(entry);
      }
    }
    return split;
  }

  #files(split: Split, offsets: ReadonlyMap<number, number>, timeMs: number, generation: number): PartitionCheckpoint[] {
    return [...split].map(([partition, state]) => ({
      topic: this.#topic,
      partition,
      generation,
      offset: offsets.get(partition)!,
      batchTimeMs: timeMs,
      memberId: this.#memberId,
      state,
    }));
  }

  #write(files: ReadonlyArray<PartitionCheckpoint>): Promise<void> {
    const run = this.#writes.then(async () => {
      for (const file of files) {
        const outcome = await this.#store.write(file);
        if (!outcome.written) {
          this.context.logger.warn(
            `${this.name}: partition ${this.#topic}-${file.partition} belongs to generation ${outcome.newerGeneration} now (this member wrote as ${file.generation}): its checkpoint after batch ${file.batchTimeMs} was not written; the new owner replays from its own`,
          );
        }
      }
    });
    this.#writes = run.catch((error: unknown) => {
      this.context.reportError(new Error(`${this.name}: the partition checkpoints could not be written to ${this.#store.root}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    });
    return this.#writes;
  }

  /** Puts `loaded` state in and takes the state of partitions not in `keep` out, in every stateful node. */
  #reshape(timeMs: number, keep: ReadonlySet<number>, loaded: ReadonlyArray<PartitionCheckpoint>): void {
    for (const { node, state } of this.#states) {
      const name = node.checkpointName;
      const current = state.snapshot(timeOf(timeMs)) as ReadonlyArray<readonly unknown[]>;
      const kept = current.filter((entry) => keep.has(this.#partitionOf(entry[0])));
      const added = loaded.flatMap((file) => file.state[name] ?? []);
      let merged = [...kept, ...added];
      // mapWithState keeps its entries in update order (timeouts read the oldest first).
      if (node.kind === "mapWithState") merged = merged.sort((a, b) => (a[2] as number) - (b[2] as number));
      if (merged.length === current.length && added.length === 0) continue;
      state.restore(merged, timeOf(timeMs));
    }
  }

  // ---- the batch cycle --------------------------------------------------------------

  /** Waits until every batch fixed so far was cleared (its outputs ran, or it failed). */
  async #quiesce(): Promise<void> {
    // A stopping context runs no more batches: waiting for them would hold stop() forever.
    while (this.#lastCleared < this.#lastTaken && !this.#stopping) await new Promise<void>((resolve) => this.#clearedWaiters.push(resolve));
    await this.#writes;
  }

  async #apply(assignment: Assignment): Promise<void> {
    const client = this.#client!;
    await this.#quiesce();
    if (this.#stopping) return;
    const timeMs = this.#lastTaken;
    const before = new Set(this.#next.keys());
    const after = new Set(assignment.partitions);
    const lost = [...before].filter((p) => !after.has(p));
    const gained = [...after].filter((p) => !before.has(p));
    if (this.#partitionCount === 0 || gained.some((p) => p >= this.#partitionCount)) {
      this.#partitionCount = (await client.partitions([this.#topic])).get(this.#topic) ?? 0;
    }
    // Given up: their last state and offset, under the generation they were read in.
    if (lost.length > 0) {
      const split = this.#split(timeMs);
      const files = this.#files(new Map([...split].filter(([p]) => lost.includes(p))), this.#next, timeMs, this.#generation);
      await this.#write(files);
    }
    // Gained: the newest checkpoint in the shared store, else the group's commit, else startingOffsets.
    const loaded: PartitionCheckpoint[] = [];
    const offsets = new Map<number, number>();
    for (const p of gained) {
      const file = await this.#store.read(this.#topic, p);
      if (file !== undefined) {
        loaded.push(file);
        offsets.set(p, file.offset);
      }
    }
    const fresh = gained.filter((p) => !offsets.has(p));
    if (fresh.length > 0) {
      const committed = await client.committed(fresh.map((partition) => ({ topic: this.#topic, partition })));
      const start = this.#options.startingOffsets ?? "latest";
      const explicit = typeof start === "object" ? start.offsets : {};
      const otherwise = typeof start === "object" ? (start.otherwise ?? "latest") : start;
      const reset = (await client.offsets([this.#topic], otherwise)).get(this.#topic) ?? [];
      for (const p of fresh) offsets.set(p, explicit[tp(this.#topic, p)] ?? committed.get(tp(this.#topic, p)) ?? reset[p] ?? 0);
    }
    this.#reshape(timeMs, after, loaded);
    for (const p of lost) this.#next.delete(p);
    for (const p of gained) this.#next.set(p, offsets.get(p)!);
    this.#generation = assignment.generation;
    this.#memberId = assignment.memberId;
    // The claim: every owned partition's file under the new generation, before reading
    // it, so a member still writing under an older generation is fenced from now on.
    if (this.#next.size > 0) await this.#write(this.#files(this.#split(timeMs), this.#next, timeMs, this.#generation));
    this.#writtenThrough = Math.max(this.#writtenThrough, timeMs);
    const startedAt = this.#rebalanceStartedAt ?? Date.now();
    this.#rebalanceStartedAt = undefined;
    const event: RebalanceEvent = { generation: assignment.generation, memberId: assignment.memberId, partitions: this.partitions, gained, lost, startedAt, appliedAt: Date.now() };
    this.context.logger.info(`${this.name}: generation ${event.generation}: partitions ${event.partitions.join(", ") || "none"} (gained ${gained.join(", ") || "none"}, gave up ${lost.join(", ") || "none"})`);
    this.#scaleOut.onRebalance?.(event);
    this.#firstAssigned.resolve();
  }

  protected override async take(time: Time): Promise<TakenBatch<KafkaRecord<K, V>>> {
    if (this.#failure !== undefined) throw this.#failure;
    const client = this.#client;
    if (client === undefined) throw new KafkaSourceError("options", `${this.name} was asked for a batch before the context started it`);
    const incoming = this.#incoming;
    if (this.#stopping) return { rdd: RDD.empty<KafkaRecord<K, V>>(), count: 0 };
    if (incoming !== undefined) {
      this.#incoming = undefined;
      try {
        await this.#apply(incoming);
      } catch (error) {
        // A half-applied assignment cannot be trusted: this member stops (its partitions go to the others).
        this.#failure = error instanceof Error ? error : new Error(String(error));
        throw this.#failure;
      }
    }
    this.#lastTaken = time.milliseconds;
    // While a rebalance is under way the partitions may already be another member's: read nothing.
    const reading = this.#rebalanceStartedAt === undefined || this.#generation < 0 ? this.#next : new Map<number, number>();
    const parts = [...reading];
    let ranges: OffsetRange[] = [];
    if (parts.length > 0) {
      const latest = (await client.offsets([this.#topic], "latest")).get(this.#topic) ?? [];
      const cap = this.#options.maxRatePerPartition === undefined ? Infinity : Math.max(1, Math.floor(this.#options.maxRatePerPartition * this.context.batchDuration.milliseconds / 1000));
      ranges = parts.map(([partition, from]) => ({ topic: this.#topic, partition, fromOffset: from, untilOffset: from + Math.max(0, Math.min(cap, (latest[partition] ?? 0) - from)) }));
    }
    const toRead = ranges.filter((r) => r.untilOffset > r.fromOffset);
    const outOfRange = (topic: string, partition: number, from: number) =>
      new KafkaSourceError("offsetOutOfRange", `Kafka partition ${topic}-${partition}: offset ${from} is out of range (deleted by retention, or the topic was recreated): remove the partition's directory under ${this.#store.root} to start it afresh`);
    const read: RawRecord[][] = toRead.length === 0 ? [] : await client.read(toRead.map((r) => ({ topic: r.topic, partition: r.partition, from: r.fromOffset, until: r.untilOffset })), outOfRange, this.#options.maxFetchBytes ?? 16 << 20);
    for (const r of ranges) this.#next.set(r.partition, r.untilOffset);
    // Every owned partition is in the batch's ranges (empty ones too): a checkpoint after it knows them all.
    const all: OffsetRange[] = [...this.#next].map(([partition, offset]) => ranges.find((r) => r.partition === partition) ?? { topic: this.#topic, partition, fromOffset: offset, untilOffset: offset });
    this.#batches.set(time.milliseconds, { ranges: all, generation: this.#generation });
    const keyOf = this.#key;
    const valueOf = this.#value;
    let count = 0;
    const partitions = toRead.map((r, i) => {
      count += read[i]!.length;
      return read[i]!.map((raw): KafkaRecord<K, V> => ({ topic: r.topic, partition: r.partition, offset: raw.offset, timestamp: raw.timestamp, key: keyOf(raw.key), value: valueOf(raw.value), headers: raw.headers }));
    });
    const rdd = partitions.length === 0 ? RDD.empty<KafkaRecord<K, V>>() : RDD.fromPartitions(partitions);
    this.context.reportBatchMetrics(this, time, { records: count, partitions: toRead.length });
    return { rdd, count };
  }

  /** Takes the snapshot of batch `timeMs` (its outputs ran, the next batch's have not). */
  #capture(timeMs: number): void {
    if (this.#captured.has(timeMs)) return;
    const batch = this.#batches.get(timeMs);
    if (batch === undefined || batch.generation !== this.#generation || batch.generation < 0) return;
    const offsets = new Map(batch.ranges.map((r) => [r.partition, r.untilOffset]));
    if ([...this.#next.keys()].some((p) => !offsets.has(p))) return;
    try {
      this.#captured.set(timeMs, { generation: batch.generation, files: this.#files(this.#split(timeMs), offsets, timeMs, batch.generation) });
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      this.context.reportError(this.#failure);
    }
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    const t = time.milliseconds;
    if (t > this.#lastCleared) {
      // Also for a batch whose generation failed (nothing to capture): the barrier waits for it.
      if (this.#batches.has(t)) this.#capture(t);
      this.#lastCleared = t;
      for (const wake of this.#clearedWaiters.splice(0)) wake();
    }
    for (const old of this.#batches.keys()) if (old < t - 60 * this.context.batchDuration.milliseconds) this.#batches.delete(old);
  }

  /** After batch `timeMs` ran: write its partition files, then commit its offsets to the group. */
  async #commit(timeMs: number): Promise<void> {
    // Called right after the batch's outputs when nothing else waits (before its clear), or later.
    if (timeMs > this.#lastCleared) this.#capture(timeMs);
    const captured = this.#captured.get(timeMs);
    for (const t of [...this.#captured.keys()]) if (t <= timeMs) this.#captured.delete(t);
    if (captured === undefined || timeMs <= this.#writtenThrough || captured.generation !== this.#generation) return;
    this.#writtenThrough = timeMs;
    await this.#write(captured.files);
    // Not awaited: the group's offsets are informational here (the store holds the truth), and
    // a commit the client holds back (during a rejoin) must not hold the context's stop.
    if (this.#stopping) return;
    void this.#member?.commit(captured.files.map((f) => ({ topic: f.topic, partition: f.partition, offset: f.offset }))).catch((error: unknown) => {
      this.context.logger.info(`${this.name}: offsets not committed to group ${this.groupId} (${error instanceof Error ? error.message : String(error)}); the shared store holds them`);
    });
  }
}
