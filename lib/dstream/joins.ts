/**
 * Two-stream operations on pair streams: `join`, the outer joins and `cogroup` pair the
 * two streams' RDDs of the same batch time. Both streams must come from one context and
 * slide alike, which is checked when the pipeline is built. Dual: `join(a, b)`, or
 * `pipe(a, join(b))`.
 *
 * @module
 */
import type { Option } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { type DStream, isDStream } from "./dstream.ts";
import { DStreamNode, nodeOf } from "./_node.ts";
import { checkPartitions } from "./_checks.ts";
import { dual, firstTwoAreStreams } from "./_dual.ts";
import { asGroup } from "../_grouped.ts";

/** Throws, when the pipeline is built, unless both streams share a context and a slide. */
const checkPairable = (operation: string, left: DStreamNode<unknown>, right: unknown): DStreamNode<unknown> => {
  if (!isDStream(right)) {
    throw new TypeError(`${operation}'s other stream must be a DStream, got ${right === null ? "null" : typeof right}`);
  }
  const other = nodeOf(right, operation);
  if (left.context !== other.context) {
    throw new Error(
      `${operation} needs two streams of one StreamingContext, but ${left.name} and ${other.name} belong to different contexts: create both streams from the same StreamingContext`,
    );
  }
  if (!left.slideDuration.equals(other.slideDuration)) {
    throw new Error(
      `${operation} needs two streams with the same slide duration, but ${left.name} slides every ${left.slideDuration} and ${other.name} every ${other.slideDuration}: window one of them so both slide alike`,
    );
  }
  return other;
};

/** A node whose RDD at each time combines its two parents' RDDs at that time. */
export class PairedDStream<A, B, C> extends DStreamNode<C> {
  readonly #left: DStreamNode<A>;
  readonly #right: DStreamNode<B>;
  readonly #combine: (left: RDD<A>, right: RDD<B>) => RDD<C>;

  constructor(kind: string, left: DStreamNode<A>, right: DStreamNode<B>, combine: (left: RDD<A>, right: RDD<B>) => RDD<C>) {
    super(left.context, kind, [left as DStreamNode<unknown>, right as DStreamNode<unknown>], left.slideDuration);
    this.#left = left;
    this.#right = right;
    this.#combine = combine;
  }

  protected override compute(time: Time): RDD<C> | undefined {
    const left = this.#left.getOrCompute(time);
    const right = this.#right.getOrCompute(time);
    if (left === undefined || right === undefined) {
      const missing = left === undefined ? this.#left : this.#right;
      throw new Error(
        `${this.name} got no RDD from ${missing.name} at time ${time}: both streams must produce an RDD at every batch time`,
      );
    }
    return this.#combine(left, right);
  }
}

/** The data-first body of a two-stream pair operation named `kind`. */
const paired = <K, V, W, C>(
  kind: string,
  combine: (a: RDD<readonly [K, V]>, b: RDD<readonly [K, W]>, numPartitions: number) => RDD<C>,
) =>
(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<C> => {
  const left = nodeOf(self, kind);
  const right = checkPairable(kind, left as DStreamNode<unknown>, other) as DStreamNode<readonly [K, W]>;
  const n = checkPartitions(kind, left as DStreamNode<unknown>, numPartitions);
  return new PairedDStream(kind, left, right, (a, b) => combine(a, b, n));
};

const checkOther = (operation: string) => (other: unknown): void => {
  if (!isDStream(other)) throw new TypeError(`${operation}'s other stream must be a DStream, got ${other === null ? "null" : typeof other}`);
};

/**
 * Pairs the values of keys present in both streams' batches at the same time: for a key
 * with values `v1, v2` on this side and `w1` on the other, `[k, [v1, w1]]` and
 * `[k, [v2, w1]]`. Both streams must come from one context and have the same slide.
 *
 * @example
 * ```ts
 * import { foreachRDD, join, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const orders = ssc.queueStream([[["apple", 3] as const]]);
 * const prices = ssc.queueStream([[["apple", 0.5] as const, ["pear", 0.7] as const]]);
 * const seen: unknown[] = [];
 * pipe(orders, join(prices), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[["apple", [3, 0.5]]]]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const join: {
  <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number): <V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, readonly [V, W]]>;
  <K, V, W>(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<readonly [K, readonly [V, W]]>;
} = dual(paired("join", (a, b, n) => a.join(b, n)), firstTwoAreStreams, checkOther("join"));

/**
 * Every pair of this stream, with the other stream's matching values at the same batch
 * time as `some`, or `none` when the other side has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const leftOuterJoin: {
  <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number): <V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, readonly [V, Option<W>]]>;
  <K, V, W>(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<readonly [K, readonly [V, Option<W>]]>;
} = dual(paired("leftOuterJoin", (a, b, n) => a.leftOuterJoin(b, n)), firstTwoAreStreams, checkOther("leftOuterJoin"));

/**
 * Every pair of the other stream, with this stream's matching values at the same batch
 * time as `some`, or `none` when this side has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const rightOuterJoin: {
  <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number): <V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, readonly [Option<V>, W]]>;
  <K, V, W>(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<readonly [K, readonly [Option<V>, W]]>;
} = dual(paired("rightOuterJoin", (a, b, n) => a.rightOuterJoin(b, n)), firstTwoAreStreams, checkOther("rightOuterJoin"));

/**
 * Every key of either stream's batch, with each side's values as `some`, or `none` for
 * the side that has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const fullOuterJoin: {
  <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number): <V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, readonly [Option<V>, Option<W>]]>;
  <K, V, W>(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<readonly [K, readonly [Option<V>, Option<W>]]>;
} = dual(paired("fullOuterJoin", (a, b, n) => a.fullOuterJoin(b, n)), firstTwoAreStreams, checkOther("fullOuterJoin"));

/**
 * For each key in either stream's batch at the same time, its values on this side and on
 * the other (either array may be empty).
 *
 * @category pairs
 * @since 0.1.0
 */
export const cogroup: {
  <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number): <V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, readonly [ReadonlyArray<V>, ReadonlyArray<W>]]>;
  <K, V, W>(self: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number): DStream<readonly [K, readonly [ReadonlyArray<V>, ReadonlyArray<W>]]>;
} = dual(paired("cogroup", (a, b, n) => a.cogroup(b, n).map((kv) => (asGroup(kv[1][0]), asGroup(kv[1][1]), kv), "cogroup")), firstTwoAreStreams, checkOther("cogroup"));
