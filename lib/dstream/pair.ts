/**
 * Operations on pair streams, `DStream<readonly [K, V]>`. Keys compare by value:
 * two `["a", 1]` keys are one key.
 *
 * Per-batch operations (`reduceByKey`, `groupByKey`, `combineByKey`, `mapValues`,
 * `flatMapValues`) work on each batch alone. Two-stream operations (`join`, the outer
 * joins, `cogroup`) pair the two streams' RDDs of the same batch time; both streams must
 * come from one context and slide alike, which is checked when the pipeline is built.
 *
 * @module
 */
import type { Option } from "fp-ts/lib/Option.js";
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { DStream, TransformedDStream } from "./dstream.ts";

/**
 * A literal type widened to its primitive (`1` to `number`), so that values made with
 * `[word, 1] as const` can be summed.
 *
 * @category model
 * @since 0.1.0
 */
export type Widen<T> = T extends string ? string
  : T extends number ? number
  : T extends boolean ? boolean
  : T extends bigint ? bigint
  : T;

const partitionsOf = (self: DStream<unknown>, numPartitions: number | undefined, operation: string): number => {
  const n = numPartitions ?? self.context.defaultParallelism;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${operation}'s numPartitions must be a positive whole number, got ${String(n)}`);
  }
  return n;
};

// -------------------------------------------------------------------------------------
// per batch
// -------------------------------------------------------------------------------------

/**
 * Merges the values of each key in a batch with `f`, which must be associative.
 *
 * @example
 * ```ts
 * import { reduceByKey } from "@dstreams/dstreams";
 * const sumCounts = reduceByKey((a: number, b: number) => a + b);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const reduceByKey =
  <V>(f: (a: Widen<V>, b: Widen<V>) => Widen<V>, numPartitions?: number) =>
  <K>(self: DStream<readonly [K, V]>): DStream<readonly [K, Widen<V>]> => {
    const n = partitionsOf(self, numPartitions, "reduceByKey");
    return new TransformedDStream(self, "reduceByKey", (rdd, _time, name) => (rdd as RDD<readonly [K, Widen<V>]>).reduceByKey(f, n, name));
  };

/**
 * Applies `f` to each value, keeping its key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const mapValues =
  <V, W>(f: (v: V) => W) => <K>(self: DStream<readonly [K, V]>): DStream<readonly [K, W]> =>
    new TransformedDStream(self, "mapValues", (rdd, _time, name) => rdd.mapValues(f, name));

/**
 * Applies `f` to each value and pairs every value it returns with the key.
 *
 * @example
 * ```ts
 * import { flatMapValues } from "@dstreams/dstreams";
 * // ["a", 2] becomes ["a", 2] and ["a", 12] (Spark's BasicOperationsSuite "flatMapValues")
 * const plusTen = flatMapValues((n: number) => [n, n + 10]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const flatMapValues =
  <V, W>(f: (v: V) => Iterable<W>) => <K>(self: DStream<readonly [K, V]>): DStream<readonly [K, W]> =>
    new TransformedDStream(self, "flatMapValues", (rdd, _time, name) => rdd.flatMapValues(f, name));

/**
 * Groups the values of each key in a batch, in arrival order.
 *
 * @example
 * ```ts
 * import { groupByKey } from "@dstreams/dstreams";
 * // ["a", 1], ["a", 1], ["b", 1] becomes ["a", [1, 1]], ["b", [1]]
 * const grouped = groupByKey();
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const groupByKey =
  (numPartitions?: number) => <K, V>(self: DStream<readonly [K, V]>): DStream<readonly [K, ReadonlyArray<Widen<V>>]> => {
    const n = partitionsOf(self, numPartitions, "groupByKey");
    return new TransformedDStream(self, "groupByKey", (rdd) => (rdd as RDD<readonly [K, Widen<V>]>).groupByKey(n));
  };

/**
 * Spark's `combineByKey`: per batch, builds one combiner per key from its first value
 * (`createCombiner`) and folds in the others (`mergeValue`). `mergeCombiners` merges two
 * partial combiners; it must agree with the other two (one process sees every value of a
 * batch here, so it is not called today).
 *
 * @example
 * ```ts
 * import { combineByKey } from "@dstreams/dstreams";
 * // sum and count per key, for an average
 * const sumCount = combineByKey(
 *   (v: number) => [v, 1] as const,
 *   (c: readonly [number, number], v: number) => [c[0] + v, c[1] + 1] as const,
 *   (a: readonly [number, number], b: readonly [number, number]) => [a[0] + b[0], a[1] + b[1]] as const,
 * );
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const combineByKey = <V, C>(
  createCombiner: (v: Widen<V>) => C,
  mergeValue: (c: C, v: Widen<V>) => C,
  mergeCombiners: (a: C, b: C) => C,
  numPartitions?: number,
) =>
<K>(self: DStream<readonly [K, V]>): DStream<readonly [K, C]> => {
  for (const [what, f] of [["createCombiner", createCombiner], ["mergeValue", mergeValue], ["mergeCombiners", mergeCombiners]] as const) {
    if (typeof f !== "function") throw new TypeError(`combineByKey's ${what} must be a function, got ${typeof f}`);
  }
  const n = partitionsOf(self, numPartitions, "combineByKey");
  return new TransformedDStream(
    self,
    "combineByKey",
    (rdd, _time, name) => (rdd as RDD<readonly [K, Widen<V>]>).combineByKey(createCombiner, mergeValue, mergeCombiners, n, name),
  );
};

// -------------------------------------------------------------------------------------
// two streams
// -------------------------------------------------------------------------------------

/** Throws, when the pipeline is built, unless both streams share a context and a slide. */
const checkPairable = (operation: string, left: DStream<unknown>, right: unknown): void => {
  if (!(right instanceof DStream)) {
    throw new TypeError(`${operation}'s other stream must be a DStream, got ${right === null ? "null" : typeof right}`);
  }
  if (left.context !== right.context) {
    throw new Error(
      `${operation} needs two streams of one StreamingContext, but ${left.name} and ${right.name} belong to different contexts: create both streams from the same StreamingContext`,
    );
  }
  if (!left.slideDuration.equals(right.slideDuration)) {
    throw new Error(
      `${operation} needs two streams with the same slide duration, but ${left.name} slides every ${left.slideDuration} and ${right.name} every ${right.slideDuration}: window one of them so both slide alike`,
    );
  }
};

/** A node whose RDD at each time combines its two parents' RDDs at that time. */
class PairedDStream<A, B, C> extends DStream<C> {
  readonly #left: DStream<A>;
  readonly #right: DStream<B>;
  readonly #combine: (left: RDD<A>, right: RDD<B>) => RDD<C>;

  constructor(kind: string, left: DStream<A>, right: DStream<B>, combine: (left: RDD<A>, right: RDD<B>) => RDD<C>) {
    checkPairable(kind, left as DStream<unknown>, right);
    super(left.context, kind, [left as DStream<unknown>, right as DStream<unknown>], left.slideDuration);
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

/**
 * Pairs the values of keys present in both streams' batches at the same time: for a key
 * with values `v1, v2` on this side and `w1` on the other, `[k, [v1, w1]]` and
 * `[k, [v2, w1]]`. Both streams must come from one context and have the same slide.
 *
 * @example
 * ```ts
 * import { join } from "@dstreams/dstreams";
 * import type { DStream } from "@dstreams/dstreams";
 * // DStream<[K, V]> → DStream<[K, [V, number]]>
 * const withPrices = (prices: DStream<readonly [string, number]>) => join(prices);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const join = <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number) =>
<V>(self: DStream<readonly [K, V]>): DStream<readonly [K, readonly [V, W]]> => {
  const n = partitionsOf(self, numPartitions, "join");
  return new PairedDStream("join", self, other, (a, b) => a.join(b, n));
};

/**
 * Every pair of this stream, with the other stream's matching values at the same batch
 * time as `some`, or `none` when the other side has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const leftOuterJoin = <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number) =>
<V>(self: DStream<readonly [K, V]>): DStream<readonly [K, readonly [V, Option<W>]]> => {
  const n = partitionsOf(self, numPartitions, "leftOuterJoin");
  return new PairedDStream("leftOuterJoin", self, other, (a, b) => a.leftOuterJoin(b, n));
};

/**
 * Every pair of the other stream, with this stream's matching values at the same batch
 * time as `some`, or `none` when this side has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const rightOuterJoin = <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number) =>
<V>(self: DStream<readonly [K, V]>): DStream<readonly [K, readonly [Option<V>, W]]> => {
  const n = partitionsOf(self, numPartitions, "rightOuterJoin");
  return new PairedDStream("rightOuterJoin", self, other, (a, b) => a.rightOuterJoin(b, n));
};

/**
 * Every key of either stream's batch, with each side's values as `some`, or `none` for
 * the side that has no value for the key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const fullOuterJoin = <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number) =>
<V>(self: DStream<readonly [K, V]>): DStream<readonly [K, readonly [Option<V>, Option<W>]]> => {
  const n = partitionsOf(self, numPartitions, "fullOuterJoin");
  return new PairedDStream("fullOuterJoin", self, other, (a, b) => a.fullOuterJoin(b, n));
};

/**
 * For each key in either stream's batch at the same time, its values on this side and on
 * the other (either array may be empty).
 *
 * @category pairs
 * @since 0.1.0
 */
export const cogroup = <K, W>(other: DStream<readonly [K, W]>, numPartitions?: number) =>
<V>(self: DStream<readonly [K, V]>): DStream<readonly [K, readonly [ReadonlyArray<V>, ReadonlyArray<W>]]> => {
  const n = partitionsOf(self, numPartitions, "cogroup");
  return new PairedDStream("cogroup", self, other, (a, b) => a.cogroup(b, n));
};
