/**
 * `DStream<A>`: a discretized stream, as users see it. An immutable lineage node: the
 * combinators return new streams that point at their parents; nothing runs until the
 * context starts, and then each stream computes its RDD once per batch time, however
 * many children read it. The classes that do the work are internal (see `dstreams/spi`).
 *
 * @module
 */
import type { Duration } from "../time/duration.ts";
import type { Pipeable } from "./pipeable.ts";

/**
 * The brand every stream carries (and what {@link isDStream} looks for).
 *
 * @category model
 * @since 0.2.0
 */
export const DStreamTypeId: unique symbol = Symbol.for("dstreams.DStream");

/**
 * The variance marker of {@link DStream}: a stream of `A` is a stream of any supertype.
 *
 * @category model
 * @since 0.2.0
 */
export interface DStreamVariance<out A> {
  readonly _A: (_: never) => A;
}

/**
 * A discretized stream: a sequence of RDDs, one per batch time. Build on it with the
 * combinators (`pipe(stream, map(f))` or `stream.pipe(map(f))`); a stream never changes.
 *
 * @category model
 * @since 0.1.0
 */
export interface DStream<out A> extends Pipeable {
  readonly [DStreamTypeId]: DStreamVariance<A>;
  /** A stable name: the one given with `named`, else kind and creation order, e.g. `"map-3"`. */
  readonly name: string;
  /** What kind of stream this is (`"map"`, `"socketTextStream"`, …). */
  readonly kind: string;
  /** Creation order within the context, from 0. */
  readonly id: number;
  /** The interval between this stream's RDDs. */
  readonly slideDuration: Duration;
  /**
   * Keeps the RDD of each batch once computed, for the outputs and windows that read it
   * (Spark's `cache`). Streams read by several outputs are cached without asking.
   * Returns this stream.
   */
  cache(): this;
  /** Spark's `persist()`: the same as {@link DStream.cache} (one process, memory only). */
  persist(): this;
  /** The stream's name. */
  toString(): string;
}

/**
 * True for DStreams: how the dual combinators tell `map(stream, f)` from `map(f)`.
 *
 * @example
 * ```ts
 * import { isDStream, ManualClock, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock: new ManualClock() });
 * assert.equal(isDStream(ssc.queueStream([[1]])), true);
 * assert.equal(isDStream([1]), false);
 * ```
 * @category model
 * @since 0.1.0
 */
export const isDStream = (u: unknown): u is DStream<unknown> => typeof u === "object" && u !== null && DStreamTypeId in u;
