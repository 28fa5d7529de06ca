/**
 * Window operations: each output batch covers the parent's batches of the last
 * `windowDuration`, and a windowed stream emits every `slideDuration` (by default the
 * parent's slide). Every combinator is dual: `window(stream, w, s)` or `window(w, s)`.
 *
 * Spark's rules hold: window and slide are multiples of the parent stream's slide
 * duration (checked when the pipeline is built); a window emits only at times that are
 * multiples of its slide from the context's zero time; the window at `t` covers the
 * parent's batches in `(t − windowDuration, t]`, so the first windows are partial; a
 * slide longer than the window is allowed, and the batches between two windows then
 * belong to none. The inverse forms need no checkpoint directory: their state lives in
 * the node.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { describeValue } from "../_describe.ts";
import type { DStream } from "./dstream.ts";
import { type DStreamNode, nodeOf, TransformedDStream } from "./_node.ts";
import type { Widen } from "./pair.ts";
import { checkDuration, checkFunction, checkPartitions, durationSource } from "./_checks.ts";
import { dual } from "./_dual.ts";
import {
  BatchUnderWindowDStream,
  type InverseWindowFunctions,
  ReducedWindowedDStream,
  type WindowSpec,
  WindowedDStream,
} from "./_window_nodes.ts";
import {
  groupBatchIntoColumns,
  groupWindowFromColumns,
  reduceBatchIntoColumns,
  reduceByKeyInCells,
  reduceWindowByKey,
  WindowKeyIds,
} from "./_window_keyed.ts";

// -------------------------------------------------------------------------------------
// validation (at build time)
// -------------------------------------------------------------------------------------

const checkMultiple = (operation: string, name: string, d: Duration, parent: DStreamNode<unknown>): void => {
  const p = parent.slideDuration.milliseconds;
  if (d.milliseconds % p !== 0) {
    const up = Math.ceil(d.milliseconds / p) * p;
    throw new RangeError(
      `${operation}'s ${name} (${d}) must be a multiple of the parent stream's slide duration (${parent.slideDuration}): use e.g. ${durationSource(up)}`,
    );
  }
};

/** Checks a window's durations against its parent and returns them (slide defaulting to the parent's). */
const checkWindow = (
  operation: string,
  parent: DStreamNode<unknown>,
  windowDuration: unknown,
  slideDuration: unknown,
): WindowSpec => {
  const window = checkDuration(operation, "windowDuration", windowDuration);
  const slide = slideDuration === undefined ? parent.slideDuration : checkDuration(operation, "slideDuration", slideDuration);
  checkMultiple(operation, "windowDuration", window, parent);
  checkMultiple(operation, "slideDuration", slide, parent);
  return { window, slide };
};

/** The inverse-window node (named `kind`) over the parent's per-batch reduced values. */
const reducedWindow = <K, V>(
  parent: DStreamNode<readonly [K, V]>,
  operation: string,
  kind: string,
  spec: WindowSpec,
  functions: InverseWindowFunctions<K, V>,
  numPartitions: number,
): DStreamNode<readonly [K, V]> => {
  const { reduceFunc, invReduceFunc, filterFunc } = functions;
  checkFunction(operation, "invReduceFunc", invReduceFunc);
  if (filterFunc !== undefined) checkFunction(operation, "filterFunc", filterFunc);
  const reduced = new BatchUnderWindowDStream(
    parent,
    `${operation}.reduceByKey`,
    (rdd, _time, name) => reduceByKeyInCells(rdd, reduceFunc, numPartitions, name),
    spec.window,
  );
  return new ReducedWindowedDStream(reduced, kind, spec, functions, numPartitions);
};

// -------------------------------------------------------------------------------------
// windows
// -------------------------------------------------------------------------------------

/**
 * Every record of the parent's batches in the last `windowDuration`, emitted every
 * `slideDuration` (default: the parent's slide). Both must be multiples of the parent's
 * slide duration.
 *
 * @example
 * ```ts
 * import { ManualClock, pipe, foreachRDD, Seconds, SparkContext, StreamingContext, window } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext({ appName: "Doc" }), Seconds(1), { clock });
 * const seen: number[][] = [];
 * pipe(ssc.queueStream([[0], [1], [2]]), window(Seconds(2)), foreachRDD((rdd) => void seen.push(rdd.collect())));
 * ssc.start();
 * await clock.advance(Seconds(3));
 * await ssc.stop();
 * assert.deepEqual(seen, [[0], [0, 1], [1, 2]]);
 * ```
 * @category windows
 * @since 0.1.0
 */
export const window: {
  (windowDuration: Duration, slideDuration?: Duration): <A>(self: DStream<A>) => DStream<A>;
  <A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration): DStream<A>;
} = dual(<A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration): DStream<A> => {
  const parent = nodeOf(self, "window");
  return new WindowedDStream(parent, "window", checkWindow("window", parent as DStreamNode<unknown>, windowDuration, slideDuration));
});

/**
 * How many records the window holds, one number per slide. Uses the inverse form:
 * a window that held records and is now empty gives 0; before any record, an empty RDD.
 *
 * @category windows
 * @since 0.1.0
 */
export const countByWindow: {
  (windowDuration: Duration, slideDuration?: Duration): <A>(self: DStream<A>) => DStream<number>;
  <A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration): DStream<number>;
} = dual(<A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration): DStream<number> => {
  const parent = nodeOf(self, "countByWindow");
  const spec = checkWindow("countByWindow", parent as DStreamNode<unknown>, windowDuration, slideDuration);
  const ones = new TransformedDStream(parent, "countByWindow.ones", (rdd) => rdd.map((): readonly [0, number] => [0, 1]));
  const functions = { reduceFunc: add, invReduceFunc: subtract, filterFunc: undefined };
  const windowed = reducedWindow(ones, "countByWindow", "countByWindow.window", spec, functions, 1);
  return new TransformedDStream(windowed, "countByWindow", (rdd) => rdd.values());
});

const add = (a: number, b: number): number => a + b;
const subtract = (a: number, b: number): number => a - b;

/** A user's inverse function: a function, or `undefined`/`null` for none (PySpark's `invFunc=None`). */
const isInverseArgument = (u: unknown): u is ((a: never, b: never) => unknown) | undefined | null =>
  typeof u === "function" || u === undefined || u === null;

/**
 * All the window's records combined with `reduceFunc` (associative): one record per
 * slide, none while the window is empty.
 *
 * With `invReduceFunc` (so that `invReduceFunc(reduceFunc(a, b), b) = a`), each slide
 * only subtracts the batches that left and adds those that entered; once the window
 * has held a record it always has one (for sums: 0 after the data left).
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, reduceByWindow, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const totals: number[][] = [];
 * pipe(
 *   ssc.queueStream([[1, 2], [3], [4]]),
 *   reduceByWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Seconds(2)),
 *   foreachRDD((rdd) => void totals.push(rdd.collect())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(3));
 * await ssc.stop();
 * assert.deepEqual(totals, [[3], [6], [7]]);
 * ```
 * @category windows
 * @since 0.1.0
 */
export const reduceByWindow: {
  <A>(reduceFunc: (a: A, b: A) => A, windowDuration: Duration, slideDuration?: Duration): (self: DStream<A>) => DStream<A>;
  <A>(
    reduceFunc: (a: A, b: A) => A,
    invReduceFunc: ((a: A, b: A) => A) | undefined,
    windowDuration: Duration,
    slideDuration?: Duration,
  ): (self: DStream<A>) => DStream<A>;
  <A>(self: DStream<A>, reduceFunc: (a: A, b: A) => A, windowDuration: Duration, slideDuration?: Duration): DStream<A>;
  <A>(
    self: DStream<A>,
    reduceFunc: (a: A, b: A) => A,
    invReduceFunc: ((a: A, b: A) => A) | undefined,
    windowDuration: Duration,
    slideDuration?: Duration,
  ): DStream<A>;
} = dual(<A>(
  self: DStream<A>,
  reduceFunc: (a: A, b: A) => A,
  second: ((a: A, b: A) => A) | Duration | undefined,
  third?: Duration,
  fourth?: Duration,
): DStream<A> => {
  const operation = "reduceByWindow";
  const parent = nodeOf(self, operation);
  checkFunction(operation, "reduceFunc", reduceFunc);
  const inverseForm = !(second instanceof Duration) && isInverseArgument(second);
  const spec = inverseForm
    ? checkWindow(operation, parent as DStreamNode<unknown>, third, fourth)
    : checkWindow(operation, parent as DStreamNode<unknown>, second, third);
  if (inverseForm && typeof second === "function") {
    const keyed = new TransformedDStream(parent, "reduceByWindow.keyed", (rdd) => rdd.map((a): readonly [0, A] => [0, a]));
    const functions = { reduceFunc, invReduceFunc: second, filterFunc: undefined };
    const windowed = reducedWindow(keyed, operation, `${operation}.window`, spec, functions, 1);
    return new TransformedDStream(windowed, operation, (rdd) => rdd.values());
  }
  const reduceOnce = (rdd: RDD<A>, _time: Time, name: string): RDD<A> =>
    new RDD<A>(1, (_, emit) => {
      const result = rdd.reduceOption(reduceFunc, name);
      if (result._tag === "Some") emit(result.value);
    });
  const perBatch = new BatchUnderWindowDStream(parent, "reduceByWindow.reduce", reduceOnce, spec.window);
  return new TransformedDStream(new WindowedDStream(perBatch, "reduceByWindow.window", spec), operation, reduceOnce);
});

// -------------------------------------------------------------------------------------
// windows of pair streams
// -------------------------------------------------------------------------------------

/**
 * The options form of {@link reduceByKeyAndWindow}'s last arguments.
 *
 * @category windows
 * @since 0.2.0
 */
export interface ReduceByKeyAndWindowOptions<K, V> {
  /** The inverse of the reduce function (`-` for `+`): each slide then costs what enters and leaves. */
  readonly inverse?: (a: V, b: V) => V;
  /** With `inverse`: keeps a key only while it passes (e.g. `([, n]) => n !== 0`). */
  readonly filter?: (kv: readonly [K, V]) => boolean;
  /** Partitions of the result (default: the context's default parallelism). */
  readonly numPartitions?: number;
}

const isOptionsObject = (u: unknown): u is ReduceByKeyAndWindowOptions<unknown, unknown> =>
  typeof u === "object" && u !== null && !(u instanceof Duration);

const checkOptions = (operation: string, options: ReduceByKeyAndWindowOptions<unknown, unknown>): void => {
  for (const key of Object.keys(options)) {
    if (key !== "inverse" && key !== "filter" && key !== "numPartitions") {
      throw new TypeError(`${operation}'s options have no ${JSON.stringify(key)}: use inverse, filter or numPartitions`);
    }
  }
  if (options.filter !== undefined && options.inverse === undefined) {
    throw new TypeError(`${operation}'s filter needs inverse: without an inverse function every window is reduced again, and a key with no values is absent anyway`);
  }
};

/**
 * Each key's values over the window, merged with `reduceFunc` (associative), emitted
 * every `slideDuration` (default: the parent's slide). Keys compare by value.
 *
 * Without an inverse, every slide reduces the whole window again (Spark's
 * `reduceByKey(f).window(w, s).reduceByKey(f)`); a key with no values in the window is
 * absent.
 *
 * With an inverse (`invReduceFunc(reduceFunc(a, b), b) = a`, e.g. `-` for `+`), each
 * slide only subtracts the batches that left the window and adds those that entered, so
 * it costs the same at any window length. A key whose values all left stays with the
 * identity value (e.g. `["a", 0]`), as in Spark, unless the filter drops it: it runs on
 * the pairs that changed in each slide and must be a pure function of the pair (keep
 * `([, n]) => n !== 0`, for instance). The window's values live in the node, so no
 * checkpoint directory is needed.
 *
 * The arguments follow Spark's order, `(reduceFunc, windowDuration, slideDuration?,
 * numPartitions?)` or `(reduceFunc, invReduceFunc, windowDuration, slideDuration?,
 * numPartitions?, filterFunc?)` (an `undefined` inverse, PySpark's `invFunc=None`, means
 * none); or the options form, `(reduceFunc, windowDuration, slideDuration, { inverse,
 * filter, numPartitions })`.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, reduceByKeyAndWindow, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const seen: unknown[] = [];
 * pipe(
 *   ssc.queueStream([[["a", 1] as const], [["a", 1] as const, ["b", 1] as const], []]),
 *   // word counts over the last 2 seconds, every second
 *   reduceByKeyAndWindow((x, y) => x + y, Seconds(2), Seconds(1), { inverse: (x, y) => x - y, filter: ([, n]) => n > 0 }),
 *   foreachRDD((rdd) => void seen.push(rdd.collectAsMap())),
 * );
 * ssc.start();
 * await clock.advance(Seconds(3));
 * await ssc.stop();
 * assert.deepEqual(seen, [new Map([["a", 1]]), new Map([["a", 2], ["b", 1]]), new Map([["a", 1], ["b", 1]])]);
 * ```
 * @category windows
 * @since 0.1.0
 */
export const reduceByKeyAndWindow: {
  <V>(
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
  ): <K>(self: DStream<readonly [K, V]>) => DStream<readonly [K, Widen<V>]>;
  <V, KF = unknown>(
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    windowDuration: Duration,
    slideDuration: Duration | undefined,
    options: ReduceByKeyAndWindowOptions<KF, Widen<V>>,
  ): <K extends KF>(self: DStream<readonly [K, V]>) => DStream<readonly [K, Widen<V>]>;
  <V, KF = unknown>(
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    invReduceFunc: ((a: Widen<V>, b: Widen<V>) => Widen<V>) | undefined | null,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
    filterFunc?: (kv: readonly [KF, Widen<V>]) => boolean,
  ): <K extends KF>(self: DStream<readonly [K, V]>) => DStream<readonly [K, Widen<V>]>;
  <K, V>(
    self: DStream<readonly [K, V]>,
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
  ): DStream<readonly [K, Widen<V>]>;
  <K, V>(
    self: DStream<readonly [K, V]>,
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    windowDuration: Duration,
    slideDuration: Duration | undefined,
    options: ReduceByKeyAndWindowOptions<K, Widen<V>>,
  ): DStream<readonly [K, Widen<V>]>;
  <K, V>(
    self: DStream<readonly [K, V]>,
    reduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    invReduceFunc: ((a: Widen<V>, b: Widen<V>) => Widen<V>) | undefined | null,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
    filterFunc?: (kv: readonly [K, Widen<V>]) => boolean,
  ): DStream<readonly [K, Widen<V>]>;
} = dual(<K, V>(
  self: DStream<readonly [K, V]>,
  reduceFunc: (a: V, b: V) => V,
  second: ((a: V, b: V) => V) | Duration | undefined | null,
  third?: Duration,
  fourth?: Duration | number | ReduceByKeyAndWindowOptions<K, V>,
  fifth?: number,
  sixth?: (kv: readonly [K, V]) => boolean,
): DStream<readonly [K, V]> => {
  const operation = "reduceByKeyAndWindow";
  const parent = nodeOf(self, operation);
  checkFunction(operation, "reduceFunc", reduceFunc);
  let spec: WindowSpec;
  let options: ReduceByKeyAndWindowOptions<K, V>;
  if (second instanceof Duration || !isInverseArgument(second)) {
    spec = checkWindow(operation, parent as DStreamNode<unknown>, second, third);
    if (isOptionsObject(fourth)) {
      checkOptions(operation, fourth);
      options = fourth as ReduceByKeyAndWindowOptions<K, V>;
    } else {
      if (fourth !== undefined && typeof fourth !== "number") {
        throw new TypeError(`${operation}'s numPartitions must be a number, got ${describeValue(fourth)}`);
      }
      options = fourth === undefined ? {} : { numPartitions: fourth };
    }
  } else {
    spec = checkWindow(operation, parent as DStreamNode<unknown>, third, fourth);
    options = {
      ...(typeof second === "function" ? { inverse: second } : {}),
      ...(fifth === undefined ? {} : { numPartitions: fifth }),
      ...(sixth === undefined || typeof second !== "function" ? {} : { filter: sixth }),
    };
  }
  const n = checkPartitions(operation, parent as DStreamNode<unknown>, options.numPartitions);
  if (options.inverse !== undefined) {
    const functions = { reduceFunc, invReduceFunc: options.inverse, filterFunc: options.filter };
    return reducedWindow(parent, operation, operation, spec, functions, n);
  }
  // Spark's reduceByKey(f).window(w, s).reduceByKey(f), the batches' results kept as columns of key ids.
  const keyIds = new WindowKeyIds<K>();
  const perBatch = new BatchUnderWindowDStream(
    parent,
    `${operation}.reduceByKey`,
    (rdd: RDD<readonly [K, V]>, _time: Time, name: string) => reduceBatchIntoColumns(rdd, reduceFunc, n, name, keyIds),
    spec.window,
    true,
  );
  const windowed = new WindowedDStream(perBatch, `${operation}.window`, spec);
  return new TransformedDStream(windowed, operation, (rdd, _time, name) => reduceWindowByKey(rdd, reduceFunc, n, name, keyIds));
});

/**
 * Each distinct record of the window with how many times it occurs, emitted every
 * `slideDuration`. Uses the inverse form; records whose count drops to 0 are removed.
 *
 * @category windows
 * @since 0.1.0
 */
export const countByValueAndWindow: {
  (windowDuration: Duration, slideDuration?: Duration, numPartitions?: number): <A>(self: DStream<A>) => DStream<readonly [A, number]>;
  <A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration, numPartitions?: number): DStream<readonly [A, number]>;
} = dual(<A>(self: DStream<A>, windowDuration: Duration, slideDuration?: Duration, numPartitions?: number): DStream<readonly [A, number]> => {
  const operation = "countByValueAndWindow";
  const parent = nodeOf(self, operation);
  const spec = checkWindow(operation, parent as DStreamNode<unknown>, windowDuration, slideDuration);
  const n = checkPartitions(operation, parent as DStreamNode<unknown>, numPartitions);
  const pairs = new TransformedDStream(parent, `${operation}.pairs`, (rdd) => rdd.map((a): readonly [A, number] => [a, 1]));
  const functions = { reduceFunc: add, invReduceFunc: subtract, filterFunc: ([, count]: readonly [A, number]) => count !== 0 };
  return reducedWindow(pairs, operation, operation, spec, functions, n);
});

/**
 * Each key's values over the window, in time order, emitted every `slideDuration`
 * (Spark's `groupByKey.window.combineByKey`).
 *
 * @category windows
 * @since 0.1.0
 */
export const groupByKeyAndWindow: {
  (windowDuration: Duration, slideDuration?: Duration, numPartitions?: number): <K, V>(self: DStream<readonly [K, V]>) => DStream<readonly [K, ReadonlyArray<V>]>;
  <K, V>(self: DStream<readonly [K, V]>, windowDuration: Duration, slideDuration?: Duration, numPartitions?: number): DStream<readonly [K, ReadonlyArray<V>]>;
} = dual(<K, V>(
  self: DStream<readonly [K, V]>,
  windowDuration: Duration,
  slideDuration?: Duration,
  numPartitions?: number,
): DStream<readonly [K, ReadonlyArray<V>]> => {
  const operation = "groupByKeyAndWindow";
  const parent = nodeOf(self, operation);
  const spec = checkWindow(operation, parent as DStreamNode<unknown>, windowDuration, slideDuration);
  const n = checkPartitions(operation, parent as DStreamNode<unknown>, numPartitions);
  // The batches' groups kept as columns of key ids (see _window_keyed.ts).
  const keyIds = new WindowKeyIds<K>();
  const grouped = new BatchUnderWindowDStream(parent, `${operation}.groupByKey`, (rdd) => groupBatchIntoColumns(rdd, n, keyIds), spec.window, true);
  const windowed = new WindowedDStream(grouped, `${operation}.window`, spec);
  return new TransformedDStream(windowed, operation, (rdd) => groupWindowFromColumns(rdd, n, keyIds));
});
