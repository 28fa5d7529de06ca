/**
 * The few broker calls the direct stream needs, over `@platformatic/kafka`'s consumer:
 * partition metadata, earliest/latest offsets, reading one offset range per partition by
 * position, and committing offsets to a group. Everything else of the client stays out of
 * sight, and its errors come back as {@link KafkaSourceError}s that say what to do.
 *
 * @module
 */
import { Admin, Consumer, type KafkaRecord as ClientRecord, ResponseError } from "@platformatic/kafka";

type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;

/**
 * An error of the Kafka source: the broker, a topic or an offset was not as expected.
 * `reason` tells them apart without parsing the message.
 *
 * @category kafka
 * @since 0.3.0
 */
export class KafkaSourceError extends Error {
  readonly reason: "unreachable" | "unknownTopic" | "offsetOutOfRange" | "options" | "broker";
  constructor(reason: KafkaSourceError["reason"], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "KafkaSourceError";
    this.reason = reason;
  }
}

/** A record as read: bytes, with its position. */
export interface RawRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/** Where one partition's records are read from. */
export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
}

const IS_CONTROL = 0b10_0000;
const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_TOPIC = new Set([3, 100]); // UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID
const utf8 = new TextDecoder();

const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const inner = [...new Set(error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))))];
    return `${error.message}: ${inner.join("; ")}`;
  }
  return error instanceof Error ? error.message : String(error);
};

const NETWORK_CODES = new Set(["PLT_KFK_NETWORK", "PLT_KFK_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]);
const NETWORK_MESSAGE = /Cannot connect to any broker|Connection closed|ECONNREFUSED|ECONNRESET|timed out/i;

/** True when `error` (or one it aggregates, at any depth) is a connection failure. */
const isNetwork = (error: unknown, depth = 0): boolean => {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  if (typeof message === "string" && NETWORK_MESSAGE.test(message)) return true;
  const inner = error instanceof AggregateError ? error.errors : [];
  const cause = (error as { cause?: unknown }).cause;
  return [...inner, ...(cause === undefined ? [] : [cause])].some((e: unknown) => isNetwork(e, depth + 1));
};

/** The broker's answer for one partition's error code, if `error` is a response error. */
const responseCodes = (error: unknown): number[] => {
  if (!(error instanceof ResponseError)) return [];
  const codes: number[] = [];
  for (const e of error.errors) {
    const code = (e as { apiCode?: unknown }).apiCode;
    if (typeof code === "number") codes.push(code);
  }
  return codes;
};

/** One connection's worth of broker calls for a source (one consumer, never subscribed). */
export class KafkaClient {
  readonly brokers: ReadonlyArray<string>;
  readonly groupId: string;
  readonly #consumer: Consumer;
  /**
   * Commits go through a consumer with no retries: the client answers a refused commit by
   * joining the group, and this stream must never become a member that does not poll (it
   * would be assigned partitions and stall a real member's rebalance).
   */
  readonly #committer: Consumer;
  readonly #isolationLevel: number;
  readonly #clientId: string;
  readonly #timeoutMs: number;
  /** Bytes per record in the last read (keys, values and ~20 B of framing); undefined before any. */
  #bytesPerRecord: number | undefined;
  #admin: Admin | undefined;

  constructor(brokers: ReadonlyArray<string>, groupId: string, clientId: string, options: { readonly readCommitted: boolean; readonly timeoutMs: number }) {
    this.brokers = brokers;
    this.groupId = groupId;
    this.#isolationLevel = options.readCommitted ? 1 : 0;
    this.#clientId = clientId;
    this.#timeoutMs = options.timeoutMs;
    this.#consumer = new Consumer({
      clientId,
      groupId,
      bootstrapBrokers: [...brokers],
      // A few quick retries, then the batch fails with a clear error (and the next one tries again).
      retries: 2,
      retryDelay: 200,
      timeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      autocreateTopics: false,
      metadataMaxAge: 1000,
    });
    this.#committer = new Consumer({
      clientId: `${clientId}-commits`,
      groupId,
      bootstrapBrokers: [...brokers],
      retries: 0,
      timeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      autocreateTopics: false,
    });
    // Offsets are committed by a member of no group (as Spark's driver does for assigned
    // partitions): generation -1 and no member id tell the coordinator so.
    this.#committer.generationId = -1;
    this.#committer.memberId = "";
  }

  /** What a failed call means for the user, with what to do. */
  explain(error: unknown, doing: string): KafkaSourceError {
    if (error instanceof KafkaSourceError) return error;
    if (isNetwork(error)) {
      return new KafkaSourceError(
        "unreachable",
        `Kafka broker ${this.brokers.join(", ")} is unreachable while ${doing} (${messageOf(error)}): start the broker or fix the brokers option; the next batch tries again from the same offsets, nothing is skipped`,
        error,
      );
    }
    return new KafkaSourceError("broker", `Kafka broker ${this.brokers.join(", ")} refused ${doing}: ${messageOf(error)}`, error);
  }

  /** Partition counts of `topics`; an unknown topic is an error naming it. */
  async partitions(topics: ReadonlyArray<string>): Promise<Map<string, number>> {
    let metadata;
    try {
      metadata = await this.#consumer.metadata({ topics: [...topics], forceUpdate: true });
    } catch (error) {
      const unknown = /Unknown topic (.*)\.$/.exec(error instanceof Error ? error.message : "");
      if (unknown !== null || responseCodes(error).some((c) => UNKNOWN_TOPIC.has(c))) {
        throw new KafkaSourceError(
          "unknownTopic",
          `Kafka topic ${unknown?.[1] ?? topics.join(", ")} does not exist on ${this.brokers.join(", ")}: create it (kafka-topics.sh --create --topic …) or fix the topics option`,
          error,
        );
      }
      throw this.explain(error, `reading the metadata of topics ${topics.join(", ")}`);
    }
    const counts = new Map<string, number>();
    for (const topic of topics) counts.set(topic, metadata.topics.get(topic)?.partitionsCount ?? 0);
    return counts;
  }

  /** Every topic's name (internal ones excluded), for `topicPattern`: an admin client lists them. */
  async topicNames(): Promise<string[]> {
    this.#admin ??= new Admin({ clientId: `${this.#clientId}-admin`, bootstrapBrokers: [...this.brokers], retries: 2, retryDelay: 200, timeout: this.#timeoutMs, connectTimeout: this.#timeoutMs });
    try {
      return (await this.#admin.listTopics()).filter((t) => !t.startsWith("__"));
    } catch (error) {
      throw this.explain(error, "listing topics");
    }
  }

  /** The earliest (`-2`) or latest (`-1`) offset of every partition of `topics`. */
  async offsets(topics: ReadonlyArray<string>, which: "earliest" | "latest"): Promise<Map<string, number[]>> {
    if (topics.length === 0) return new Map();
    try {
      const found = await this.#consumer.listOffsets({
        topics: [...topics],
        isolationLevel: this.#isolationLevel,
        ...(which === "earliest" ? { timestamp: -2n } : {}),
      });
      return new Map([...found].map(([topic, offsets]) => [topic, offsets.map(Number)]));
    } catch (error) {
      throw this.explain(error, `listing the ${which} offsets of ${topics.join(", ")}`);
    }
  }

  /** The group's committed offsets (`undefined` where it committed none). */
  async committed(partitions: ReadonlyArray<PartitionInfo>): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    try {
      const found = await this.#consumer.listCommittedOffsets({ topics: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })) });
      const out = new Map<string, number>();
      for (const [topic, ps] of byTopic) {
        const offsets = found.get(topic) ?? [];
        ps.forEach((p, i) => {
          const o = offsets[i];
          if (o !== undefined && o >= 0n) out.set(`${topic}-${p}`, Number(o));
        });
      }
      return out;
    } catch (error) {
      throw this.explain(error, `reading group ${this.groupId}'s committed offsets`);
    }
  }

  /** Commits `offsets` (the next offset to read, per partition) to the group. */
  async commit(offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: number }>): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.#committer.commit({ offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) });
    } catch (error) {
      const inner = error instanceof AggregateError ? error.errors : [error];
      const membership = inner.some((e: unknown) => {
        const flags = e as { unknownMemberId?: boolean; needsRejoin?: boolean; rebalanceInProgress?: boolean } | null;
        return flags?.unknownMemberId === true || flags?.needsRejoin === true || flags?.rebalanceInProgress === true;
      });
      if (membership) {
        throw new KafkaSourceError(
          "broker",
          `Kafka group ${this.groupId} refused the commit of ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(", ")}: the group has active members (another consumer joined it, or it is rebalancing), and a direct stream commits as no member; ` +
            "give the direct stream a groupId of its own, or stop the other consumers. The batch's records were processed and its ranges stay in the checkpoint: nothing is skipped",
          error,
        );
      }
      throw this.explain(error, `committing group ${this.groupId}'s offsets`);
    }
  }

  /**
   * How much to ask one partition for: about what `records` more records hold (by the
   * records read so far, with 10 % to spare), between 64 KiB and `maxBytes`. Asking for
   * `maxBytes` would make the broker send, and the client decode, the backlog past the
   * range's end only to be thrown away (5× the records kept at 100 B). Kafka returns at
   * least one record batch whatever the limit, so a read always progresses.
   */
  #partitionMaxBytes(records: number, maxBytes: number): number {
    if (this.#bytesPerRecord === undefined) return maxBytes;
    return Math.min(maxBytes, Math.max(64 << 10, Math.ceil(records * this.#bytesPerRecord * 1.1)));
  }

  /**
   * The records of `[from, until)` of each partition, in offset order, read by position:
   * the same range gives the same records every time (while the log holds them).
   * `onOutOfRange` names the policy in the error when a range starts before the log does.
   */
  async read(
    ranges: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly from: number; readonly until: number }>,
    outOfRange: (topic: string, partition: number, from: number) => KafkaSourceError,
    maxBytes: number,
  ): Promise<RawRecord[][]> {
    const out: RawRecord[][] = ranges.map(() => []);
    const next = ranges.map((r) => r.from);
    let keptBytes = 0;
    let kept = 0;
    let idle = 0;
    for (;;) {
      if (kept > 0) {
        this.#bytesPerRecord = keptBytes / kept;
        keptBytes = 0;
        kept = 0;
      }
      const open = ranges.map((r, i) => i).filter((i) => next[i]! < ranges[i]!.until);
      if (open.length === 0) return out;
      const before = next.reduce((a, b) => a + b, 0);
      if (idle > 50) {
        const stuck = open.map((i) => `${ranges[i]!.topic}-${ranges[i]!.partition} at ${next[i]} (range to ${ranges[i]!.until})`).join(", ");
        throw new KafkaSourceError("broker", `Kafka broker ${this.brokers.join(", ")} returned no records for ${stuck} in 50 fetches: the batch fails, and the next one tries the same range again`);
      }
      let metadata;
      try {
        metadata = await this.#consumer.metadata({ topics: [...new Set(open.map((i) => ranges[i]!.topic))] });
      } catch (error) {
        throw this.explain(error, "reading topic metadata");
      }
      // One fetch per leader, every open partition in it.
      const byLeader = new Map<number, number[]>();
      for (const i of open) {
        const topic = metadata.topics.get(ranges[i]!.topic);
        const leader = topic?.partitions[ranges[i]!.partition]?.leader;
        if (topic === undefined || leader === undefined) {
          throw new KafkaSourceError("unknownTopic", `Kafka partition ${ranges[i]!.topic}-${ranges[i]!.partition} is gone from ${this.brokers.join(", ")} (topic deleted?)`);
        }
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), i]);
      }
      await Promise.all([...byLeader].map(async ([leader, indexes]) => {
        const topicIds = new Map<string, string>();
        const byTopic = new Map<string, number[]>();
        for (const i of indexes) {
          const topic = ranges[i]!.topic;
          topicIds.set(metadata.topics.get(topic)!.id, topic);
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), i]);
        }
        let response: FetchResponse;
        try {
          response = await this.#consumer.fetch({
            node: leader,
            maxWaitTime: 0,
            minBytes: 1,
            maxBytes,
            isolationLevel: this.#isolationLevel,
            topics: [...byTopic].map(([topic, is]) => ({
              topicId: metadata.topics.get(topic)!.id,
              partitions: is.map((i) => ({
                partition: ranges[i]!.partition,
                fetchOffset: BigInt(next[i]!),
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                partitionMaxBytes: this.#partitionMaxBytes(ranges[i]!.until - next[i]!, maxBytes),
              })),
            })),
          });
        } catch (error) {
          if (responseCodes(error).includes(OFFSET_OUT_OF_RANGE)) {
            const responses = (error as { response?: FetchResponse }).response?.responses ?? [];
            for (const t of responses) {
              for (const p of t.partitions) {
                if (p.errorCode !== OFFSET_OUT_OF_RANGE) continue;
                const topic = topicIds.get(t.topicId) ?? "";
                const i = byTopic.get(topic)?.find((j) => ranges[j]!.partition === p.partitionIndex);
                throw outOfRange(topic, p.partitionIndex, i === undefined ? -1 : next[i]!);
              }
            }
            const i = indexes[0]!;
            throw outOfRange(ranges[i]!.topic, ranges[i]!.partition, next[i]!);
          }
          throw this.explain(error, `reading records of ${indexes.map((i) => `${ranges[i]!.topic}-${ranges[i]!.partition}`).join(", ")}`);
        }
        for (const t of response.responses) {
          const topic = topicIds.get(t.topicId);
          if (topic === undefined) continue;
          for (const p of t.partitions) {
            const i = byTopic.get(topic)!.find((j) => ranges[j]!.partition === p.partitionIndex);
            if (i === undefined) continue;
            const { until } = ranges[i]!;
            const from = next[i]!;
            let reached = from;
            for (const batch of p.records ?? []) {
              const first = Number(batch.firstOffset);
              const last = first + batch.lastOffsetDelta;
              if (last + 1 > reached) reached = Math.min(until, last + 1);
              if ((batch.attributes & IS_CONTROL) !== 0) continue;
              for (const record of batch.records as ClientRecord[]) {
                const offset = first + record.offsetDelta;
                if (offset < from || offset >= until) continue;
                keptBytes += 20 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
                kept++;
                out[i]!.push({
                  offset,
                  timestamp: Number(batch.firstTimestamp + record.timestampDelta),
                  key: record.key,
                  value: record.value,
                  headers: record.headers.map(([k, v]) => [k === null ? "" : utf8.decode(k), v] as const),
                });
              }
            }
            if (reached === from && (p.records?.length ?? 0) === 0 && Number(p.highWatermark) <= from) {
              // The log ends before the range does: records were fixed as there, so they were
              // truncated (unclean leader election) or aborted; stop rather than spin.
              throw new KafkaSourceError(
                "offsetOutOfRange",
                `Kafka partition ${topic}-${p.partitionIndex} ends at offset ${p.highWatermark} but the batch's range goes to ${until}: the log was truncated; restart from a fresh checkpoint or with startingOffsets "latest"`,
              );
            }
            next[i] = reached;
          }
        }
      }));
      idle = next.reduce((a, b) => a + b, 0) === before ? idle + 1 : 0;
    }
  }

  async close(): Promise<void> {
    // force: no leave-group round trip (this consumer never joined one).
    await Promise.all([
      ...[this.#consumer, this.#committer].map((c) => new Promise<void>((resolve) => c.close(true, () => resolve()))),
      this.#admin?.close().catch(() => undefined),
    ]);
  }
}
