/**
 * `queueStream`: batches from a list, one per batch time (Spark's QueueInputDStream),
 * for tests and demos.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { InputDStream } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import type { DStream } from "../dstream/dstream.ts";

/**
 * Options for `queueStream`.
 *
 * @category inputs
 * @since 0.1.0
 */
export interface QueueStreamOptions<A> {
  /**
   * Take one queued batch per batch time (default), or everything queued; while the
   * job is backlogged (half of `maxPendingBatches` wait), one even then.
   */
  readonly oneAtATime?: boolean;
  /** The batch used when the queue is empty; an empty batch by default. */
  readonly defaultBatch?: ReadonlyArray<A> | RDD<A>;
}

const checkBatch = <A>(batch: unknown, where: string): ReadonlyArray<A> | RDD<A> => {
  if (Array.isArray(batch) || batch instanceof RDD) return batch as ReadonlyArray<A> | RDD<A>;
  throw new TypeError(
    `queueStream's ${where} must be a batch (an array of records or an RDD), got ${batch === null ? "null" : typeof batch}: wrap single records in an array, e.g. [["a", "b"], ["c"]]`,
  );
};

/**
 * The stream `ssc.queueStream(batches)` returns: `enqueue` adds batches while the
 * context runs.
 *
 * @category inputs
 * @since 0.2.0
 */
export interface QueueDStream<A> extends DStream<A> {
  /** Adds batches at the end of the queue; allowed while the context runs. */
  enqueue(...batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>): void;
  /** How many batches wait in the queue. */
  readonly size: number;
}

/** A queue of batches (Spark's QueueInputDStream). */
export class QueueInputDStream<A> extends InputDStream<A> implements QueueDStream<A> {
  #queue: Array<ReadonlyArray<A> | RDD<A>>;
  /** Where the queue starts in `#queue`: taking a batch moves this, not the array. */
  #head = 0;
  readonly #oneAtATime: boolean;
  readonly #defaultBatch: ReadonlyArray<A> | RDD<A> | undefined;

  constructor(context: StreamingGraph, batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>, options: QueueStreamOptions<A>) {
    if (!Array.isArray(batches)) {
      throw new TypeError(
        `queueStream's batches must be an array of batches (each an array of records or an RDD), got ${batches === null ? "null" : typeof batches}`,
      );
    }
    // Copied, so later changes to the caller's array do not leak in (use enqueue instead).
    const queue = batches.map((batch, i) => checkBatch<A>(batch, `batches[${i}]`));
    const { oneAtATime = true, defaultBatch } = options ?? {};
    if (typeof oneAtATime !== "boolean") {
      throw new TypeError(`queueStream's oneAtATime must be true or false, got ${typeof oneAtATime}`);
    }
    const checkedDefault = defaultBatch === undefined ? undefined : checkBatch<A>(defaultBatch, "defaultBatch");
    super(context, "queueStream");
    this.#queue = queue;
    this.#oneAtATime = oneAtATime;
    this.#defaultBatch = checkedDefault;
  }

  /** A queue has no outside source: it is known by its creation order. */
  override get sourceIdentity(): string {
    return String(this.id);
  }

  /** Adds batches at the end of the queue; allowed while the context runs. */
  enqueue(...batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>): void {
    batches.forEach((batch, i) => this.#queue.push(checkBatch<A>(batch, `enqueue's batch ${i}`)));
  }

  /** How many batches wait in the queue. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Takes one queued batch, or all of them (`oneAtATime: false`, unless the job is
   * backlogged: then one, and the rest stay queued); never shifts the array (a long
   * queue stays linear).
   */
  #dequeue(): Array<ReadonlyArray<A> | RDD<A>> {
    const queue = this.#queue;
    if (this.#head >= queue.length) return [];
    if (!this.#oneAtATime && !this.context.backlog().backlogged) {
      const all = queue.slice(this.#head);
      this.#queue = [];
      this.#head = 0;
      return all;
    }
    const batch = queue[this.#head]!;
    this.#head++;
    if (this.#head * 2 > queue.length && this.#head > 1024) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    return [batch];
  }

  protected override take(_time: Time): { readonly rdd: RDD<A>; readonly count: number } {
    const taken = this.#dequeue();
    const batches = taken.length > 0 ? taken : this.#defaultBatch === undefined ? [] : [this.#defaultBatch];
    const rdds = batches.map((batch) => batch instanceof RDD ? batch : RDD.fromArray(batch, Math.min(this.context.defaultParallelism, Math.max(batch.length, 1))));
    const rdd = rdds.length === 0 ? RDD.empty<A>() : RDD.union(rdds);
    let count = 0;
    for (const batch of batches) count += batch instanceof RDD ? batch.count() : batch.length;
    return { rdd, count };
  }
}
