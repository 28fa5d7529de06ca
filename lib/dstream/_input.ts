/**
 * Input streams: the roots of a pipeline. At each batch time the context asks every
 * input for the records of that batch (`allocate`) before any RDD is computed, so an
 * input's batch is fixed when the batch is generated, however late it is processed.
 * An input may need I/O for that (listing a directory, reading files): `take` may
 * return a promise, and the scheduler awaits the inputs one after another, in batch order.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import { DStreamNode } from "./_node.ts";
import type { StreamingGraph } from "./_graph.ts";

/**
 * What an input gives one batch: its records and how many there are.
 *
 * @category spi
 * @since 0.2.0
 */
export interface TakenBatch<A> {
  readonly rdd: RDD<A>;
  readonly count: number;
  /**
   * The partitions as `local[n]` worker threads are sent them, when the input holds them
   * in a form cheaper to copy than their records (see {@link ShippedPartition}); the
   * pieces must give the same records. Without it, the records.
   */
  readonly shipped?: () => ReadonlyArray<ShippedPartition>;
}

/**
 * A partition of an input's batch as a `local[n]` worker thread is sent it: its records
 * in the pieces the input holds them as, read in order. A piece is an array of records,
 * or lines packed as one text (`\n` between lines) that the worker splits itself, so
 * the driver neither splits nor copies line by line what another thread reads.
 *
 * @category spi
 * @since 0.2.0
 */
export interface ShippedPartition {
  readonly count: number;
  readonly pieces: ReadonlyArray<ReadonlyArray<unknown> | string>;
}

/**
 * A stream fed from outside the pipeline.
 *
 * @category model
 * @since 0.1.0
 */
export abstract class InputDStream<A> extends DStreamNode<A> {
  readonly #allocated = new Map<number, RDD<A>>();
  readonly #counts = new Map<number, number>();
  /** The batches taken with a `shipped` form, by batch time. */
  readonly #shipped = new Map<number, () => ReadonlyArray<ShippedPartition>>();

  constructor(context: StreamingGraph, kind: string) {
    super(context, kind, [], context.batchDuration);
    context.registerInput(this as InputDStream<unknown>);
  }

  /** What the input reads from, part of its checkpoint name (`kind(identity)`); override it to name the source. */
  override get sourceIdentity(): string {
    return "";
  }

  /** Starts receiving (connecting, watching…); must not block. */
  start(): void {}

  /** Stops receiving and releases what it holds. */
  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** True while records have arrived that no batch has taken yet (a promise when finding out needs I/O). */
  hasPendingRecords(): boolean | Promise<boolean> {
    return false;
  }

  /**
   * The records that make up the batch at `time`, with their count; a promise when
   * fixing them needs I/O. `this.context.backlog()` tells whether to take less.
   */
  protected abstract take(time: Time): TakenBatch<A> | Promise<TakenBatch<A>>;

  /** Fixes the records of the batch at `time`; returns how many there are (a promise when `take` returned one). */
  allocate(time: Time): number | Promise<number> {
    const taken = this.take(time);
    return taken instanceof Promise ? taken.then((batch) => this.#keep(time, batch)) : this.#keep(time, taken);
  }

  #keep(time: Time, { rdd, count, shipped }: TakenBatch<A>): number {
    this.#allocated.set(time.milliseconds, rdd);
    this.#counts.set(time.milliseconds, count);
    if (shipped !== undefined) this.#shipped.set(time.milliseconds, shipped);
    return count;
  }

  /** True while the batch at `time` is fixed and still remembered (`slice` recomputes from it). */
  hasBatch(time: Time): boolean {
    return this.#allocated.has(time.milliseconds);
  }

  /** The latest batch time this input has fixed, if any. */
  latestBatchTime(): Time | undefined {
    let latest: number | undefined;
    for (const t of this.#allocated.keys()) if (latest === undefined || t > latest) latest = t;
    return latest === undefined ? undefined : new Time(latest);
  }

  /** How many records the batch at `time` took from this input. */
  recordsAt(time: Time): number {
    return this.#counts.get(time.milliseconds) ?? 0;
  }

  /**
   * The partitions of the batch at `time` as sent to `local[n]` worker threads (see
   * {@link ShippedPartition}): the `shipped` form `take` gave, else their records.
   */
  shippedPartitions(time: Time): ReadonlyArray<ShippedPartition> {
    const shipped = this.#shipped.get(time.milliseconds);
    if (shipped !== undefined) return shipped();
    const parts = this.getOrCompute(time)?.collectPartitions() ?? [];
    return parts.map((records) => ({ count: records.length, pieces: [records] }));
  }

  protected override compute(time: Time): RDD<A> | undefined {
    return this.#allocated.get(time.milliseconds) ?? RDD.empty<A>();
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    const remember = this.rememberDuration?.milliseconds ?? this.slideDuration.milliseconds;
    for (const t of this.#allocated.keys()) {
      if (t <= time.milliseconds - remember) {
        this.#allocated.delete(t);
        this.#counts.delete(t);
        this.#shipped.delete(t);
      }
    }
  }
}
