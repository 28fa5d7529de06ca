/**
 * Per-batch operations on pair streams, `DStream<readonly [K, V]>`: `reduceByKey`,
 * `groupByKey`, `combineByKey`, `mapValues`, `flatMapValues`. Each works on each batch
 * alone; keys compare by value (two `["a", 1]` keys are one key; see `keyBy` for class
 * instances). Dual: `reduceByKey(stream, f)` or `reduceByKey(f)` for `pipe`.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import type { DStream } from "./dstream.ts";
import { CombinedByKeyDStream, type DStreamNode, nodeOf, TransformedDStream } from "./_node.ts";
import { checkFunction, checkPartitions } from "./_checks.ts";
import { dual } from "./_dual.ts";
import { asGroup } from "../_grouped.ts";

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

/**
 * Merges the values of each key in a batch with `f`, which must be associative.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, reduceByKey, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream([[["a", 1] as const, ["b", 1] as const, ["a", 1] as const]]),
 *   reduceByKey((x, y) => x + y),
 *   foreachRDD((rdd) => void seen.push(rdd.collectAsMap())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [new Map([["a", 2], ["b", 1]])]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const reduceByKey: {
  <V>(f: (a: Widen<V>, b: Widen<V>) => Widen<V>, numPartitions?: number): <K>(self: DStream<readonly [K, V]>) => DStream<readonly [K, Widen<V>]>;
  <K, V>(self: DStream<readonly [K, V]>, f: (a: Widen<V>, b: Widen<V>) => Widen<V>, numPartitions?: number): DStream<readonly [K, Widen<V>]>;
} = dual(
  <K, V>(self: DStream<readonly [K, V]>, f: (a: V, b: V) => V, numPartitions?: number): DStream<readonly [K, V]> => {
    checkFunction("reduceByKey", "function", f);
    const node = nodeOf(self, "reduceByKey");
    const n = checkPartitions("reduceByKey", node as DStreamNode<unknown>, numPartitions);
    const functions = { createCombiner: (v: V) => v, mergeValue: f, mergeCombiners: f, isReduce: true };
    return new CombinedByKeyDStream(node, "reduceByKey", functions, n, (rdd, _time, name) => rdd.reduceByKey(f, n, name));
  },
  undefined,
  (f: unknown) => checkFunction("reduceByKey", "function", f),
);

/**
 * Applies `f` to each value, keeping its key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const mapValues: {
  <V, W>(f: (v: V) => W): <K>(self: DStream<readonly [K, V]>) => DStream<readonly [K, W]>;
  <K, V, W>(self: DStream<readonly [K, V]>, f: (v: V) => W): DStream<readonly [K, W]>;
} = dual(
  <K, V, W>(self: DStream<readonly [K, V]>, f: (v: V) => W): DStream<readonly [K, W]> => {
    checkFunction("mapValues", "function", f);
    return new TransformedDStream(nodeOf(self, "mapValues"), "mapValues", (rdd, _time, name) => rdd.mapValues(f, name));
  },
  undefined,
  (f: unknown) => checkFunction("mapValues", "function", f),
);

/**
 * Applies `f` to each value and pairs every value it returns with the key.
 *
 * @example
 * ```ts
 * import { flatMapValues, foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * // Spark's BasicOperationsSuite "flatMapValues"
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(ssc.queueStream([[["a", 2] as const]]), flatMapValues((n: number) => [n, n + 10]), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[["a", 2], ["a", 12]]]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const flatMapValues: {
  <V, W>(f: (v: V) => Iterable<W>): <K>(self: DStream<readonly [K, V]>) => DStream<readonly [K, W]>;
  <K, V, W>(self: DStream<readonly [K, V]>, f: (v: V) => Iterable<W>): DStream<readonly [K, W]>;
} = dual(
  <K, V, W>(self: DStream<readonly [K, V]>, f: (v: V) => Iterable<W>): DStream<readonly [K, W]> => {
    checkFunction("flatMapValues", "function", f);
    return new TransformedDStream(nodeOf(self, "flatMapValues"), "flatMapValues", (rdd, _time, name) => rdd.flatMapValues(f, name));
  },
  undefined,
  (f: unknown) => checkFunction("flatMapValues", "function", f),
);

/**
 * Groups the values of each key in a batch, in arrival order.
 *
 * @example
 * ```ts
 * import { foreachRDD, groupByKey, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream([[["a", 1] as const, ["a", 1] as const, ["b", 1] as const]]),
 *   groupByKey(),
 *   foreachRDD((rdd) => void seen.push(rdd.collectAsMap())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [new Map([["a", [1, 1]], ["b", [1]]])]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const groupByKey: {
  (numPartitions?: number): <K, V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, ReadonlyArray<Widen<V>>]>;
  <K, V>(self: DStream<readonly [K, V]>, numPartitions?: number): DStream<readonly [K, ReadonlyArray<Widen<V>>]>;
} = dual(<K, V>(self: DStream<readonly [K, V]>, numPartitions?: number): DStream<readonly [K, ReadonlyArray<V>]> => {
  const node = nodeOf(self, "groupByKey");
  const n = checkPartitions("groupByKey", node as DStreamNode<unknown>, numPartitions);
  return new TransformedDStream(node, "groupByKey", (rdd: RDD<readonly [K, V]>) =>
    // Marked as groups, so pprint shows (a,[1, 1]) and not a tuple.
    rdd.groupByKey(n).map((kv) => (asGroup(kv[1]), kv), "groupByKey"));
});

/**
 * Spark's `combineByKey`: per batch, builds one combiner per key from its first value
 * (`createCombiner`) and folds in the others (`mergeValue`). `mergeCombiners` merges two
 * partial combiners; it must agree with the other two.
 *
 * @example
 * ```ts
 * import { combineByKey, foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * // sum and count per key, for an average
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream([[["a", 2] as const, ["a", 4] as const]]),
 *   combineByKey(
 *     (v: number) => [v, 1] as const,
 *     (c: readonly [number, number], v: number) => [c[0] + v, c[1] + 1] as const,
 *     (x: readonly [number, number], y: readonly [number, number]) => [x[0] + y[0], x[1] + y[1]] as const,
 *   ),
 *   foreachRDD((rdd) => void seen.push(rdd.collect())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[["a", [6, 2]]]]);
 * ```
 * @category pairs
 * @since 0.1.0
 */
export const combineByKey: {
  <V, C>(
    createCombiner: (v: Widen<V>) => C,
    mergeValue: (c: C, v: Widen<V>) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
  ): <K>(self: DStream<readonly [K, V]>) => DStream<readonly [K, C]>;
  <K, V, C>(
    self: DStream<readonly [K, V]>,
    createCombiner: (v: Widen<V>) => C,
    mergeValue: (c: C, v: Widen<V>) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
  ): DStream<readonly [K, C]>;
} = dual(
  <K, V, C>(
    self: DStream<readonly [K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
  ): DStream<readonly [K, C]> => {
    checkCombiners(createCombiner, mergeValue, mergeCombiners);
    const node = nodeOf(self, "combineByKey");
    const n = checkPartitions("combineByKey", node as DStreamNode<unknown>, numPartitions);
    return new CombinedByKeyDStream(
      node,
      "combineByKey",
      { createCombiner, mergeValue, mergeCombiners, isReduce: false },
      n,
      (rdd, _time, name) => rdd.combineByKey(createCombiner, mergeValue, mergeCombiners, n, name),
    );
  },
  undefined,
  (createCombiner: unknown, mergeValue: unknown, mergeCombiners: unknown) => checkCombiners(createCombiner, mergeValue, mergeCombiners),
);

const checkCombiners = (createCombiner: unknown, mergeValue: unknown, mergeCombiners: unknown): void => {
  checkFunction("combineByKey", "createCombiner", createCombiner);
  checkFunction("combineByKey", "mergeValue", mergeValue);
  checkFunction("combineByKey", "mergeCombiners", mergeCombiners);
};
