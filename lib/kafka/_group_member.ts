/**
 * Membership of a Kafka consumer group through `@platformatic/kafka`'s classic group
 * protocol: join, heartbeat, and every new assignment reported with its generation. The
 * client rejoins by itself when a heartbeat hears of a rebalance; this wrapper reports
 * that moment (`onRebalance`) and the assignment that ends it (`onAssignment`). It never
 * fetches through the group: the scale-out stream reads its partitions by position.
 *
 * @module
 */
import { Consumer } from "@platformatic/kafka";

export interface Assignment {
  readonly generation: number;
  readonly memberId: string;
  readonly partitions: ReadonlyArray<number>;
}

export interface GroupMemberOptions {
  readonly brokers: ReadonlyArray<string>;
  readonly groupId: string;
  readonly clientId: string;
  readonly topic: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly timeoutMs: number;
  onAssignment(assignment: Assignment): void;
  onRebalance(): void;
  onError(error: unknown): void;
}

export class GroupMember {
  readonly #consumer: Consumer;
  readonly #options: GroupMemberOptions;
  #closed = false;

  constructor(options: GroupMemberOptions) {
    this.#options = options;
    this.#consumer = new Consumer({
      clientId: options.clientId,
      groupId: options.groupId,
      bootstrapBrokers: [...options.brokers],
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      retries: 5,
      retryDelay: 200,
      timeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      autocreateTopics: false,
    });
    this.#consumer.topics.trackAll(options.topic);
    this.#consumer.on("consumer:group:join", (event: { generationId: number; memberId: string; assignments: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<number> }> | null }) => {
      if (this.#closed) return;
      const partitions = (event.assignments ?? []).filter((a) => a.topic === options.topic).flatMap((a) => [...a.partitions]).sort((a, b) => a - b);
      options.onAssignment({ generation: event.generationId, memberId: event.memberId, partitions });
    });
    this.#consumer.on("consumer:group:rebalance", () => {
      if (!this.#closed) options.onRebalance();
    });
    // A failed rejoin is emitted as "error": an EventEmitter without a listener would throw.
    this.#consumer.on("error", (error: unknown) => {
      if (!this.#closed) options.onError(error);
    });
  }

  /** Joins the group; the first assignment comes through `onAssignment`. */
  async join(): Promise<void> {
    await this.#consumer.joinGroup({
      sessionTimeout: this.#options.sessionTimeoutMs,
      rebalanceTimeout: this.#options.rebalanceTimeoutMs,
      heartbeatInterval: this.#options.heartbeatIntervalMs,
    });
  }

  /** Commits next offsets as this member (best effort: the shared store holds the truth). */
  async commit(offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: number }>): Promise<void> {
    if (offsets.length === 0 || this.#closed) return;
    await this.#consumer.commit({ offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) });
  }

  /** Leaves the group (its partitions go to the others at once) and closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#consumer.leaveGroup(true, () => resolve()));
    await new Promise<void>((resolve) => this.#consumer.close(true, () => resolve()));
  }
}
