/**
 * Stateless operations: each batch's RDD is a function of the parent's RDD at the same
 * batch time. Every combinator is dual: `map(stream, f)`, or `map(f)` for `pipe`.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import type { DStream } from "./dstream.ts";
import { type DStreamNode, nodeOf, TransformedDStream } from "./_node.ts";
import { checkFunction, checkPartitions, noParentRDD, runTransform } from "./_checks.ts";
import { dual } from "./_dual.ts";

const transformed = <A, B>(
  self: DStream<A>,
  kind: string,
  f: (rdd: RDD<A>, time: Time, name: string) => RDD<B>,
): DStream<B> => new TransformedDStream(nodeOf(self, kind), kind, f);

const checkFunctionArg = (operation: string, name: string) => (f: unknown): void => checkFunction(operation, name, f);

// -------------------------------------------------------------------------------------
// mapping
// -------------------------------------------------------------------------------------

/**
 * Applies `f` to every record.
 *
 * @example
 * ```ts
 * import { map, ManualClock, pipe, foreachRDD, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: Array<ReadonlyArray<readonly [string, number]>> = [];
 * pipe(ssc.queueStream([["a", "b"]]), map((word: string) => [word, 1] as const), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[["a", 1], ["b", 1]]]);
 * ```
 * @category mapping
 * @since 0.1.0
 */
export const map: {
  <A, B>(f: (a: A) => B): (self: DStream<A>) => DStream<B>;
  <A, B>(self: DStream<A>, f: (a: A) => B): DStream<B>;
} = dual(
  <A, B>(self: DStream<A>, f: (a: A) => B): DStream<B> => {
    checkFunction("map", "function", f);
    return transformed(self, "map", (rdd, _time, name) => rdd.map(f, name));
  },
  undefined,
  checkFunctionArg("map", "function"),
);

/**
 * Applies `f` to every record and flattens the iterables it returns.
 *
 * @category mapping
 * @since 0.1.0
 */
export const flatMap: {
  <A, B>(f: (a: A) => Iterable<B>): (self: DStream<A>) => DStream<B>;
  <A, B>(self: DStream<A>, f: (a: A) => Iterable<B>): DStream<B>;
} = dual(
  <A, B>(self: DStream<A>, f: (a: A) => Iterable<B>): DStream<B> => {
    checkFunction("flatMap", "function", f);
    return transformed(self, "flatMap", (rdd, _time, name) => rdd.flatMap(f, name));
  },
  undefined,
  checkFunctionArg("flatMap", "function"),
);

/**
 * Applies `f` to each partition's records at once, with the partition's index.
 *
 * @category mapping
 * @since 0.1.0
 */
export const mapPartitions: {
  <A, B>(f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>): (self: DStream<A>) => DStream<B>;
  <A, B>(self: DStream<A>, f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>): DStream<B>;
} = dual(
  <A, B>(self: DStream<A>, f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>): DStream<B> => {
    checkFunction("mapPartitions", "function", f);
    return transformed(self, "mapPartitions", (rdd, _time, name) => rdd.mapPartitions(f, name));
  },
  undefined,
  checkFunctionArg("mapPartitions", "function"),
);

/**
 * Turns each partition into one array.
 *
 * @category mapping
 * @since 0.1.0
 */
export const glom: {
  (): <A>(self: DStream<A>) => DStream<ReadonlyArray<A>>;
  <A>(self: DStream<A>): DStream<ReadonlyArray<A>>;
} = dual(<A>(self: DStream<A>): DStream<ReadonlyArray<A>> => transformed(self, "glom", (rdd) => rdd.glom()));

const checkRepartition = (numPartitions: unknown): void => {
  if (typeof numPartitions !== "number" || !Number.isSafeInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`repartition's numPartitions must be a positive whole number, got ${describeValue(numPartitions)}`);
  }
};

/**
 * Redistributes each batch into exactly `numPartitions` partitions.
 *
 * @category mapping
 * @since 0.1.0
 */
export const repartition: {
  (numPartitions: number): <A>(self: DStream<A>) => DStream<A>;
  <A>(self: DStream<A>, numPartitions: number): DStream<A>;
} = dual(<A>(self: DStream<A>, numPartitions: number): DStream<A> => {
  checkRepartition(numPartitions);
  return transformed(self, "repartition", (rdd) => rdd.repartition(numPartitions));
}, undefined, checkRepartition);

/** The node of `transform`: unlike a `map`, a parent without an RDD fails the batch (Spark's TransformedDStream). */
class TransformDStream<A, B> extends TransformedDStream<A, B> {
  readonly #parent: DStreamNode<A>;

  constructor(parent: DStreamNode<A>, f: (rdd: RDD<A>, time: Time) => RDD<B>) {
    super(parent, "transform", (rdd, time, name) => runTransform<B>("transform", name, time, () => f(rdd, time)));
    this.#parent = parent;
  }

  protected override compute(time: Time): RDD<B> | undefined {
    if (this.#parent.getOrCompute(time) === undefined) throw noParentRDD(this.name, this.#parent.name, time);
    return super.compute(time);
  }
}

/**
 * Runs `f` on each batch's RDD (on the driver, every batch) and uses the RDD it returns.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, type RDD, Seconds, SparkContext, StreamingContext, transform } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: number[][] = [];
 * const odd = (rdd: RDD<number>) => rdd.filter((n) => n % 2 === 1);
 * pipe(ssc.queueStream([[3, 1, 2]]), transform(odd), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[3, 1]]);
 * ```
 * @category mapping
 * @since 0.1.0
 */
export const transform: {
  <A, B>(f: (rdd: RDD<A>, time: Time) => RDD<B>): (self: DStream<A>) => DStream<B>;
  <A, B>(self: DStream<A>, f: (rdd: RDD<A>, time: Time) => RDD<B>): DStream<B>;
} = dual(
  <A, B>(self: DStream<A>, f: (rdd: RDD<A>, time: Time) => RDD<B>): DStream<B> => {
    checkFunction("transform", "function", f);
    return new TransformDStream(nodeOf(self, "transform"), f);
  },
  undefined,
  checkFunctionArg("transform", "function"),
);

/**
 * Names a stream: its metrics (`BatchInfo.metrics`) and its checkpointed state are kept
 * under this name, so it should stay the same when the code around it changes. Returns
 * the same stream; names are unique within a context and set before `start()`.
 *
 * @example
 * ```ts
 * import { ManualClock, named, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock: new ManualClock() });
 * const words = pipe(ssc.queueStream([["a"]]), named("words"));
 * assert.equal(words.name, "words");
 * ```
 * @category naming
 * @since 0.1.0
 */
export const named: {
  (name: string): <S extends DStream<unknown>>(self: S) => S;
  <S extends DStream<unknown>>(self: S, name: string): S;
} = dual(<S extends DStream<unknown>>(self: S, name: string): S => {
  nodeOf(self, "named").setName(name);
  return self;
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
  <A, B extends A>(self: DStream<A>, refinement: (a: A) => a is B): DStream<B>;
  <A>(self: DStream<A>, predicate: (a: A) => boolean): DStream<A>;
} = dual(
  <A>(self: DStream<A>, predicate: (a: A) => boolean): DStream<A> => {
    checkFunction("filter", "predicate", predicate);
    return transformed(self, "filter", (rdd, _time, name) => rdd.filter(predicate, name));
  },
  undefined,
  checkFunctionArg("filter", "predicate"),
);

// -------------------------------------------------------------------------------------
// folding
// -------------------------------------------------------------------------------------

const add = (a: number, b: number): number => a + b;

// -------------------------------------------------------------------------------------
// -------------------------------------------------------------------------------------

/**
 * One record per batch: how many records the batch has (0 for an empty batch).
 *
 * @category folding
 * @since 0.1.0
 */
export const count: {
  (): <A>(self: DStream<A>) => DStream<number>;
  <A>(self: DStream<A>): DStream<number>;
} = dual(<A>(self: DStream<A>): DStream<number> =>
  transformed(self, "count", (rdd) => new RDD<number>(1, (_, emit) => emit(rdd.count())))
);

/**
 * One record per non-empty batch: every record combined with `f` (associative).
 * An empty batch gives an empty RDD, as in Spark.
 *
 * @category folding
 * @since 0.1.0
 */
export const reduce: {
  <A>(f: (a: A, b: A) => A): (self: DStream<A>) => DStream<A>;
  <A>(self: DStream<A>, f: (a: A, b: A) => A): DStream<A>;
} = dual(
  <A>(self: DStream<A>, f: (a: A, b: A) => A): DStream<A> => {
    checkFunction("reduce", "function", f);
    return transformed(self, "reduce", (rdd, _time, name) =>
      new RDD<A>(1, (_, emit) => {
        const result = rdd.reduceOption(f, name);
        if (result._tag === "Some") emit(result.value);
      }));
  },
  undefined,
  checkFunctionArg("reduce", "function"),
);

/**
 * Each distinct record with the number of times it occurs in the batch.
 *
 * @category folding
 * @since 0.1.0
 */
export const countByValue: {
  (numPartitions?: number): <A>(self: DStream<A>) => DStream<readonly [A, number]>;
  <A>(self: DStream<A>, numPartitions?: number): DStream<readonly [A, number]>;
} = dual(<A>(self: DStream<A>, numPartitions?: number): DStream<readonly [A, number]> => {
  const node = nodeOf(self, "countByValue");
  const n = checkPartitions("countByValue", node as DStreamNode<unknown>, numPartitions);
  return new TransformedDStream(node, "countByValue", (rdd) => rdd.map((a): readonly [A, number] => [a, 1]).reduceByKey(add, n));
});
