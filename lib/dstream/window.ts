/**
 * Window operations: each output batch covers the parent's batches of the last
 * `windowDuration`, and a windowed stream emits every `slideDuration` (by default the
 * parent's slide). Data-last, for `pipe`.
 *
 * Spark's rules hold: window and slide are multiples of the parent stream's slide
 * duration (checked when the pipeline is built); a window emits only at times that are
 * multiples of its slide from the context's zero time; the window at `t` covers the
 * parent's batches in `(t − windowDuration, t]`, so the first windows are partial.
 * Unlike Spark, a slide longer than its window is refused (batches between windows
 * would silently belong to none), and the inverse forms need no checkpoint directory:
 * their state lives in the node.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { encodeKey } from "../rdd/keys.ts";
import { Duration, Time } from "../time/duration.ts";
import { DStream, TransformedDStream } from "./dstream.ts";
import type { Widen } from "./pair.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { describeValue } from "../_describe.ts";

// -------------------------------------------------------------------------------------
// validation (at build time)
// -------------------------------------------------------------------------------------


/** `Seconds(2)` or `Milliseconds(1500)`: how a user writes `ms`. */
const durationSource = (ms: number): string => ms % 1000 === 0 ? `Seconds(${ms / 1000})` : `Milliseconds(${ms})`;

const checkDuration = (operation: string, name: string, d: unknown): Duration => {
  if (!(d instanceof Duration)) {
    const hint = typeof d === "number" ? `: write Seconds(${d}) for seconds or Milliseconds(${d}) for milliseconds` : "";
    throw new TypeError(`${operation}'s ${name} must be a Duration such as Seconds(10), got ${describeValue(d)}${hint}`);
  }
  if (d.milliseconds <= 0) {
    throw new RangeError(`${operation}'s ${name} must be positive, got ${d}: use e.g. Seconds(10)`);
  }
  return d;
};

const checkMultiple = (operation: string, name: string, d: Duration, parent: DStream<unknown>): void => {
  const p = parent.slideDuration.milliseconds;
  if (d.milliseconds % p !== 0) {
    const up = Math.ceil(d.milliseconds / p) * p;
    throw new RangeError(
      `${operation}'s ${name} (${d}) must be a multiple of the parent stream's slide duration (${parent.slideDuration}): use e.g. ${durationSource(up)}`,
    );
  }
};

interface WindowSpec {
  readonly window: Duration;
  readonly slide: Duration;
}

/** Checks a window's durations against its parent and returns them (slide defaulting to the parent's). */
const checkWindow = (
  operation: string,
  parent: DStream<unknown>,
  windowDuration: Duration,
  slideDuration: Duration | undefined,
): WindowSpec => {
  const window = checkDuration(operation, "windowDuration", windowDuration);
  const slide = slideDuration === undefined ? parent.slideDuration : checkDuration(operation, "slideDuration", slideDuration);
  checkMultiple(operation, "windowDuration", window, parent);
  checkMultiple(operation, "slideDuration", slide, parent);
  if (slide.milliseconds > window.milliseconds) {
    throw new RangeError(
      `${operation}'s slideDuration (${slide}) must not be longer than its windowDuration (${window}): the batches between two windows would belong to none; use a slide of at most ${window} or a window of at least ${slide}`,
    );
  }
  return { window, slide };
};

const checkPartitions = (operation: string, parent: DStream<unknown>, numPartitions: number | undefined): number => {
  const n = numPartitions ?? parent.context.defaultParallelism;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${operation}'s numPartitions must be a positive whole number, got ${String(n)}`);
  }
  return n;
};

const checkFunction = (operation: string, name: string, f: unknown): void => {
  if (typeof f !== "function") {
    throw new TypeError(`${operation}'s ${name} must be a function, got ${describeValue(f)}`);
  }
};

/** `f`, with what it throws wrapped in a UserFunctionError naming `operation` (a node name). */
const labelled = <Args extends ReadonlyArray<unknown>, R>(f: (...args: Args) => R, operation: string) => (...args: Args): R => {
  try {
    return f(...args);
  } catch (error) {
    throw userFunctionError(operation, error);
  }
};

// -------------------------------------------------------------------------------------
// nodes
// -------------------------------------------------------------------------------------

/** The parent's RDDs at its valid times in `[from, to]` (milliseconds), oldest first. */
const rddsBetween = <A>(parent: DStream<A>, from: number, to: number): Array<RDD<A>> => {
  const zero = parent.zeroTime?.milliseconds ?? 0;
  const step = parent.slideDuration.milliseconds;
  const out: Array<RDD<A>> = [];
  for (let t = Math.max(from, zero + step); t <= to; t += step) {
    const rdd = parent.getOrCompute(new Time(t));
    if (rdd !== undefined) out.push(rdd);
  }
  return out;
};

/** The union of the parent's batches in `(t − windowDuration, t]` (Spark's WindowedDStream). */
class WindowedDStream<A> extends DStream<A> {
  readonly windowDuration: Duration;
  readonly #parent: DStream<A>;

  constructor(parent: DStream<A>, kind: string, spec: WindowSpec) {
    super(parent.context, kind, [parent as DStream<unknown>], spec.slide);
    this.#parent = parent;
    this.windowDuration = spec.window;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return remember.plus(this.windowDuration);
  }

  protected override compute(time: Time): RDD<A> {
    const to = time.milliseconds;
    const from = to - this.windowDuration.milliseconds + this.#parent.slideDuration.milliseconds;
    return RDD.union(rddsBetween(this.#parent, from, to));
  }
}

/**
 * Values by key, keys compared by value: primitives as themselves, tuples and plain
 * objects by content. Never changed once a window's RDD is made from it.
 */
class KeyedValues<K, V> {
  readonly #plain: Map<K, V>;
  readonly #structured: Map<string, readonly [K, V]>;

  constructor(plain: Map<K, V> = new Map(), structured: Map<string, readonly [K, V]> = new Map()) {
    this.#plain = plain;
    this.#structured = structured;
  }

  get size(): number {
    return this.#plain.size + this.#structured.size;
  }

  copy(): KeyedValues<K, V> {
    return new KeyedValues(new Map(this.#plain), new Map(this.#structured));
  }

  /** Sets `key` to `combine(old, value)` when present; when absent, to `value` if `insert`. */
  combine(key: K, value: V, combine: (old: V, value: V) => V, insert: boolean): void {
    if (typeof key === "object" && key !== null) {
      const content = encodeKey(key);
      const entry = this.#structured.get(content);
      if (entry !== undefined) this.#structured.set(content, [entry[0], combine(entry[1], value)]);
      else if (insert) this.#structured.set(content, [key, value]);
    } else {
      // One lookup when the key is there with a defined value (the usual case).
      const old = this.#plain.get(key);
      if (old !== undefined || this.#plain.has(key)) this.#plain.set(key, combine(old as V, value));
      else if (insert) this.#plain.set(key, value);
    }
  }

  /** Removes each key of `keys` whose pair here fails `keep`. */
  retain(keys: KeyedValues<K, unknown>, keep: (kv: readonly [K, V]) => boolean): void {
    for (const key of keys.#plain.keys()) {
      if (this.#plain.has(key) && !keep([key, this.#plain.get(key) as V])) this.#plain.delete(key);
    }
    for (const content of keys.#structured.keys()) {
      const entry = this.#structured.get(content);
      if (entry !== undefined && !keep(entry)) this.#structured.delete(content);
    }
  }

  forEach(f: (key: K, value: V) => void): void {
    this.#plain.forEach((value, key) => f(key, value));
    this.#structured.forEach(([key, value]) => f(key, value));
  }

  entries(): Array<readonly [K, V]> {
    const out: Array<readonly [K, V]> = [];
    this.forEach((key, value) => out.push([key, value]));
    return out;
  }
}

/**
 * An RDD computed once, all partitions together, that then holds only its records:
 * the RDDs it was computed from (every record of the batch) are released.
 */
const computedOnce = <A>(source: RDD<A>): RDD<A> => {
  let from: RDD<A> | undefined = source;
  let parts: ReadonlyArray<ReadonlyArray<A>> | undefined;
  return new RDD<A>(source.numPartitions, (p, emit) => {
    if (parts === undefined) {
      parts = (from as RDD<A>).collectPartitions();
      from = undefined;
    }
    const part = parts[p]!;
    for (let i = 0; i < part.length; i++) emit(part[i]!);
  });
};

/**
 * A per-batch step (a `reduceByKey`, a `groupByKey`) right under a window. Its RDDs are
 * small, computed once and read again while they are in the window, so it keeps them
 * for the window; they hold their records, not the batch they came from, so its parent
 * keeps its own RDDs (every record) only as long as the window node itself remembers.
 */
class BatchUnderWindowDStream<A, B> extends TransformedDStream<A, B> {
  readonly #window: Duration;

  constructor(
    parent: DStream<A>,
    kind: string,
    transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>,
    window: Duration,
  ) {
    let node: BatchUnderWindowDStream<A, B> | undefined;
    super(parent, kind, (rdd, time) => computedOnce(transform(rdd, time, node?.name ?? kind)));
    node = this;
    this.#window = window;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return new Duration(Math.max(remember.milliseconds - this.#window.milliseconds, this.slideDuration.milliseconds));
  }

  /** Its RDDs keep their records once computed: caching them again would copy them. */
  override cacheGeneratedRDDs(): void {}
}

/**
 * Spark's ReducedWindowedDStream: the window's value per key, kept from one window to
 * the next. Each slide subtracts (with `invReduceFunc`) the reduced batches that left
 * the window and adds (with `reduceFunc`) those that entered, so a slide costs what
 * enters and leaves plus one copy of the key table, whatever the window's length.
 */
class ReducedWindowedDStream<K, V> extends DStream<readonly [K, V]> {
  readonly windowDuration: Duration;
  readonly #reduced: DStream<readonly [K, V]>;
  readonly #reduceFunc: (a: V, b: V) => V;
  readonly #invReduceFunc: (a: V, b: V) => V;
  readonly #filterFunc: ((kv: readonly [K, V]) => boolean) | undefined;
  readonly #numPartitions: number;
  /** The window's values at each remembered time (the latest is the next slide's start). */
  readonly #windows = new Map<number, KeyedValues<K, V>>();

  constructor(
    reduced: DStream<readonly [K, V]>,
    kind: string,
    spec: WindowSpec,
    functions: InverseWindowFunctions<K, V>,
    numPartitions: number,
  ) {
    super(reduced.context, kind, [reduced as DStream<unknown>], spec.slide);
    this.#reduced = reduced;
    this.windowDuration = spec.window;
    this.#reduceFunc = functions.reduceFunc;
    this.#invReduceFunc = functions.invReduceFunc;
    this.#filterFunc = functions.filterFunc;
    this.#numPartitions = numPartitions;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return remember.plus(this.windowDuration);
  }

  /** Each key's values over `rdds`, merged with `f` in time order. */
  #aggregate(rdds: ReadonlyArray<RDD<readonly [K, V]>>, f: (a: V, b: V) => V): KeyedValues<K, V> {
    const out = new KeyedValues<K, V>();
    for (const rdd of rdds) rdd.foreach(([key, value]) => out.combine(key, value, f, true));
    return out;
  }

  protected override compute(time: Time): RDD<readonly [K, V]> {
    const t = time.milliseconds;
    const w = this.windowDuration.milliseconds;
    const step = this.#reduced.slideDuration.milliseconds;
    const zero = this.zeroTime?.milliseconds ?? 0;
    const previousTime = t - this.slideDuration.milliseconds;
    const reduceFunc = labelled(this.#reduceFunc, this.name);
    const invReduceFunc = labelled(this.#invReduceFunc, this.name);

    const previous = previousTime <= zero ? new KeyedValues<K, V>() : this.#windows.get(previousTime);
    let next: KeyedValues<K, V>;
    let changed: KeyedValues<K, V>;
    if (previous !== undefined) {
      // Old batches: (previousTime − w, t − w]; new batches: (previousTime, t].
      next = previous.copy();
      const left = this.#aggregate(rddsBetween(this.#reduced, previousTime - w + step, t - w), reduceFunc);
      const entered = this.#aggregate(rddsBetween(this.#reduced, previousTime + step, t), reduceFunc);
      // A key absent from the previous window stays absent when only old values hold it
      // (Spark throws "Neither previous window has value for key, …" there).
      left.forEach((key, value) => next.combine(key, value, invReduceFunc, false));
      entered.forEach((key, value) => next.combine(key, value, reduceFunc, true));
      changed = left;
      entered.forEach((key, value) => changed.combine(key, value, (a) => a, true));
    } else {
      // The previous window was never made (its batch failed): start over from the batches.
      this.context.logger.warn(
        `${this.name} has no window at ${new Time(previousTime)} (its batch failed or was never computed), so the window at ${time} is rebuilt from its batches`,
      );
      next = this.#aggregate(rddsBetween(this.#reduced, t - w + step, t), reduceFunc);
      changed = next;
    }
    const filterFunc = this.#filterFunc;
    if (filterFunc !== undefined) next.retain(changed, labelled(filterFunc, this.name));
    this.#windows.set(t, next);

    const n = this.#numPartitions;
    let partitioned: RDD<readonly [K, V]> | undefined;
    return new RDD<readonly [K, V]>(n, (p, emit) => (partitioned ??= RDD.fromArray(next.entries(), n)).forEachIn(p, emit));
  }

  override clearOldRDDs(time: Time): void {
    super.clearOldRDDs(time);
    const remember = this.rememberDuration?.milliseconds ?? this.slideDuration.milliseconds;
    let latest = -Infinity;
    for (const t of this.#windows.keys()) latest = Math.max(latest, t);
    for (const t of this.#windows.keys()) {
      if (t <= time.milliseconds - remember && t !== latest) this.#windows.delete(t);
    }
  }
}

// -------------------------------------------------------------------------------------
// windows
// -------------------------------------------------------------------------------------

/**
 * Every record of the parent's batches in the last `windowDuration`, emitted every
 * `slideDuration` (default: the parent's slide). Both must be multiples of the parent's
 * slide duration, and the slide no longer than the window.
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
export const window = (windowDuration: Duration, slideDuration?: Duration) => <A>(self: DStream<A>): DStream<A> =>
  new WindowedDStream(self, "window", checkWindow("window", self as DStream<unknown>, windowDuration, slideDuration));

/**
 * How many records the window holds, one number per slide. Uses the inverse form:
 * a window that held records and is now empty gives 0; before any record, an empty RDD.
 *
 * @category windows
 * @since 0.1.0
 */
export const countByWindow = (windowDuration: Duration, slideDuration?: Duration) => <A>(self: DStream<A>): DStream<number> => {
  const spec = checkWindow("countByWindow", self as DStream<unknown>, windowDuration, slideDuration);
  const ones = new TransformedDStream(self, "countByWindow.ones", (rdd) => rdd.map((): readonly [0, number] => [0, 1]));
  const functions = { reduceFunc: (a: number, b: number) => a + b, invReduceFunc: (a: number, b: number) => a - b, filterFunc: undefined };
  const windowed = reducedWindow(ones, "countByWindow", "countByWindow.window", spec, functions, 1);
  return new TransformedDStream(windowed, "countByWindow", (rdd) => rdd.values());
};

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
 * import { reduceByWindow, Seconds } from "@dstreams/dstreams";
 * const total = reduceByWindow((a: number, b: number) => a + b, Seconds(30), Seconds(10));
 * const runningTotal = reduceByWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, Seconds(30), Seconds(10));
 * ```
 * @category windows
 * @since 0.1.0
 */
export const reduceByWindow: {
  <A>(reduceFunc: (a: A, b: A) => A, windowDuration: Duration, slideDuration?: Duration): (self: DStream<A>) => DStream<A>;
  <A>(
    reduceFunc: (a: A, b: A) => A,
    invReduceFunc: (a: A, b: A) => A,
    windowDuration: Duration,
    slideDuration?: Duration,
  ): (self: DStream<A>) => DStream<A>;
} = <A>(
  reduceFunc: (a: A, b: A) => A,
  second: ((a: A, b: A) => A) | Duration,
  third?: Duration,
  fourth?: Duration,
) =>
(self: DStream<A>): DStream<A> => {
  const operation = "reduceByWindow";
  checkFunction(operation, "reduceFunc", reduceFunc);
  if (typeof second === "function") {
    const spec = checkWindow(operation, self as DStream<unknown>, third as Duration, fourth);
    const keyed = new TransformedDStream(self, "reduceByWindow.keyed", (rdd) => rdd.map((a): readonly [0, A] => [0, a]));
    const functions = { reduceFunc, invReduceFunc: second, filterFunc: undefined };
    const windowed = reducedWindow(keyed, operation, `${operation}.window`, spec, functions, 1);
    return new TransformedDStream(windowed, operation, (rdd) => rdd.values());
  }
  const spec = checkWindow(operation, self as DStream<unknown>, second, third);
  const reduceOnce = (rdd: RDD<A>, _time: Time, name: string): RDD<A> =>
    new RDD<A>(1, (_, emit) => {
      const result = rdd.reduceOption(reduceFunc, name);
      if (result._tag === "Some") emit(result.value);
    });
  const perBatch = new BatchUnderWindowDStream(self, "reduceByWindow.reduce", reduceOnce, spec.window);
  return new TransformedDStream(new WindowedDStream(perBatch, "reduceByWindow.window", spec), operation, reduceOnce);
};

/** An inverse window's functions: add entering values, subtract leaving ones, keep a key. */
interface InverseWindowFunctions<K, V> {
  readonly reduceFunc: (a: V, b: V) => V;
  readonly invReduceFunc: (a: V, b: V) => V;
  readonly filterFunc: ((kv: readonly [K, V]) => boolean) | undefined;
}

/** The inverse-window node (named `kind`) over the parent's per-batch reduced values. */
const reducedWindow = <K, V>(
  parent: DStream<readonly [K, V]>,
  operation: string,
  kind: string,
  spec: WindowSpec,
  functions: InverseWindowFunctions<K, V>,
  numPartitions: number,
): DStream<readonly [K, V]> => {
  const { reduceFunc, invReduceFunc, filterFunc } = functions;
  checkFunction(operation, "invReduceFunc", invReduceFunc);
  if (filterFunc !== undefined) checkFunction(operation, "filterFunc", filterFunc);
  const reduced = new BatchUnderWindowDStream(
    parent,
    `${operation}.reduceByKey`,
    (rdd, _time, name) => rdd.reduceByKey(reduceFunc, numPartitions, name),
    spec.window,
  );
  return new ReducedWindowedDStream(reduced, kind, spec, functions, numPartitions);
};

// -------------------------------------------------------------------------------------
// windows of pair streams
// -------------------------------------------------------------------------------------

/**
 * Each key's values over the window, merged with `reduceFunc` (associative), emitted
 * every `slideDuration` (default: the parent's slide). Keys compare by value.
 *
 * Without an inverse, every slide reduces the whole window again (Spark's
 * `reduceByKey(f).window(w, s).reduceByKey(f)`); a key with no values in the window is
 * absent.
 *
 * With `invReduceFunc` (`invReduceFunc(reduceFunc(a, b), b) = a`, e.g. `-` for `+`),
 * each slide only subtracts the batches that left the window and adds those that
 * entered, so it costs the same at any window length. A key whose values all left
 * stays with the identity value (e.g. `["a", 0]`), as in Spark, unless `filterFunc`
 * drops it: `filterFunc` runs on the pairs that changed in each slide and must be a
 * pure function of the pair (keep `([, n]) => n !== 0`, for instance). The window's
 * values live in the node, so no checkpoint directory is needed.
 *
 * The arguments follow Spark's order: `(reduceFunc, windowDuration, slideDuration?,
 * numPartitions?)` or `(reduceFunc, invReduceFunc, windowDuration, slideDuration?,
 * numPartitions?, filterFunc?)`.
 *
 * @example
 * ```ts
 * import { reduceByKeyAndWindow, Seconds } from "@dstreams/dstreams";
 * // Word counts over the last 30 seconds, every 10 seconds:
 * const windowedCounts = reduceByKeyAndWindow(
 *   (a: number, b: number) => a + b,
 *   (a: number, b: number) => a - b,
 *   Seconds(30),
 *   Seconds(10),
 * );
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
    invReduceFunc: (a: Widen<V>, b: Widen<V>) => Widen<V>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number,
    filterFunc?: (kv: readonly [KF, Widen<V>]) => boolean,
  ): <K extends KF>(self: DStream<readonly [K, V]>) => DStream<readonly [K, Widen<V>]>;
} = <K, V>(
  reduceFunc: (a: V, b: V) => V,
  second: ((a: V, b: V) => V) | Duration,
  third?: Duration,
  fourth?: Duration | number,
  fifth?: number,
  filterFunc?: (kv: readonly [K, V]) => boolean,
) =>
(self: DStream<readonly [K, V]>): DStream<readonly [K, V]> => {
  const operation = "reduceByKeyAndWindow";
  checkFunction(operation, "reduceFunc", reduceFunc);
  if (typeof second === "function") {
    const spec = checkWindow(operation, self as DStream<unknown>, third as Duration, fourth as Duration | undefined);
    const n = checkPartitions(operation, self as DStream<unknown>, fifth);
    return reducedWindow(self, operation, operation, spec, { reduceFunc, invReduceFunc: second, filterFunc }, n);
  }
  const spec = checkWindow(operation, self as DStream<unknown>, second, third);
  const n = checkPartitions(operation, self as DStream<unknown>, fourth as number | undefined);
  const reduceByKey = (rdd: RDD<readonly [K, V]>, _time: Time, name: string) => rdd.reduceByKey(reduceFunc, n, name);
  const perBatch = new BatchUnderWindowDStream(self, `${operation}.reduceByKey`, reduceByKey, spec.window);
  return new TransformedDStream(new WindowedDStream(perBatch, `${operation}.window`, spec), operation, reduceByKey);
};

/**
 * Each distinct record of the window with how many times it occurs, emitted every
 * `slideDuration`. Uses the inverse form; records whose count drops to 0 are removed.
 *
 * @category windows
 * @since 0.1.0
 */
export const countByValueAndWindow =
  (windowDuration: Duration, slideDuration?: Duration, numPartitions?: number) =>
  <A>(self: DStream<A>): DStream<readonly [A, number]> => {
    const operation = "countByValueAndWindow";
    const spec = checkWindow(operation, self as DStream<unknown>, windowDuration, slideDuration);
    const n = checkPartitions(operation, self as DStream<unknown>, numPartitions);
    const pairs = new TransformedDStream(self, `${operation}.pairs`, (rdd) => rdd.map((a): readonly [A, number] => [a, 1]));
    const functions = {
      reduceFunc: (a: number, b: number) => a + b,
      invReduceFunc: (a: number, b: number) => a - b,
      filterFunc: ([, count]: readonly [A, number]) => count !== 0,
    };
    return reducedWindow(pairs, operation, operation, spec, functions, n);
  };

/**
 * Each key's values over the window, in time order, emitted every `slideDuration`
 * (Spark's `groupByKey.window.combineByKey`).
 *
 * @category windows
 * @since 0.1.0
 */
export const groupByKeyAndWindow =
  (windowDuration: Duration, slideDuration?: Duration, numPartitions?: number) =>
  <K, V>(self: DStream<readonly [K, V]>): DStream<readonly [K, ReadonlyArray<V>]> => {
    const operation = "groupByKeyAndWindow";
    const spec = checkWindow(operation, self as DStream<unknown>, windowDuration, slideDuration);
    const n = checkPartitions(operation, self as DStream<unknown>, numPartitions);
    const grouped = new BatchUnderWindowDStream(self, `${operation}.groupByKey`, (rdd) => rdd.groupByKey(n), spec.window);
    const windowed = new WindowedDStream(grouped, `${operation}.window`, spec);
    return new TransformedDStream(windowed, operation, (rdd) =>
      rdd.combineByKey<K, ReadonlyArray<V>, V[]>(
        (vs) => [...vs],
        (buffer, vs) => {
          for (const v of vs) buffer.push(v);
          return buffer;
        },
        (a, b) => a.concat(b),
        n,
      ));
  };
