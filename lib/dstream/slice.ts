/**
 * `slice`: the RDDs a started stream produced between two batch times.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import { type DStream, isDStream } from "./dstream.ts";
import { type DStreamNode, nodeOf, TransformedDStream } from "./_node.ts";
import { InputDStream } from "./_input.ts";
import { CombinedDStream } from "./multi_stream.ts";
import { PairedDStream } from "./joins.ts";
import { WindowedDStream } from "./_window_nodes.ts";

const toTime = (t: Time | number, name: string): Time => {
  if (t instanceof Time) return t;
  if (typeof t === "number" && Number.isSafeInteger(t)) return new Time(t);
  throw new TypeError(`slice's ${name} must be a Time or a whole number of milliseconds, got ${describeValue(t)}`);
};

/** The zero time of `node` or, for a stream no output reads, of an ancestor that an output reads. */
const zeroTimeOf = (node: DStreamNode<unknown>): Time | undefined => {
  if (node.zeroTime !== undefined) return node.zeroTime;
  for (const parent of node.parents) {
    const zero = zeroTimeOf(parent);
    if (zero !== undefined) return zero;
  }
  return undefined;
};

/** Whether `node`'s RDD at `time` can be had: remembered, recomputable, not yet generated, or why not. */
type Availability = "available" | "notYet" | { readonly reason: string };

/** The parent times a stateless node reads for its RDD at `time`. */
const parentTimes = (node: DStreamNode<unknown>, time: Time): ReadonlyArray<readonly [DStreamNode<unknown>, Time]> | undefined => {
  if (node instanceof TransformedDStream || node instanceof CombinedDStream || node instanceof PairedDStream) {
    return node.parents.map((parent) => [parent, time] as const);
  }
  if (node instanceof WindowedDStream) {
    const parent = node.parents[0]!;
    const step = parent.slideDuration.milliseconds;
    const zero = parent.zeroTime?.milliseconds ?? 0;
    const times: Array<readonly [DStreamNode<unknown>, Time]> = [];
    for (let t = time.milliseconds - node.windowDuration.milliseconds + step; t <= time.milliseconds; t += step) {
      if (t > zero) times.push([parent, new Time(t)]);
    }
    return times;
  }
  return undefined;
};

const availability = (node: DStreamNode<unknown>, time: Time): Availability => {
  if (node.rememberedRDDs().some(([t]) => t.milliseconds === time.milliseconds)) return "available";
  if (node instanceof InputDStream) {
    if (node.hasBatch(time)) return "available";
    const latest = node.latestBatchTime();
    if (latest === undefined || time.milliseconds > latest.milliseconds) return "notYet";
    return { reason: `${node.name} no longer remembers its batch at ${time}` };
  }
  const needed = parentTimes(node, time);
  if (needed === undefined) {
    return { reason: `${node.name} carries state from batch to batch, so its forgotten RDD at ${time} cannot be recomputed` };
  }
  let result: Availability = "available";
  for (const [parent, t] of needed) {
    const a = availability(parent, t);
    if (typeof a === "object") return a;
    if (a === "notYet") result = "notYet";
  }
  return result;
};

const sliceOf = <A>(stream: DStream<A>, from: Time | number, to: Time | number): ReadonlyArray<RDD<A>> => {
  if (!isDStream(stream)) throw new TypeError(`slice needs a DStream, got ${describeValue(stream)}`);
  const self = nodeOf(stream, "slice");
  const zero = zeroTimeOf(self as DStreamNode<unknown>);
  if (zero === undefined) {
    throw new Error(
      `${self.name} has not been initialized: slice reads the RDDs a stream remembers, so call it after ssc.start() on a stream built on streams that an output uses`,
    );
  }
  // A stream no output reads was not initialized at start: it computes from its parents.
  self.initialize(zero);
  const slide = self.slideDuration;
  const align = (t: Time, name: string): Time => {
    if ((t.milliseconds - zero.milliseconds) % slide.milliseconds === 0) return t;
    self.context.logger.warn(`${name} (${t}) is not a multiple of slideDuration (${slide}): using ${t.floor(slide, zero)}`);
    return t.floor(slide, zero);
  };
  const first = Math.max(align(toTime(from, "fromTime"), "fromTime").milliseconds, zero.milliseconds + slide.milliseconds);
  const last = align(toTime(to, "toTime"), "toTime").milliseconds;
  const rdds: RDD<A>[] = [];
  for (let t = first; t <= last; t += slide.milliseconds) {
    const time = new Time(t);
    const a = availability(self as DStreamNode<unknown>, time);
    if (a === "notYet") break;
    if (typeof a === "object") {
      throw new Error(
        `slice cannot give ${self.name}'s RDD at ${time}: ${a.reason}. Keep more with ssc.remember(duration) before start(), e.g. ssc.remember(Minutes(1)), or slice a later range`,
      );
    }
    const rdd = self.getOrCompute(time);
    if (rdd !== undefined) rdds.push(rdd);
  }
  return rdds;
};

/**
 * The RDDs of a started stream between `fromTime` and `toTime`, both included, oldest
 * first (Spark's `DStream.slice`). Times that are not on the stream's slide are floored
 * to it (with a warning); times at or before the start, and after the latest batch, have
 * no RDD. An RDD the stream has not generated or has forgotten is computed again from
 * its parents, as Spark does, while its inputs still remember that batch (as long as the
 * longest window over them, or `ssc.remember(duration)`): this works through stateless
 * steps and windows, and for a stream that no output reads. Otherwise (an input forgot
 * the batch, or a stateful step forgot its RDD) it throws, naming the time: keep more
 * with `ssc.remember(duration)`. Throws before the context starts. Call it data-first,
 * `slice(stream, from, to)`, or data-last, `pipe(stream, slice(from, to))`; times are
 * `Time`s or milliseconds.
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
