/**
 * `slice`: the RDDs a started stream produced between two batch times.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import { Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import { type DStream, isDStream } from "./dstream.ts";
import { nodeOf } from "./_node.ts";

const toTime = (t: Time | number, name: string): Time => {
  if (t instanceof Time) return t;
  if (typeof t === "number" && Number.isSafeInteger(t)) return new Time(t);
  throw new TypeError(`slice's ${name} must be a Time or a whole number of milliseconds, got ${describeValue(t)}`);
};

const sliceOf = <A>(stream: DStream<A>, from: Time | number, to: Time | number): ReadonlyArray<RDD<A>> => {
  if (!isDStream(stream)) throw new TypeError(`slice needs a DStream, got ${describeValue(stream)}`);
  const self = nodeOf(stream, "slice");
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
