/**
 * The nodes behind the window operations: Spark's WindowedDStream (the union of the
 * parent's batches in the window) and ReducedWindowedDStream (the window's reduced
 * value per key, kept from one slide to the next and updated by what enters and
 * leaves), and the per-batch step under a window that keeps its small results.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { KeyMap } from "../rdd/_keys.ts";
import { Duration, Time } from "../time/duration.ts";
import { DStreamNode, TransformedDStream } from "./_node.ts";
import { labelled } from "./_checks.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { registerNodeState } from "./_node_state.ts";
import { WindowTable } from "./_window_table.ts";
import { recordWindowBatches } from "./_window_keyed.ts";

/** A parent's batches a window still reads, as a checkpoint keeps them: time and partitions. */
type KeptBatches<A> = ReadonlyArray<readonly [number, ReadonlyArray<ReadonlyArray<A>>]>;

/**
 * The parent's batches in `(stateTime − window, stateTime]`, records copied out: the next
 * windows read them (computed now if no window read them yet, e.g. between two slides).
 */
const keptBatches = <A>(parent: DStreamNode<A>, window: Duration, stateTime: Time): KeptBatches<A> => {
  const to = stateTime.milliseconds;
  const from = to - window.milliseconds + parent.slideDuration.milliseconds;
  const out: Array<readonly [number, ReadonlyArray<ReadonlyArray<A>>]> = [];
  const zero = parent.zeroTime?.milliseconds ?? 0;
  const step = parent.slideDuration.milliseconds;
  for (let t = Math.max(from, zero + step); t <= to; t += step) {
    const rdd = parent.getOrCompute(new Time(t));
    if (rdd !== undefined) out.push([t, rdd.collectPartitions()]);
  }
  return out;
};

/** Puts a window's parent batches back (recovery), as if computed before the crash. */
const seedBatches = <A>(parent: DStreamNode<A>, batches: KeptBatches<A>): void => {
  for (const [t, partitions] of batches) parent.seedRDD(new Time(t), RDD.fromPartitions(partitions));
};

/** A window's length and slide. */
export interface WindowSpec {
  readonly window: Duration;
  readonly slide: Duration;
}

/** The parent's RDDs at its valid times in `[from, to]` (milliseconds), oldest first. */
const rddsBetween = <A>(parent: DStreamNode<A>, from: number, to: number): Array<RDD<A>> => {
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
export class WindowedDStream<A> extends DStreamNode<A> {
  readonly windowDuration: Duration;
  readonly #parent: DStreamNode<A>;

  constructor(parent: DStreamNode<A>, kind: string, spec: WindowSpec) {
    super(parent.context, kind, [parent as DStreamNode<unknown>], spec.slide);
    this.#parent = parent;
    this.windowDuration = spec.window;
    registerNodeState<KeptBatches<A>>(this as DStreamNode<unknown>, {
      snapshot: (time) => keptBatches(parent, this.windowDuration, time),
      restore: (batches) => seedBatches(parent, batches),
    });
  }

  /** A window keeps its parent's last batches: a checkpoint keeps them too. */
  override get keepsState(): boolean {
    return true;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return remember.plus(this.windowDuration);
  }

  protected override compute(time: Time): RDD<A> {
    const to = time.milliseconds;
    const from = to - this.windowDuration.milliseconds + this.#parent.slideDuration.milliseconds;
    const batches = rddsBetween(this.#parent, from, to);
    const union = RDD.union(batches);
    // The keyed steps over a window read its batches' own results (see _window_keyed.ts).
    recordWindowBatches(union, batches);
    return union;
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
export class BatchUnderWindowDStream<A, B> extends TransformedDStream<A, B> {
  readonly #window: Duration;

  constructor(
    parent: DStreamNode<A>,
    kind: string,
    transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>,
    window: Duration,
    /** True when `transform`'s RDDs already hold only their records once computed. */
    keepsRecords = false,
  ) {
    let node: BatchUnderWindowDStream<A, B> | undefined;
    super(parent, kind, (rdd, time) => {
      const result = transform(rdd, time, node?.name ?? kind);
      return keepsRecords ? result : computedOnce(result);
    });
    node = this;
    this.#window = window;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return new Duration(Math.max(remember.milliseconds - this.#window.milliseconds, this.slideDuration.milliseconds));
  }

  /** Its RDDs keep their records once computed: caching them again would copy them. */
  override cacheGeneratedRDDs(): void {}
}

/** `f` (of two values), with what it throws wrapped in a UserFunctionError naming `operation` (no arguments array per call). */
const labelledPair = <V>(f: (a: V, b: V) => V, operation: string) => (a: V, b: V): V => {
  try {
    return f(a, b);
  } catch (error) {
    throw userFunctionError(operation, error);
  }
};

/** An inverse window's functions: add entering values, subtract leaving ones, keep a key. */
export interface InverseWindowFunctions<K, V> {
  readonly reduceFunc: (a: V, b: V) => V;
  readonly invReduceFunc: (a: V, b: V) => V;
  readonly filterFunc: ((kv: readonly [K, V]) => boolean) | undefined;
}

/**
 * Spark's ReducedWindowedDStream: the window's value per key, kept from one window to
 * the next. Each slide subtracts (with `invReduceFunc`) the reduced batches that left
 * the window and adds (with `reduceFunc`) those that entered, so a slide costs what
 * enters and leaves, whatever the window's length.
 *
 * The latest window is one key table updated in place (an undo log puts it back if a
 * user function throws); each window's `[key, value]` pairs, built once when it is
 * made, serve its RDD, checkpoints and a window made out of turn, so an earlier
 * window's output stays as it was after later slides.
 */
export class ReducedWindowedDStream<K, V> extends DStreamNode<readonly [K, V]> {
  readonly windowDuration: Duration;
  readonly #reduced: DStreamNode<readonly [K, V]>;
  readonly #functions: InverseWindowFunctions<K, V>;
  readonly #numPartitions: number;
  /** The latest window's values, updated by each slide. */
  #live: { time: number; values: WindowTable<K, V> } | undefined;
  /** Each remembered window's pairs, in its table's order. */
  readonly #windows = new Map<number, ReadonlyArray<readonly [K, V]>>();

  constructor(
    reduced: DStreamNode<readonly [K, V]>,
    kind: string,
    spec: WindowSpec,
    functions: InverseWindowFunctions<K, V>,
    numPartitions: number,
  ) {
    super(reduced.context, kind, [reduced as DStreamNode<unknown>], spec.slide);
    this.#reduced = reduced;
    this.windowDuration = spec.window;
    this.#functions = functions;
    this.#numPartitions = numPartitions;
    interface Kept {
      /** The latest window at or before the state's batch: [time, its [key, value] pairs]. */
      readonly window: readonly [number, ReadonlyArray<readonly [K, V]>] | undefined;
      /** The reduced batches still in it: they leave the next windows. */
      readonly batches: KeptBatches<readonly [K, V]>;
    }
    registerNodeState<Kept>(this as DStreamNode<unknown>, {
      snapshot: (time) => {
        let latest: number | undefined;
        for (const t of this.#windows.keys()) if (t <= time.milliseconds && (latest === undefined || t > latest)) latest = t;
        return {
          window: latest === undefined ? undefined : [latest, this.#windows.get(latest)!],
          batches: keptBatches(reduced, this.windowDuration, time),
        };
      },
      restore: ({ window, batches }) => {
        if (window !== undefined) {
          this.#live = { time: window[0], values: WindowTable.of(window[1]) };
          this.#windows.set(window[0], window[1]);
        }
        seedBatches(reduced, batches);
      },
    });
  }

  /** The window's values and the batches that will leave it: a checkpoint keeps both. */
  override get keepsState(): boolean {
    return true;
  }

  protected override parentRememberDuration(remember: Duration): Duration {
    return remember.plus(this.windowDuration);
  }

  /** Each key's values over the parent's batches in `[from, to]`, merged with `f` in time order. */
  #aggregate(from: number, to: number, f: (a: V, b: V) => V): KeyMap<K, V> {
    const out = new KeyMap<K, V>();
    for (const rdd of rddsBetween(this.#reduced, from, to)) rdd.foreach(([key, value]) => out.merge(key, value, f));
    return out;
  }

  /**
   * Calls `f` with each key and value of the parent's batches in `[from, to]`, merged in
   * time order; one batch (a slide of one batch) is read as it is, each key once.
   */
  #eachBetween(from: number, to: number, f: (key: K, value: V) => void, reduceFunc: (a: V, b: V) => V): void {
    const rdds = rddsBetween(this.#reduced, from, to);
    if (rdds.length === 1) rdds[0]!.foreach((kv) => f(kv[0], kv[1]));
    else if (rdds.length > 1) this.#aggregate(from, to, reduceFunc).forEach((value, key) => f(key, value));
  }

  /** The window the slide to `t` starts from: the live table (updated in place) or a new one. */
  #start(previousTime: number, zero: number): WindowTable<K, V> | undefined {
    if (previousTime <= zero) return new WindowTable<K, V>();
    const live = this.#live;
    if (live !== undefined && live.time === previousTime) return live.values;
    const pairs = this.#windows.get(previousTime);
    return pairs === undefined ? undefined : WindowTable.of(pairs);
  }

  protected override compute(time: Time): RDD<readonly [K, V]> {
    const t = time.milliseconds;
    const w = this.windowDuration.milliseconds;
    const step = this.#reduced.slideDuration.milliseconds;
    const zero = this.zeroTime?.milliseconds ?? 0;
    const previousTime = t - this.slideDuration.milliseconds;
    const reduceFunc = labelledPair(this.#functions.reduceFunc, this.name);
    const invReduceFunc = labelledPair(this.#functions.invReduceFunc, this.name);

    const start = this.#start(previousTime, zero);
    if (start === undefined) {
      // The previous window was never made (its batch failed): start over from the batches.
      this.context.logger.warn(
        `${this.name} has no window at ${new Time(previousTime)} (its batch failed or was never computed), so the window at ${time} is rebuilt from its batches`,
      );
    }
    const next = start ?? new WindowTable<K, V>();
    next.begin();
    try {
      if (start !== undefined) {
        // The previous window holds (previousTime − w, previousTime], this one (t − w, t].
        // Leaving: what the previous held and this one does not; entering: the reverse.
        // (With a slide longer than the window, nothing overlaps and the batches between
        // two windows belong to neither.)
        // A key absent from the previous window stays absent when only old values hold it
        // (Spark throws "Neither previous window has value for key, …" there).
        this.#eachBetween(previousTime - w + step, Math.min(previousTime, t - w), (key, value) => next.update(key, value, invReduceFunc), reduceFunc);
        this.#eachBetween(Math.max(previousTime, t - w) + step, t, (key, value) => next.merge(key, value, reduceFunc), reduceFunc);
      } else {
        this.#aggregate(t - w + step, t, reduceFunc).forEach((value, key) => next.merge(key, value, reduceFunc));
      }
      const filterFunc = this.#functions.filterFunc;
      if (filterFunc !== undefined) next.retainChanged(labelled(filterFunc, this.name));
    } catch (error) {
      next.undo();
      throw error;
    }
    next.commit();
    const pairs = next.pairs();
    this.#windows.set(t, pairs);
    if (this.#live === undefined || t > this.#live.time) this.#live = { time: t, values: next };
    return RDD.fromArray(pairs, this.#numPartitions);
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

