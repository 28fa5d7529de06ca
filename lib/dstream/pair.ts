/**
 * Operations on pair streams, `DStream<readonly [K, V]>`. Keys compare by value:
 * two `["a", 1]` keys are one key.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import type { DStream } from "./dstream.ts";
import { TransformedDStream } from "./dstream.ts";

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
    return new TransformedDStream(self, "reduceByKey", (rdd) => (rdd as RDD<readonly [K, Widen<V>]>).reduceByKey(f, n));
  };

/**
 * Applies `f` to each value, keeping its key.
 *
 * @category pairs
 * @since 0.1.0
 */
export const mapValues =
  <V, W>(f: (v: V) => W) => <K>(self: DStream<readonly [K, V]>): DStream<readonly [K, W]> =>
    new TransformedDStream(self, "mapValues", (rdd) => rdd.mapValues(f));
