/**
 * Operations over several streams: `union`, `unionAll` and `transformWith`. The streams
 * must come from one context and slide alike, which is checked when the pipeline is
 * built.
 *
 * Two-stream operations are dual too: data-first when given two streams,
 * `union(a, b)`, data-last when given one, `pipe(a, union(b))`.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import { type DStream, isDStream } from "./dstream.ts";
import { DStreamNode, nodeOf } from "./_node.ts";
import { dual, firstTwoAreStreams } from "./_dual.ts";
import { noParentRDD, runTransform } from "./_checks.ts";

/** Checks that `streams` can be combined: DStreams of one context with one slide duration. */
export const checkCombinable = (operation: string, streams: ReadonlyArray<unknown>): ReadonlyArray<DStreamNode<unknown>> => {
  if (streams.length === 0) {
    throw new RangeError(`${operation} needs at least one stream, got none: pass e.g. ${operation}([a, b])`);
  }
  const checked = streams.map((stream, i) => {
    if (!isDStream(stream)) {
      throw new TypeError(`${operation}'s stream ${i} must be a DStream, got ${describeValue(stream)}`);
    }
    return nodeOf(stream, operation);
  });
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

/** A node whose RDD at each time combines its parents' RDDs at that time; every parent must have one. */
export class CombinedDStream<B> extends DStreamNode<B> {
  readonly #combine: (rdds: ReadonlyArray<RDD<unknown>>, time: Time, name: string) => RDD<B>;

  constructor(
    streams: ReadonlyArray<DStreamNode<unknown>>,
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
      if (rdd === undefined) throw noParentRDD(this.name, parent.name, time);
      return rdd;
    });
    return this.#combine(rdds, time, this.name);
  }
}

const unionOf = <A>(operation: string, streams: ReadonlyArray<unknown>): DStream<A> =>
  new CombinedDStream<A>(checkCombinable(operation, streams), "union", (rdds) => RDD.union(rdds as ReadonlyArray<RDD<A>>));

/**
 * The records of this stream and of `other`, batch by batch (Spark's `union`). The
 * streams must come from one context and have the same slide duration. For more than
 * two, `unionAll([a, b, c])` or `ssc.union([a, b, c])`.
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
export const union: {
  <B>(other: DStream<B>): <A>(self: DStream<A>) => DStream<A | B>;
  <A, B>(self: DStream<A>, other: DStream<B>): DStream<A | B>;
} = dual(
  <A, B>(self: DStream<A>, other: DStream<B>): DStream<A | B> => unionOf<A | B>("union", [self, other]),
  firstTwoAreStreams,
  (other: unknown, ...more: unknown[]) => {
    if (more.length > 0) {
      throw new TypeError("union takes one other stream: write unionAll([a, b, c]) or ssc.union([a, b, c]) for more");
    }
    if (!isDStream(other)) throw new TypeError(`union's other stream must be a DStream, got ${describeValue(other)}`);
  },
);

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
 * Runs `f` on the RDDs of every stream at each batch time (on the driver) and uses the
 * RDD it returns (Spark's `StreamingContext.transform`).
 *
 * @category combining
 * @since 0.2.0
 */
export const transformAll = <B>(
  streams: ReadonlyArray<DStream<unknown>>,
  f: (rdds: ReadonlyArray<RDD<unknown>>, time: Time) => RDD<B>,
): DStream<B> => {
  if (!Array.isArray(streams)) {
    throw new TypeError(`transform takes an array of DStreams, got ${describeValue(streams)}: write ssc.transform([a, b], (rdds, time) => …)`);
  }
  if (typeof f !== "function") throw new TypeError(`transform needs a function (rdds, time) => rdd, got ${describeValue(f)}`);
  return new CombinedDStream<B>(checkCombinable("transform", streams), "transform", (rdds, time, name) =>
    runTransform<B>("transform", name, time, () => f(rdds, time)));
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
export const transformWith: {
  <A, B, C>(other: DStream<B>, f: (a: RDD<A>, b: RDD<B>, time: Time) => RDD<C>): (self: DStream<A>) => DStream<C>;
  <A, B, C>(self: DStream<A>, other: DStream<B>, f: (a: RDD<A>, b: RDD<B>, time: Time) => RDD<C>): DStream<C>;
} = dual(
  <A, B, C>(self: DStream<A>, other: DStream<B>, f: (a: RDD<A>, b: RDD<B>, time: Time) => RDD<C>): DStream<C> => {
    if (typeof f !== "function") {
      throw new TypeError(`transformWith needs a function (rddA, rddB, time) => rdd, got ${describeValue(f)}`);
    }
    const streams = checkCombinable("transformWith", [self, other]);
    return new CombinedDStream<C>(streams, "transformWith", (rdds, time, name) =>
      runTransform<C>("transformWith", name, time, () => f(rdds[0] as RDD<A>, rdds[1] as RDD<B>, time)));
  },
  firstTwoAreStreams,
  (_other: unknown, f: unknown) => {
    if (typeof f !== "function") {
      throw new TypeError(`transformWith needs a function (rddA, rddB, time) => rdd, got ${describeValue(f)}`);
    }
  },
);
