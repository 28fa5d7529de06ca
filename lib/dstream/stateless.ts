/**
 * Stateless operations: each batch's RDD is a function of the parent's RDD at the
 * same batch time. Data-last, for `pipe`.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { type DStream, TransformedDStream } from "./dstream.ts";
import { namedTransform } from "./_named.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";

// -------------------------------------------------------------------------------------
// mapping
// -------------------------------------------------------------------------------------

/**
 * Applies `f` to every record.
 *
 * @example
 * ```ts
 * import { map } from "@dstreams/dstreams";
 * const toPair = map((word: string) => [word, 1] as const);
 * ```
 * @category mapping
 * @since 0.1.0
 */
export const map = <A, B>(f: (a: A) => B) => (self: DStream<A>): DStream<B> =>
  namedTransform(self, "map", (rdd, _time, name) => rdd.map(f, name));

/**
 * Applies `f` to every record and flattens the iterables it returns.
 *
 * @category mapping
 * @since 0.1.0
 */
export const flatMap = <A, B>(f: (a: A) => Iterable<B>) => (self: DStream<A>): DStream<B> =>
  namedTransform(self, "flatMap", (rdd, _time, name) => rdd.flatMap(f, name));

/**
 * Applies `f` to each partition's records at once.
 *
 * @category mapping
 * @since 0.1.0
 */
export const mapPartitions =
  <A, B>(f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>) => (self: DStream<A>): DStream<B> =>
    namedTransform(self, "mapPartitions", (rdd, _time, name) => rdd.mapPartitions(f, name));

/**
 * Turns each partition into one array.
 *
 * @category mapping
 * @since 0.1.0
 */
export const glom = <A>() => (self: DStream<A>): DStream<ReadonlyArray<A>> =>
  new TransformedDStream(self, "glom", (rdd) => rdd.glom());

/**
 * Redistributes each batch into exactly `numPartitions` partitions.
 *
 * @category mapping
 * @since 0.1.0
 */
export const repartition = (numPartitions: number) => <A>(self: DStream<A>): DStream<A> => {
  if (!Number.isSafeInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`repartition's numPartitions must be a positive whole number, got ${String(numPartitions)}`);
  }
  return new TransformedDStream(self, "repartition", (rdd) => rdd.repartition(numPartitions));
};

/**
 * Runs `f` on each batch's RDD (on the driver, every batch) and uses the RDD it returns.
 *
 * @category mapping
 * @since 0.1.0
 */
export const transform = <A, B>(f: (rdd: RDD<A>, time: Time) => RDD<B>) => (self: DStream<A>): DStream<B> =>
  namedTransform(self, "transform", (rdd, time, name) => {
    let out: RDD<B>;
    try {
      out = f(rdd, time);
    } catch (error) {
      throw userFunctionError(name, error);
    }
    if (out === null || out === undefined) {
      throw new TypeError(
        `transform's function returned ${String(out)} at time ${time}: return an RDD (RDD.empty() for no records)`,
      );
    }
    return out;
  });

// -------------------------------------------------------------------------------------
// filtering
// -------------------------------------------------------------------------------------

/**
 * Keeps the records that satisfy `predicate`; a type guard narrows the record type.
 *
 * @category filtering
 * @since 0.1.0
 */
export const filter: {
  <A, B extends A>(refinement: (a: A) => a is B): (self: DStream<A>) => DStream<B>;
  <A>(predicate: (a: A) => boolean): <B extends A>(self: DStream<B>) => DStream<B>;
} = <A>(predicate: (a: A) => boolean) => (self: DStream<A>): DStream<A> =>
  namedTransform(self, "filter", (rdd, _time, name) => rdd.filter(predicate, name));

// -------------------------------------------------------------------------------------
// folding
// -------------------------------------------------------------------------------------

/**
 * One record per batch: how many records the batch has (0 for an empty batch).
 *
 * @category folding
 * @since 0.1.0
 */
export const count = () => <A>(self: DStream<A>): DStream<number> =>
  new TransformedDStream(self, "count", (rdd) => new RDD<number>(1, (_, emit) => emit(rdd.count())));

/**
 * One record per non-empty batch: every record combined with `f` (associative).
 * An empty batch gives an empty RDD, as in Spark.
 *
 * @category folding
 * @since 0.1.0
 */
export const reduce = <A>(f: (a: A, b: A) => A) => (self: DStream<A>): DStream<A> =>
  namedTransform(self, "reduce", (rdd, _time, name) =>
    new RDD<A>(1, (_, emit) => {
      const result = rdd.reduceOption(f, name);
      if (result._tag === "Some") emit(result.value);
    }));

/**
 * Each distinct record with the number of times it occurs in the batch.
 *
 * @category folding
 * @since 0.1.0
 */
export const countByValue = (numPartitions?: number) => <A>(self: DStream<A>): DStream<readonly [A, number]> =>
  new TransformedDStream(self, "countByValue", (rdd) => rdd.countByValue(numPartitions ?? self.context.defaultParallelism));
