/**
 * Stateless operations: each batch's RDD is a function of the parent's RDD at the
 * same batch time. Data-last, for `pipe`.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import { DStream, isDStream, TransformedDStream } from "./dstream.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { describeValue } from "../_describe.ts";

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
  new TransformedDStream(self, "map", (rdd, _time, name) => rdd.map(f, name));

/**
 * Applies `f` to every record and flattens the iterables it returns.
 *
 * @category mapping
 * @since 0.1.0
 */
export const flatMap = <A, B>(f: (a: A) => Iterable<B>) => (self: DStream<A>): DStream<B> =>
  new TransformedDStream(self, "flatMap", (rdd, _time, name) => rdd.flatMap(f, name));

/**
 * Applies `f` to each partition's records at once.
 *
 * @category mapping
 * @since 0.1.0
 */
export const mapPartitions =
  <A, B>(f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>) => (self: DStream<A>): DStream<B> =>
    new TransformedDStream(self, "mapPartitions", (rdd, _time, name) => rdd.mapPartitions(f, name));

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
  new TransformedDStream(self, "transform", (rdd, time, name) => {
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

/**
 * Names a stream: its metrics (`BatchInfo.metrics`) and, later, its checkpointed state
 * are kept under this name, so it should stay the same when the code around it changes.
 * Returns the same stream; names are unique within a context and set before `start()`.
 *
 * @example
 * ```ts
 * import { named, reduceByKey } from "@dstreams/dstreams";
 * const wordCounts = reduceByKey((a: number, b: number) => a + b);
 * const nameIt = named("word-counts");
 * ```
 * @category naming
 * @since 0.1.0
 */
export const named = (name: string) => <S extends DStream<unknown>>(self: S): S => self.setName(name);

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
  new TransformedDStream(self, "filter", (rdd, _time, name) => rdd.filter(predicate, name));

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
  new TransformedDStream(self, "reduce", (rdd, _time, name) =>
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

// -------------------------------------------------------------------------------------
// combining streams
// -------------------------------------------------------------------------------------

/** Checks that `streams` can be combined: DStreams of one context with one slide duration. */
const checkCombinable = (operation: string, streams: ReadonlyArray<unknown>): ReadonlyArray<DStream<unknown>> => {
  if (streams.length === 0) {
    throw new RangeError(`${operation} needs at least one stream, got none: pass e.g. ${operation}([a, b])`);
  }
  streams.forEach((stream, i) => {
    if (!isDStream(stream)) {
      throw new TypeError(`${operation}'s stream ${i} must be a DStream, got ${describeValue(stream)}`);
    }
  });
  const checked = streams as ReadonlyArray<DStream<unknown>>;
  const first = checked[0]!;
  for (const stream of checked) {
    if (stream.context !== first.context) {
      throw new Error(
        `${operation} needs streams of one StreamingContext, but ${first.name} and ${stream.name} belong to two different contexts: create every stream of a pipeline from one context`,
      );
    }
    if (!stream.slideDuration.equals(first.slideDuration)) {
      throw new Error(
        `${operation} needs streams with the same slide duration, but ${first.name} slides every ${first.slideDuration} and ${stream.name} every ${stream.slideDuration}: give them one slide first, e.g. with window(windowDuration, slideDuration)`,
      );
    }
  }
  return checked;
};

/** A node whose RDD at each time combines its parents' RDDs at that time. */
class CombinedDStream<B> extends DStream<B> {
  readonly #combine: (rdds: ReadonlyArray<RDD<unknown>>, time: Time, name: string) => RDD<B>;

  constructor(
    streams: ReadonlyArray<DStream<unknown>>,
    kind: string,
    combine: (rdds: ReadonlyArray<RDD<unknown>>, time: Time, name: string) => RDD<B>,
  ) {
    const first = streams[0]!;
    super(first.context, kind, streams, first.slideDuration);
    this.#combine = combine;
  }

  protected override compute(time: Time): RDD<B> {
    const rdds = this.parents.map((parent) => {
      const rdd = parent.getOrCompute(time);
      if (rdd === undefined) {
        throw new Error(
          `${this.name} could not get ${parent.name}'s RDD at time ${time}: every stream it combines must produce an RDD at each of its batch times`,
        );
      }
      return rdd;
    });
    return this.#combine(rdds, time, this.name);
  }
}

const unionOf = <A>(operation: string, streams: ReadonlyArray<unknown>): DStream<A> =>
  new CombinedDStream<A>(checkCombinable(operation, streams), "union", (rdds) => RDD.union(rdds as ReadonlyArray<RDD<A>>));

/**
 * The records of this stream and of `others`, batch by batch (Spark's `union`). The
 * streams must come from one context and have the same slide duration.
 *
 * @example
 * ```ts
 * import { ManualClock, foreachRDD, pipe, Seconds, SparkContext, StreamingContext, union } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Doc" }), Seconds(1), { clock });
 * const seen: number[][] = [];
 * pipe(ssc.queueStream([[1, 2]]), union(ssc.queueStream([[3]])), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [[1, 2, 3]]);
 * ```
 * @category combining
 * @since 0.1.0
 */
export const union = <B = never>(...others: ReadonlyArray<DStream<B>>) => <A>(self: DStream<A>): DStream<A | B> =>
  unionOf<A | B>("union", [self, ...others]);

/**
 * The records of every stream in `streams`, batch by batch (Spark's
 * `StreamingContext.union`). At least one stream; all from one context, with the same
 * slide duration.
 *
 * @category combining
 * @since 0.1.0
 */
export const unionAll = <A>(streams: ReadonlyArray<DStream<A>>): DStream<A> => {
  if (!Array.isArray(streams)) {
    throw new TypeError(`unionAll takes an array of DStreams, got ${describeValue(streams)}: write unionAll([a, b])`);
  }
  return unionOf<A>("unionAll", streams);
};

/**
 * Runs `f` on this stream's and `other`'s RDDs of each batch (on the driver, every
 * batch) and uses the RDD it returns, e.g. to join each batch with another stream's.
 * The streams must come from one context and have the same slide duration.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, type RDD, Seconds, SparkContext, StreamingContext, transformWith } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Doc" }), Seconds(1), { clock });
 * const clicks = ssc.queueStream([[["ann", 3] as const, ["bob", 1] as const]]);
 * const names = ssc.queueStream([[["ann", "Ann Lee"] as const]]);
 * const seen: unknown[] = [];
 * pipe(
 *   clicks,
 *   transformWith(names, (a: RDD<readonly [string, number]>, b: RDD<readonly [string, string]>) => a.join(b)),
 *   foreachRDD((rdd) => void seen.push(...rdd.collect())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * assert.deepEqual(seen, [["ann", [3, "Ann Lee"]]]);
 * ```
 * @category combining
 * @since 0.1.0
 */
export const transformWith =
  <A, B, C>(other: DStream<B>, f: (a: RDD<A>, b: RDD<B>, time: Time) => RDD<C>) => (self: DStream<A>): DStream<C> => {
    if (typeof f !== "function") {
      throw new TypeError(`transformWith needs a function (rddA, rddB, time) => rdd, got ${describeValue(f)}`);
    }
    const streams = checkCombinable("transformWith", [self, other]);
    return new CombinedDStream<C>(streams, "transformWith", (rdds, time, name) => {
      let out: RDD<C>;
      try {
        out = f(rdds[0] as RDD<A>, rdds[1] as RDD<B>, time);
      } catch (error) {
        throw userFunctionError(name, error);
      }
      if (out === null || out === undefined) {
        throw new TypeError(
          `transformWith's function returned ${String(out)} at time ${time}: return an RDD (RDD.empty() for no records)`,
        );
      }
      return out;
    });
  };

// -------------------------------------------------------------------------------------
// querying a started stream
// -------------------------------------------------------------------------------------

const toTime = (t: Time | number, name: string): Time => {
  if (t instanceof Time) return t;
  if (typeof t === "number" && Number.isSafeInteger(t)) return new Time(t);
  throw new TypeError(`slice's ${name} must be a Time or a whole number of milliseconds, got ${describeValue(t)}`);
};

const sliceOf = <A>(self: DStream<A>, from: Time | number, to: Time | number): ReadonlyArray<RDD<A>> => {
  if (!isDStream(self)) throw new TypeError(`slice needs a DStream, got ${describeValue(self)}`);
  const zero = self.zeroTime;
  if (zero === undefined) {
    throw new Error(
      `${self.name} has not been initialized: slice reads the RDDs a stream remembers, so call it after ssc.start() on a stream that an output uses`,
    );
  }
  const slide = self.slideDuration;
  const align = (t: Time, name: string): Time => {
    if ((t.milliseconds - zero.milliseconds) % slide.milliseconds === 0) return t;
    self.context.logger.warn(`${name} (${t}) is not a multiple of slideDuration (${slide}): using ${t.floor(slide, zero)}`);
    return t.floor(slide, zero);
  };
  const first = align(toTime(from, "fromTime"), "fromTime").milliseconds;
  const last = align(toTime(to, "toTime"), "toTime").milliseconds;
  return self.rememberedRDDs()
    .filter(([t]) => t.milliseconds >= first && t.milliseconds <= last && t.milliseconds > zero.milliseconds)
    .map(([, rdd]) => rdd);
};

/**
 * The RDDs a started stream produced between `fromTime` and `toTime`, both included,
 * oldest first (Spark's `DStream.slice`). Times that are not on the stream's slide are
 * floored to it (with a warning); times at or before the start have no RDD. Only RDDs
 * the stream still remembers are returned: keep more with `ssc.remember(duration)`.
 * Throws before the context starts. Call it data-first, `slice(stream, from, to)`, or
 * data-last, `pipe(stream, slice(from, to))`; times are `Time`s or milliseconds.
 *
 * @category querying
 * @since 0.1.0
 */
export const slice: {
  (fromTime: Time | number, toTime: Time | number): <A>(self: DStream<A>) => ReadonlyArray<RDD<A>>;
  <A>(self: DStream<A>, fromTime: Time | number, toTime: Time | number): ReadonlyArray<RDD<A>>;
} = (<A>(...args: [Time | number, Time | number] | [DStream<A>, Time | number, Time | number]) => {
  if (isDStream(args[0])) {
    const [self, from, to] = args as [DStream<A>, Time | number, Time | number];
    return sliceOf(self, from, to);
  }
  const [from, to] = args as [Time | number, Time | number];
  return (self: DStream<A>) => sliceOf(self, from, to);
}) as {
  (fromTime: Time | number, toTime: Time | number): <A>(self: DStream<A>) => ReadonlyArray<RDD<A>>;
  <A>(self: DStream<A>, fromTime: Time | number, toTime: Time | number): ReadonlyArray<RDD<A>>;
};
