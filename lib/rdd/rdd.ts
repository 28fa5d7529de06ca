/**
 * `RDD<A>`: one batch's immutable, partitioned data.
 *
 * Narrow steps (`map`, `flatMap`, `filter`, `mapValues`, …) do not build arrays: each
 * wraps its parent's push loop, so a chain of them runs as one loop over the batch's
 * partitions. Wide steps (`reduceByKey`, `groupByKey`, joins) run through one hash
 * table once and keep their result.
 *
 * @module
 */
import { none, type Option, some } from "fp-ts/lib/Option.js";
import { KeyCells, KeyMap, KeyReducer, KeySlots } from "./_keys.ts";
import { JoinTable } from "./_join_table.ts";
import { hashLayout, hashPartitioned, type MapOutputOrder, recordsByKeyHash } from "./_partitioning.ts";
import { type Compare, defaultCompare } from "./_order.ts";
import { partitionRandom, poisson } from "./_sample.ts";
import { saveAsNewTextFolder } from "./_text_folder.ts";
import { StatCounter } from "./stat_counter.ts";
import { userFunctionError } from "./user_function_error.ts";
import { keepShapeOf } from "../_shapes.ts";

/** Pushes every record of one partition to `emit`, in order. */
type ComputePartition<A> = (partition: number, emit: (a: A) => void) => void;

/** Stands in for the compute function of an RDD whose records are cached. */
const computedAlready: ComputePartition<never> = () => {
  throw new Error("internal: a cached RDD was asked to compute again");
};

const checkPartitionCount = (n: number, what: string): number => {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${what} must be a positive whole number of partitions, got ${String(n)}`);
  }
  return n;
};

/** Splits `items` into `n` contiguous, near-equal partitions. */
const slice = <A>(items: ReadonlyArray<A>, n: number): ReadonlyArray<ReadonlyArray<A>> => {
  if (n === 1) return [items];
  const parts: A[][] = [];
  for (let i = 0; i < n; i++) {
    parts.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  }
  return parts;
};

const pushAll = <A>(items: ReadonlyArray<A>, emit: (a: A) => void): void => {
  for (let i = 0; i < items.length; i++) emit(items[i]!);
};

/**
 * Pushes the items of an iterable a user function returned: an error thrown
 * while iterating it (a generator's body) is the user function's, named `label`; an
 * error thrown by `emit` (a later step) passes through.
 */
const pushUserIterable = <A>(items: Iterable<A>, emit: (a: A) => void, label: string): void => {
  if (Array.isArray(items)) return pushAll(items as ReadonlyArray<A>, emit);
  let iterator: Iterator<A>;
  try {
    iterator = items[Symbol.iterator]();
  } catch (error) {
    throw userFunctionError(label, error);
  }
  for (;;) {
    let step: IteratorResult<A>;
    try {
      step = iterator.next();
    } catch (error) {
      throw userFunctionError(label, error);
    }
    if (step.done === true) return;
    emit(step.value);
  }
};

/** Every `[x, y]` for `x` in `xs` and `y` in `ys`. */
const pairsOf = <X, Y>(xs: ReadonlyArray<X>, ys: ReadonlyArray<Y>): Array<readonly [X, Y]> => {
  const out: Array<readonly [X, Y]> = [];
  for (const x of xs) for (const y of ys) out.push([x, y]);
  return out;
};

/**
 * A reduce's result as its table left it: the keys and their values in first-arrival
 * order, and per partition the indexes in the order the partition holds them. The pairs
 * are made when read, so a batch's result remembered for the next batch holds two arrays,
 * not a pair per key.
 */
interface ReducedColumns {
  readonly keys: ReadonlyArray<unknown>;
  readonly values: ReadonlyArray<unknown>;
  readonly layout: ReadonlyArray<ArrayLike<number>>;
}

/** What `map` made an RDD from: its parent, function and label. */
interface MappedFrom {
  readonly parent: RDD<unknown>;
  readonly f: (a: unknown) => unknown;
  readonly label: string;
}

/** The values as `some`s, or a lone `none` when there are none (an outer join's missing side). */
const optionsOf = <A>(values: ReadonlyArray<A>): ReadonlyArray<Option<A>> =>
  values.length === 0 ? [none] : values.map((v) => some(v));

/**
 * A fresh copy of a zero value for each partition, as Spark gives each task its own
 * deserialized copy: plain data (arrays, plain objects, Maps, Sets, Dates) is cloned;
 * anything else is shared.
 */
const copyOfZero = <B>(zero: B): B => {
  if (typeof zero !== "object" || zero === null) return zero;
  const proto = Object.getPrototypeOf(zero) as object | null;
  const plain = Array.isArray(zero) || proto === Object.prototype || proto === null || zero instanceof Map ||
    zero instanceof Set || zero instanceof Date;
  if (!plain) return zero;
  try {
    return structuredClone(zero);
  } catch {
    return zero;
  }
};

const add = (a: number, b: number): number => a + b;

const emptyCollection = (what: string): RangeError =>
  new RangeError(`${what}() was called on an empty RDD (Spark: "empty collection"): check isEmpty() first`);

const checkCount = (n: number, what: string): number => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what}'s count must be a whole number ≥ 0, got ${String(n)}`);
  return n;
};

/** Calls a user function, naming the operation in what it throws. */
const call = <R>(label: string, f: () => R): R => {
  try {
    return f();
  } catch (error) {
    throw userFunctionError(label, error);
  }
};

/**
 * One batch's data: a fixed number of partitions, computed lazily.
 *
 * @category model
 * @since 0.1.0
 */
export class RDD<A> {
  /** How many partitions the data is split into. */
  readonly numPartitions: number;
  #compute: ComputePartition<A>;
  #cacheRequested = false;
  #cached: ReadonlyArray<ReadonlyArray<A>> | undefined;
  /**
   * Set when the records are pairs placed by their key's hash among this many
   * partitions (Spark's `partitioner` being a `HashPartitioner`): a keyed step with the
   * same count then needs no shuffle, as in Spark.
   */
  #hashPartitions: number | undefined;
  /**
   * Set on an RDD made by `map`: its parent and function, so that a `reduceByKey` right
   * after it can call the function and merge its pair in one step (see
   * {@link RDD.reduceByKey}).
   */
  #mappedFrom: MappedFrom | undefined;
  /**
   * A wide step's partitions once computed (and, until then, the pass that computes
   * them): arrays it made and holds anyway, so actions read them as a cache's.
   */
  #wide: ReadonlyArray<ReadonlyArray<A>> | undefined;
  #pendingWide: (() => ReadonlyArray<ReadonlyArray<A>>) | undefined;
  /** A reduce's result once computed (and, until then, the pass that computes it). */
  #columns: ReducedColumns | undefined;
  #pendingColumns: (() => ReducedColumns) | undefined;

  /** Prefer {@link RDD.fromArray}, {@link RDD.fromPartitions} and the combinators. */
  constructor(numPartitions: number, compute: ComputePartition<A>) {
    this.numPartitions = checkPartitionCount(numPartitions, "An RDD");
    this.#compute = compute;
  }

  // -------------------------------------------------------------------------------------
  // constructors
  // -------------------------------------------------------------------------------------

  /** An RDD holding `partitions` as they are (the arrays are not copied: do not mutate them). */
  static fromPartitions<A>(partitions: ReadonlyArray<ReadonlyArray<A>>): RDD<A> {
    if (partitions.length === 0) return RDD.empty<A>();
    const rdd = new RDD<A>(partitions.length, (p, emit) => pushAll(partitions[p]!, emit));
    rdd.#cached = partitions;
    return rdd;
  }

  /** An RDD of `items`, split into `numSlices` contiguous partitions (each a slice of `items`: one array copy, no call per record). */
  static fromArray<A>(items: ReadonlyArray<A>, numSlices = 1): RDD<A> {
    const n = checkPartitionCount(numSlices, "fromArray's numSlices");
    if (n === 1) return RDD.fromPartitions([items]);
    // Slices, not a loop per record: a held array is what collect's and the keyed steps' fast paths read.
    const length = items.length;
    const parts: ReadonlyArray<A>[] = new Array(n);
    for (let p = 0; p < n; p++) parts[p] = items.slice(Math.floor((p * length) / n), Math.floor(((p + 1) * length) / n));
    return RDD.fromPartitions(parts);
  }

  /** An RDD with no records. */
  static empty<A>(numPartitions = 1): RDD<A> {
    if (!Number.isSafeInteger(numPartitions) || numPartitions < 1) return RDD.fromPartitions(Array.from({ length: numPartitions }, () => []));
    // A plain loop: Array.from({ length }) costs more than the rest of an empty batch's RDD.
    const parts: A[][] = new Array(numPartitions);
    for (let p = 0; p < numPartitions; p++) parts[p] = [];
    return RDD.fromPartitions(parts);
  }

  /** The partitions of every RDD, one after another (Spark's `UnionRDD`). */
  static union<A>(rdds: ReadonlyArray<RDD<A>>): RDD<A> {
    if (rdds.length === 0) return RDD.empty<A>();
    if (rdds.length === 1) return rdds[0]!;
    const owner: number[] = [];
    const local: number[] = [];
    rdds.forEach((rdd, r) => {
      for (let p = 0; p < rdd.numPartitions; p++) {
        owner.push(r);
        local.push(p);
      }
    });
    return new RDD<A>(owner.length, (p, emit) => rdds[owner[p]!]!.forEachIn(local[p]!, emit));
  }

  // -------------------------------------------------------------------------------------
  // internals shared by the combinators
  // -------------------------------------------------------------------------------------

  /** Pushes the records of partition `p` to `emit`. */
  forEachIn(p: number, emit: (a: A) => void): void {
    const cached = this.#cached;
    if (cached !== undefined) return pushAll(cached[p]!, emit);
    if (this.#cacheRequested) return pushAll(this.#materialize()[p]!, emit);
    this.#compute(p, emit);
  }

  /**
   * Pushes the key and value of each record of partition `p` to `emit`. Right after a
   * `map` (not cached), the map's function is called in the same step and its pair read
   * at once, so it need not be allocated once that function is inlined (`reduceByKey`
   * and local[n]'s map side read their input this way).
   */
  forEachPairIn<K, V>(this: RDD<readonly [K, V]>, p: number, emit: (k: K, v: V) => void): void {
    const mapped = this.#cacheRequested || this.#cached !== undefined ? undefined : this.#mappedFrom;
    if (mapped === undefined) return this.forEachIn(p, (kv) => emit(kv[0], kv[1]));
    const { parent, f: toPair, label } = mapped;
    parent.forEachIn(p, (a) => {
      let kv: readonly [K, V];
      try {
        kv = toPair(a) as readonly [K, V];
      } catch (error) {
        throw userFunctionError(label, error);
      }
      emit(kv[0], kv[1]);
    });
  }

  #materialize(): ReadonlyArray<ReadonlyArray<A>> {
    if (this.#cached !== undefined) return this.#cached;
    if (this.#wide !== undefined || this.#pendingWide !== undefined) {
      // A wide step's partitions are arrays already: caching keeps them, not a copy.
      const wide = this.#wideParts();
      this.#cached = wide;
      this.#compute = computedAlready;
      return wide;
    }
    const parts: A[][] = [];
    for (let p = 0; p < this.numPartitions; p++) {
      const part: A[] = [];
      this.#compute(p, (a) => part.push(a));
      parts.push(part);
    }
    this.#cached = parts;
    // The records are held now: let go of the lineage that computed them.
    this.#compute = computedAlready;
    this.#mappedFrom = undefined;
    this.#columns = undefined;
    return parts;
  }

  /** The records as arrays already in memory (cached, or a wide step's), computing them if need be; else `undefined`. */
  #held(): ReadonlyArray<ReadonlyArray<A>> | undefined {
    if (this.#cached !== undefined) return this.#cached;
    if (this.#cacheRequested) return this.#materialize();
    if (this.#wide !== undefined) return this.#wide;
    return this.#pendingWide === undefined ? undefined : this.#wideParts();
  }

  /** Pushes every record, partition by partition. */
  #forEachRecord(emit: (a: A) => void): void {
    for (let p = 0; p < this.numPartitions; p++) this.forEachIn(p, emit);
  }

  /**
   * Keeps this RDD's records once computed, so later actions and several consumers
   * read them instead of computing them again. Returns this RDD.
   */
  cache(): this {
    // Arrays already held (fromArray, fromPartitions): caching would only copy them.
    if (this.#cached !== undefined) return this;
    this.#cacheRequested = true;
    return this;
  }

  /** How many partitions the data is split into (Spark's `getNumPartitions`). */
  getNumPartitions(): number {
    return this.numPartitions;
  }

  /** Spark's name for {@link RDD.cache}. */
  persist(): this {
    return this.cache();
  }

  /** True when the records are held in memory (after `cache()` and a first action). */
  get isCached(): boolean {
    return this.#cached !== undefined;
  }

  // -------------------------------------------------------------------------------------
  // narrow transformations (fused: no array per step)
  // -------------------------------------------------------------------------------------

  // `label` names the operation in the error a throwing user function raises (the
  // DStream combinators pass their node's name, e.g. "map-2"). Only the user's call is
  // inside the try, so an error from a later step is not blamed on this one.

  map<B>(f: (a: A) => B, label = "map"): RDD<B> {
    const mapped = new RDD<B>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (a) => {
        let b: B;
        try {
          b = f(a);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        emit(b);
      }));
    mapped.#mappedFrom = { parent: this as RDD<unknown>, f: f as (a: unknown) => unknown, label };
    return mapped;
  }

  flatMap<B>(f: (a: A) => Iterable<B>, label = "flatMap"): RDD<B> {
    return new RDD<B>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (a) => {
        let items: Iterable<B>;
        try {
          items = f(a);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        // An array is pushed here rather than in the shared pushAll, so that this call of
        // `emit` (once per item) only ever sees the next step and can be inlined.
        if (Array.isArray(items)) {
          const array = items as ReadonlyArray<B>;
          for (let i = 0; i < array.length; i++) emit(array[i]!);
        } else {
          pushUserIterable(items, emit, label);
        }
      }));
  }

  filter<B extends A>(predicate: (a: A) => a is B, label?: string): RDD<B>;
  filter(predicate: (a: A) => boolean, label?: string): RDD<A>;
  filter(predicate: (a: A) => boolean, label = "filter"): RDD<A> {
    return this.#keepingPartitioner(new RDD<A>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (a) => {
        let keep: boolean;
        try {
          keep = predicate(a);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        if (keep) emit(a);
      })));
  }

  /** `rdd`, marked as partitioned like this one (for steps that keep every record's key). */
  #keepingPartitioner<B>(rdd: RDD<B>): RDD<B> {
    rdd.#hashPartitions = this.#hashPartitions;
    return rdd;
  }

  /** Runs `f` once per partition over its records (an array), with the partition index. */
  mapPartitions<B>(f: (records: ReadonlyArray<A>, partition: number) => Iterable<B>, label = "mapPartitions"): RDD<B> {
    return new RDD<B>(this.numPartitions, (p, emit) => {
      const records = this.#partition(p);
      let items: Iterable<B>;
      try {
        items = f(records, p);
      } catch (error) {
        throw userFunctionError(label, error);
      }
      pushUserIterable(items, emit, label);
    });
  }

  /** One array per partition. */
  glom(): RDD<ReadonlyArray<A>> {
    return new RDD<ReadonlyArray<A>>(this.numPartitions, (p, emit) => emit(this.#partition(p)));
  }

  #partition(p: number): ReadonlyArray<A> {
    const held = this.#held();
    if (held !== undefined) return held[p]!;
    const records: A[] = [];
    this.forEachIn(p, (a) => records.push(a));
    return records;
  }

  mapValues<K, V, W>(this: RDD<readonly [K, V]>, f: (v: V) => W, label = "mapValues"): RDD<readonly [K, W]> {
    return this.#keepingPartitioner(new RDD<readonly [K, W]>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (kv) => {
        let w: W;
        try {
          w = f(kv[1]);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        emit([kv[0], w]);
      })));
  }

  flatMapValues<K, V, W>(this: RDD<readonly [K, V]>, f: (v: V) => Iterable<W>, label = "flatMapValues"): RDD<readonly [K, W]> {
    return this.#keepingPartitioner(new RDD<readonly [K, W]>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (kv) => {
        const k = kv[0];
        let ws: Iterable<W>;
        try {
          ws = f(kv[1]);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        pushUserIterable(ws, (w) => emit([k, w]), label);
      })));
  }

  keys<K, V>(this: RDD<readonly [K, V]>): RDD<K> {
    return this.map((kv) => kv[0]);
  }

  values<K, V>(this: RDD<readonly [K, V]>): RDD<V> {
    return this.map((kv) => kv[1]);
  }

  /** This RDD's partitions followed by `other`'s. */
  union(other: RDD<A>): RDD<A> {
    return RDD.union([this, other]);
  }

  // -------------------------------------------------------------------------------------
  // wide transformations (one hash table, computed once)
  // -------------------------------------------------------------------------------------

  /** A lazily computed RDD whose partitions come from one pass that returns all records. */
  static #shuffled<B>(numPartitions: number, run: () => ReadonlyArray<B>): RDD<B> {
    let parts: ReadonlyArray<ReadonlyArray<B>> | undefined;
    let pending: (() => ReadonlyArray<B>) | undefined = run;
    return new RDD<B>(numPartitions, (p, emit) => {
      if (pending !== undefined) {
        parts = slice(pending(), numPartitions);
        // Computed once: let go of the parents.
        pending = undefined;
      }
      pushAll(parts![p]!, emit);
    });
  }

  /** Redistributes the records into exactly `numPartitions` partitions. */
  repartition(numPartitions: number): RDD<A> {
    checkPartitionCount(numPartitions, "repartition's numPartitions");
    return RDD.#shuffled(numPartitions, () => this.collect());
  }

  /**
   * A lazily computed keyed result: `run` lays the records out by key hash (once), and
   * the RDD is marked as hash-partitioned among `numPartitions`.
   */
  static #keyed<B>(numPartitions: number, run: () => ReadonlyArray<ReadonlyArray<B>>): RDD<B> {
    const rdd = new RDD<B>(numPartitions, (p, emit) => pushAll(rdd.#wideParts()[p]!, emit));
    rdd.#pendingWide = run;
    rdd.#hashPartitions = numPartitions;
    return rdd;
  }

  /** A lazily computed reduce result, hash-partitioned among `numPartitions`, its pairs made as they are read. */
  static #reduced<B>(numPartitions: number, run: () => ReducedColumns): RDD<B> {
    const rdd = new RDD<B>(numPartitions, (p, emit) => {
      const { keys, values, layout } = rdd.#reducedColumns();
      const slots = layout[p]!;
      for (let j = 0; j < slots.length; j++) {
        const i = slots[j]!;
        emit([keys[i], values[i]] as B);
      }
    });
    rdd.#pendingColumns = run;
    rdd.#hashPartitions = numPartitions;
    return rdd;
  }

  #reducedColumns(): ReducedColumns {
    let columns = this.#columns;
    if (columns === undefined) {
      columns = this.#columns = this.#pendingColumns!();
      // Computed once: let go of the parents.
      this.#pendingColumns = undefined;
    }
    return columns;
  }

  /** The partitions of a wide step, computed on first use; `undefined` for any other RDD. */
  #wideParts(): ReadonlyArray<ReadonlyArray<A>> {
    let parts = this.#wide;
    if (parts === undefined) {
      parts = this.#wide = this.#pendingWide!();
      // Computed once: let go of the parents.
      this.#pendingWide = undefined;
    }
    return parts;
  }

  /**
   * How a keyed step into `numPartitions` orders each map output: no shuffle (arrival
   * order) when this RDD is already hash-partitioned alike, else `shuffled`.
   */
  #mapOutputOrder(numPartitions: number, shuffled: MapOutputOrder): MapOutputOrder {
    return this.#hashPartitions === numPartitions ? "arrival" : shuffled;
  }

  /**
   * Merges the values of each key with `f` (associative), keys compared by value. The
   * result is hash-partitioned as Spark's `HashPartitioner` does (see the README's "Keys").
   */
  reduceByKey<K, V>(
    this: RDD<readonly [K, V]>,
    f: (a: V, b: V) => V,
    numPartitions: number = this.numPartitions,
    label = "reduceByKey",
  ): RDD<readonly [K, V]> {
    checkPartitionCount(numPartitions, "reduceByKey's numPartitions");
    const order = this.#mapOutputOrder(numPartitions, "hash");
    return RDD.#reduced(numPartitions, () => {
      const table = new KeyReducer<K, V>();
      const combine = (a: V, b: V): V => {
        try {
          return f(a, b);
        } catch (error) {
          throw userFunctionError(label, error);
        }
      };
      const firstSeenEnds: number[] = [];
      const merge = (k: K, v: V): void => table.add(k, v, combine);
      for (let p = 0; p < this.numPartitions; p++) {
        this.forEachPairIn(p, merge);
        firstSeenEnds.push(table.size);
      }
      const { keys, values } = table;
      return { keys, values, layout: hashLayout(keys.length, (i) => keys[i]!, numPartitions, order, firstSeenEnds, table.stringHashCodes()) };
    });
  }

  /**
   * Spark's `combineByKey`: in each partition, one combiner per key, made by
   * `createCombiner` from its first value and grown by `mergeValue`; the combiners of
   * one key from several partitions are then merged with `mergeCombiners`, in
   * partition order (Spark's map-side combine).
   */
  combineByKey<K, V, C>(
    this: RDD<readonly [K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions: number = this.numPartitions,
    label = "combineByKey",
  ): RDD<readonly [K, C]> {
    checkPartitionCount(numPartitions, "combineByKey's numPartitions");
    if (this.#hashPartitions === numPartitions) {
      // Already partitioned: every key's values are in one partition, combined there.
      return this.#combineInOnePass(createCombiner, mergeValue, numPartitions, "arrival", label);
    }
    return RDD.#keyed(numPartitions, () => {
      const table = new KeyMap<K, C>();
      const firstSeenEnds: number[] = [];
      let value: V;
      const create = (): C => call(label, () => createCombiner(value));
      const merge = (c: C): C => call(label, () => mergeValue(c, value));
      let combiner: C;
      const mergeAcross = (c: C): C => call(label, () => mergeCombiners(c, combiner));
      for (let p = 0; p < this.numPartitions; p++) {
        const local = new KeyMap<K, C>();
        this.forEachIn(p, (kv) => {
          value = kv[1];
          const k = kv[0];
          if (!local.update(k, merge)) local.set(k, create());
        });
        local.forEach((c, k) => {
          combiner = c;
          if (!table.update(k, mergeAcross)) table.set(k, c);
        });
        firstSeenEnds.push(table.size);
      }
      return hashPartitioned(table.entries(), numPartitions, "hash", firstSeenEnds);
    });
  }

  /** One combiner per key over every record (no map-side combine: Spark's `groupByKey`). */
  #combineInOnePass<K, V, C>(
    this: RDD<readonly [K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    numPartitions: number,
    order: MapOutputOrder,
    label: string,
  ): RDD<readonly [K, C]> {
    return RDD.#keyed(numPartitions, () => {
      const table = new KeyMap<K, C>();
      let value: V;
      const create = (): C => call(label, () => createCombiner(value));
      const merge = (c: C): C => call(label, () => mergeValue(c, value));
      this.#forEachRecord((kv) => {
        value = kv[1];
        const k = kv[0];
        if (!table.update(k, merge)) table.set(k, create());
      });
      return hashPartitioned(table.entries(), numPartitions, order, []);
    });
  }

  /** The values of each key, in arrival order (no map-side combine, as in Spark). */
  groupByKey<K, V>(this: RDD<readonly [K, V]>, numPartitions: number = this.numPartitions): RDD<readonly [K, ReadonlyArray<V>]> {
    checkPartitionCount(numPartitions, "groupByKey's numPartitions");
    return this.#combineInOnePass<K, V, V[]>((v) => [v], (c, v) => {
      c.push(v);
      return c;
    }, numPartitions, "arrival", "groupByKey");
  }

  /**
   * Spark's `aggregateByKey`: per key and partition, folds the values into a copy of
   * `zero` with `seqOp`; merges a key's results from several partitions with `combOp`.
   */
  aggregateByKey<K, V, U>(
    this: RDD<readonly [K, V]>,
    zero: U,
    seqOp: (acc: U, v: V) => U,
    combOp: (a: U, b: U) => U,
    numPartitions: number = this.numPartitions,
  ): RDD<readonly [K, U]> {
    return this.combineByKey((v) => seqOp(copyOfZero(zero), v), seqOp, combOp, numPartitions, "aggregateByKey");
  }

  /** Spark's `foldByKey`: `aggregateByKey(zero, f, f)` (the zero counted once per key and partition). */
  foldByKey<K, V>(this: RDD<readonly [K, V]>, zero: V, f: (a: V, b: V) => V, numPartitions: number = this.numPartitions): RDD<readonly [K, V]> {
    return this.aggregateByKey(zero, f, f, numPartitions);
  }

  /** The distinct records (by value), hash-partitioned by record as Spark's `distinct`. */
  distinct(numPartitions: number = this.numPartitions): RDD<A> {
    return this.map((a): readonly [A, null] => [a, null]).reduceByKey((x) => x, numPartitions, "distinct").map((kv) => kv[0]);
  }

  /**
   * Every pair, placed in its key's hash partition among `numPartitions` (Spark's
   * `partitionBy(new HashPartitioner(n))`), in arrival order within a partition.
   */
  partitionBy<K, V>(this: RDD<readonly [K, V]>, numPartitions: number): RDD<readonly [K, V]> {
    checkPartitionCount(numPartitions, "partitionBy's numPartitions");
    if (this.#hashPartitions === numPartitions) return this;
    return RDD.#keyed(numPartitions, () => recordsByKeyHash(this.collect(), numPartitions));
  }

  /** For each key in either RDD, its values in this one and in `other`. */
  cogroup<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions: number = Math.max(this.numPartitions, other.numPartitions),
  ): RDD<readonly [K, readonly [ReadonlyArray<V>, ReadonlyArray<W>]]> {
    checkPartitionCount(numPartitions, "cogroup's numPartitions");
    return RDD.#keyed(numPartitions, () => {
      const table = new KeyMap<K, [V[], W[]]>();
      const newGroup = (): [V[], W[]] => [[], []];
      this.#forEachRecord((kv) => table.getOrInsert(kv[0], newGroup)[0].push(kv[1]));
      other.#forEachRecord((kw) => table.getOrInsert(kw[0], newGroup)[1].push(kw[1]));
      return hashPartitioned(table.entries(), numPartitions, "arrival", []);
    });
  }

  /**
   * Pairs of values for keys present in both RDDs: what `cogroup` then `flatMapValues`
   * over the pairs of each key gives (Spark's `join`), in that order, without building
   * the groups: one cell per key holding its first value of each side inline.
   */
  join<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions: number = Math.max(this.numPartitions, other.numPartitions),
  ): RDD<readonly [K, readonly [V, W]]> {
    checkPartitionCount(numPartitions, "join's numPartitions");
    return RDD.#keyed(numPartitions, () => {
      const table = new JoinTable<K, V, W>();
      this.#forEachRecord((kv) => table.addLeft(kv[0], kv[1]));
      other.#forEachRecord((kw) => table.addRight(kw[0], kw[1]));
      const keys = table.keys;
      // Every key counts for the layout, paired or not: it takes a slot of the reduce side's table.
      const layout = hashLayout(keys.length, (i) => keys[i]!, numPartitions, "arrival", [], table.stringHashCodes());
      const parts: Array<Array<readonly [K, readonly [V, W]]>> = new Array(numPartitions);
      for (let p = 0; p < numPartitions; p++) {
        const indexes = layout[p]!;
        const out: Array<readonly [K, readonly [V, W]]> = [];
        for (let j = 0; j < indexes.length; j++) table.pairsInto(indexes[j]!, out);
        parts[p] = out;
      }
      return parts;
    });
  }

  /** Every pair of this RDD, with `other`'s matching values or `none`. */
  leftOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [V, Option<W>]]> {
    return this.cogroup(other, numPartitions).flatMapValues(([vs, ws]) => pairsOf(vs, optionsOf(ws)));
  }

  /** Every pair of `other`, with this RDD's matching values or `none`. */
  rightOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [Option<V>, W]]> {
    return this.cogroup(other, numPartitions).flatMapValues(([vs, ws]) => pairsOf(optionsOf(vs), ws));
  }

  /** Every key of either RDD, with the values of each side or `none`. */
  fullOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [Option<V>, Option<W>]]> {
    return this.cogroup(other, numPartitions).flatMapValues(([vs, ws]) => pairsOf(optionsOf(vs), optionsOf(ws)));
  }

  /** The pairs of this RDD whose key is not in `other` (Spark's `subtractByKey`), by key hash. */
  subtractByKey<K, V, W>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions: number = this.numPartitions): RDD<readonly [K, V]> {
    checkPartitionCount(numPartitions, "subtractByKey's numPartitions");
    return RDD.#keyed(numPartitions, () => {
      const drop = new KeyMap<K, true>();
      other.#forEachRecord((kw) => drop.set(kw[0], true));
      return recordsByKeyHash(this.collect().filter((kv) => !drop.has(kv[0])), numPartitions);
    });
  }

  /** The records of this RDD (duplicates kept) that are not in `other`, by value (Spark's `subtract`). */
  subtract(other: RDD<A>, numPartitions: number = this.numPartitions): RDD<A> {
    return this.map((a): readonly [A, null] => [a, null])
      .subtractByKey(other.map((a): readonly [A, null] => [a, null]), numPartitions)
      .map((kv) => kv[0]);
  }

  /** The distinct records present in both RDDs, by value (Spark's `intersection`). */
  intersection(other: RDD<A>, numPartitions: number = Math.max(this.numPartitions, other.numPartitions)): RDD<A> {
    return this.map((a): readonly [A, null] => [a, null])
      .cogroup(other.map((a): readonly [A, null] => [a, null]), numPartitions)
      .filter(([, [xs, ys]]) => xs.length > 0 && ys.length > 0)
      .map((kv) => kv[0]);
  }

  /**
   * Every pair `[a, b]` of a record of this RDD and one of `other`: partition
   * `i * other.numPartitions + j` pairs this RDD's partition `i` with `other`'s `j`.
   */
  cartesian<B>(other: RDD<B>): RDD<readonly [A, B]> {
    const m = other.numPartitions;
    return new RDD<readonly [A, B]>(this.numPartitions * m, (p, emit) => {
      const right = other.#partition(p % m);
      this.forEachIn(Math.floor(p / m), (a) => {
        for (let i = 0; i < right.length; i++) emit([a, right[i]!]);
      });
    });
  }

  /**
   * Pairs the i-th record of each partition with the i-th record of `other`'s same
   * partition. Both must have as many partitions, and as many records in each.
   */
  zip<B>(other: RDD<B>): RDD<readonly [A, B]> {
    if (other.numPartitions !== this.numPartitions) {
      throw new RangeError(
        `Can't zip RDDs with unequal numbers of partitions: [${this.numPartitions}, ${other.numPartitions}]: ` +
          "repartition one to the other's count first",
      );
    }
    return new RDD<readonly [A, B]>(this.numPartitions, (p, emit) => {
      const left = this.#partition(p);
      const right = other.#partition(p);
      if (left.length !== right.length) {
        throw new RangeError(
          `Can only zip RDDs with same number of elements in each partition: partition ${p} holds ${left.length} and ${right.length}`,
        );
      }
      for (let i = 0; i < left.length; i++) emit([left[i]!, right[i]!]);
    });
  }

  /** Each record with its index: partition by partition, in order, from 0. */
  zipWithIndex(): RDD<readonly [A, number]> {
    let starts: number[] | undefined;
    return new RDD<readonly [A, number]>(this.numPartitions, (p, emit) => {
      if (starts === undefined) {
        // Spark counts the records of every partition but the last first.
        const counts: number[] = [0];
        for (let q = 0; q < this.numPartitions - 1; q++) counts.push(counts[q]! + this.#partition(q).length);
        starts = counts;
      }
      let index = starts[p]!;
      this.forEachIn(p, (a) => emit([a, index++]));
    });
  }

  /**
   * Merges partitions into `numPartitions` without a shuffle (each new partition takes
   * a contiguous range of the old, as Spark does without locality); with `shuffle`, a
   * {@link RDD.repartition}. Asking for more partitions without a shuffle keeps this RDD.
   */
  coalesce(numPartitions: number, shuffle = false): RDD<A> {
    checkPartitionCount(numPartitions, "coalesce's numPartitions");
    if (shuffle) return this.repartition(numPartitions);
    if (numPartitions >= this.numPartitions) return this;
    const from = this.numPartitions;
    return new RDD<A>(numPartitions, (p, emit) => {
      const end = Math.floor(((p + 1) * from) / numPartitions);
      for (let q = Math.floor((p * from) / numPartitions); q < end; q++) this.forEachIn(q, emit);
    });
  }

  /**
   * A random sample: without replacement each record is kept with probability
   * `fraction` (0…1); with replacement each is kept a Poisson(`fraction`) number of
   * times. The same seed gives the same sample.
   */
  sample(withReplacement: boolean, fraction: number, seed: number = Math.floor(Math.random() * 2 ** 32)): RDD<A> {
    if (typeof fraction !== "number" || !(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw new RangeError(
        `sample's fraction must be ${withReplacement ? "≥ 0 (the expected copies of each record)" : "between 0 and 1 (the chance to keep a record)"}, got ${String(fraction)}`,
      );
    }
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new TypeError(`sample's seed must be a finite number, got ${String(seed)}`);
    return new RDD<A>(this.numPartitions, (p, emit) => {
      const random = partitionRandom(seed, p);
      this.forEachIn(p, withReplacement
        ? (a) => {
          for (let k = poisson(fraction, random); k > 0; k--) emit(a);
        }
        : (a) => {
          if (random() < fraction) emit(a);
        });
    });
  }

  /** Sorts the records by `f`'s key (stable; `compare` or the default ordering), into `numPartitions` ranges. */
  sortBy<K>(f: (a: A) => K, ascending = true, numPartitions: number = this.numPartitions, compare?: Compare<K>): RDD<A> {
    checkPartitionCount(numPartitions, "sortBy's numPartitions");
    const order = (compare ?? defaultCompare("sortBy")) as Compare<K>;
    return RDD.#shuffled(numPartitions, () => {
      const keyed = this.collect().map((a) => [call("sortBy", () => f(a)), a] as const);
      keyed.sort(ascending ? (x, y) => order(x[0], y[0]) : (x, y) => order(y[0], x[0]));
      return keyed.map((ka) => ka[1]);
    });
  }

  /** Sorts the pairs by key (stable; `compare` or the default ordering), into `numPartitions` ranges. */
  sortByKey<K, V>(this: RDD<readonly [K, V]>, ascending = true, numPartitions: number = this.numPartitions, compare?: Compare<K>): RDD<readonly [K, V]> {
    const order = compare ?? (defaultCompare("sortByKey") as Compare<K>);
    return this.sortBy((kv) => kv[0], ascending, numPartitions, order);
  }

  // -------------------------------------------------------------------------------------
  // actions
  // -------------------------------------------------------------------------------------

  /** Every record, partition by partition. */
  collect(): A[] {
    // Records held in memory are copied array by array, not pushed one at a time.
    const held = this.#held();
    if (held !== undefined) return held.length === 1 ? held[0]!.slice() : ([] as A[]).concat(...held);
    if (this.#columns !== undefined || this.#pendingColumns !== undefined) {
      // A reduce's pairs, made straight into the array (no push through the partitions).
      const { keys, values, layout } = this.#reducedColumns();
      const out = new Array<A>(keys.length);
      let k = 0;
      for (let p = 0; p < layout.length; p++) {
        const slots = layout[p]!;
        for (let j = 0; j < slots.length; j++) {
          const i = slots[j]!;
          out[k++] = [keys[i], values[i]] as A;
        }
      }
      return out;
    }
    const out: A[] = [];
    this.#forEachRecord((a) => out.push(a));
    return out;
  }

  /**
   * The pairs as a `Map` (Spark's `collectAsMap`): for a key that occurs more than once
   * (keys compared by value), the last pair wins; the map's key is the first one seen.
   */
  collectAsMap<K, V>(this: RDD<readonly [K, V]>): Map<K, V> {
    const table = new KeyMap<K, V>();
    this.#forEachRecord((kv) => table.set(kv[0], kv[1]));
    return new Map(table.entries());
  }

  /** The records of each partition. */
  collectPartitions(): ReadonlyArray<ReadonlyArray<A>> {
    return Array.from({ length: this.numPartitions }, (_, p) => this.#partition(p));
  }

  count(): number {
    let n = 0;
    this.#forEachRecord(() => n++);
    return n;
  }

  /** The first `n` records, computing only the partitions it needs. */
  take(n: number): A[] {
    const out: A[] = [];
    for (let p = 0; p < this.numPartitions && out.length < n; p++) {
      const part = this.#partition(p);
      for (let i = 0; i < part.length && out.length < n; i++) out.push(part[i]!);
    }
    return out;
  }

  isEmpty(): boolean {
    return this.take(1).length === 0;
  }

  /** The first record; throws on an empty RDD. */
  first(): A {
    const [head] = this.take(1);
    if (head === undefined && this.isEmpty()) {
      throw new RangeError("first() was called on an empty RDD: check isEmpty() first");
    }
    return head as A;
  }

  foreach(f: (a: A) => void): void {
    this.#forEachRecord(f);
  }

  /** Combines every record with `f`; `none` for an empty RDD. */
  reduceOption(f: (a: A, b: A) => A, label = "reduce"): Option<A> {
    let acc: A | undefined;
    let seen = false;
    this.#forEachRecord((a) => {
      if (!seen) {
        acc = a;
        seen = true;
        return;
      }
      try {
        acc = f(acc as A, a);
      } catch (error) {
        throw userFunctionError(label, error);
      }
    });
    return seen ? some(acc as A) : none;
  }

  /** Combines every record with `f`; throws on an empty RDD, as Spark does. */
  reduce(f: (a: A, b: A) => A): A {
    const result = this.reduceOption(f);
    if (result._tag === "None") {
      throw new RangeError("reduce() was called on an empty RDD: use reduceOption() or check isEmpty() first");
    }
    return result.value;
  }

  /**
   * Spark's `fold`: each partition folds its records into a copy of `zero` with `op`,
   * then the partitions' results are folded with `op` into `zero` once more, so `zero`
   * must be `op`'s identity (`0` for `+`) for the result not to depend on partitioning.
   */
  fold(zero: A, op: (a: A, b: A) => A): A {
    return this.aggregate(zero, op, op);
  }

  /**
   * Spark's `aggregate`: each partition folds its records into a copy of `zero` with
   * `seqOp`; the partitions' results are merged into `zero` with `combOp`, in partition order.
   */
  aggregate<B>(zero: B, seqOp: (acc: B, a: A) => B, combOp: (a: B, b: B) => B): B {
    let result = copyOfZero(zero);
    for (let p = 0; p < this.numPartitions; p++) {
      let acc = copyOfZero(zero);
      this.forEachIn(p, (a) => {
        acc = call("aggregate", () => seqOp(acc, a));
      });
      const partial = acc;
      result = call("aggregate", () => combOp(result, partial));
    }
    return result;
  }

  /** How many pairs each key has (keys by value), as a `Map` keyed by the first key seen. */
  countByKey<K, V>(this: RDD<readonly [K, V]>): Map<K, number> {
    const table = new KeyMap<K, number>();
    this.#forEachRecord((kv) => table.merge(kv[0], 1, add));
    return new Map(table.entries());
  }

  /** How many times each distinct record occurs (by value), as a `Map` keyed by the first one seen. */
  countByValue(): Map<A, number> {
    const table = new KeyMap<A, number>();
    this.#forEachRecord((a) => table.merge(a, 1, add));
    return new Map(table.entries());
  }

  /** The values of `key` (compared by value), in order. */
  lookup<K, V>(this: RDD<readonly [K, V]>, key: K): V[] {
    const wanted = new KeyMap<K, true>().set(key, true);
    const out: V[] = [];
    this.#forEachRecord((kv) => {
      if (wanted.has(kv[0])) out.push(kv[1]);
    });
    return out;
  }

  /**
   * Runs `f` once per partition with its records and index, every partition at once;
   * resolves when all have finished (awaiting async functions), rejects with the first
   * error. Spark's pattern: open one connection per partition inside `foreachRDD`.
   *
   * @example
   * ```ts
   * import { RDD } from "@dstreams/dstreams";
   * import assert from "node:assert";
   * const sent: string[] = [];
   * await RDD.fromArray(["a", "b", "c"], 2).foreachPartition(async (records, index) => {
   *   await Promise.resolve(); // open a connection, send, close
   *   sent.push(`${index}:${records.join("")}`);
   * });
   * assert.deepEqual(sent.sort(), ["0:a", "1:bc"]);
   * ```
   */
  async foreachPartition(f: (records: ReadonlyArray<A>, partition: number) => void | Promise<void>): Promise<void> {
    const runs: Array<Promise<void>> = [];
    for (let p = 0; p < this.numPartitions; p++) {
      const records = this.#partition(p);
      runs.push((async () => {
        try {
          await f(records, p);
        } catch (error) {
          throw userFunctionError("foreachPartition", error);
        }
      })());
    }
    const settled = await Promise.allSettled(runs);
    for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
  }

  /**
   * Writes the records to a new folder at `path`, as Spark's `saveAsTextFile`: one
   * `part-NNNNN` file per partition (a record per line, formatted as `pprint` shows it)
   * and an empty `_SUCCESS`, written aside and renamed into place. Rejects when `path`
   * exists already.
   */
  saveAsTextFile(path: string): Promise<void> {
    return saveAsNewTextFolder(this, path);
  }

  /** The `n` largest records, largest first (`compare` or the default ordering). */
  top(n: number, compare?: Compare<A>): A[] {
    checkCount(n, "top");
    const order = compare ?? (defaultCompare("top") as Compare<A>);
    return this.collect().sort((a, b) => order(b, a)).slice(0, n);
  }

  /** The `n` smallest records, smallest first (`compare` or the default ordering). */
  takeOrdered(n: number, compare?: Compare<A>): A[] {
    checkCount(n, "takeOrdered");
    const order = compare ?? (defaultCompare("takeOrdered") as Compare<A>);
    return this.collect().sort(order).slice(0, n);
  }

  /** The largest record (`compare` or the default ordering); throws on an empty RDD. */
  max(compare?: Compare<A>): A {
    const order = compare ?? (defaultCompare("max") as Compare<A>);
    const result = this.reduceOption((a, b) => (order(a, b) >= 0 ? a : b), "max");
    if (result._tag === "None") throw emptyCollection("max");
    return result.value;
  }

  /** The smallest record (`compare` or the default ordering); throws on an empty RDD. */
  min(compare?: Compare<A>): A {
    const order = compare ?? (defaultCompare("min") as Compare<A>);
    const result = this.reduceOption((a, b) => (order(a, b) <= 0 ? a : b), "min");
    if (result._tag === "None") throw emptyCollection("min");
    return result.value;
  }

  /** The sum of the numbers (0 for an empty RDD). */
  sum(this: RDD<number>): number {
    let total = 0;
    this.#forEachRecord((x) => {
      total += x;
    });
    return total;
  }

  /** Count, mean, variance, max and min in one pass, merged per partition as Spark's `stats()`. */
  stats(this: RDD<number>): StatCounter {
    const total = new StatCounter();
    for (let p = 0; p < this.numPartitions; p++) {
      const partial = new StatCounter();
      this.forEachIn(p, (x) => partial.add(x));
      total.merge(partial);
    }
    return total;
  }

  /** The mean of the numbers; `NaN` for an empty RDD. */
  mean(this: RDD<number>): number {
    return this.stats().mean;
  }

  /** The population variance; `NaN` for an empty RDD. */
  variance(this: RDD<number>): number {
    return this.stats().variance;
  }

  /** The population standard deviation; `NaN` for an empty RDD. */
  stdev(this: RDD<number>): number {
    return this.stats().stdev;
  }

  /** The sample variance (divided by n - 1); `NaN` for fewer than two numbers. */
  sampleVariance(this: RDD<number>): number {
    return this.stats().sampleVariance;
  }

  /** The sample standard deviation; `NaN` for fewer than two numbers. */
  sampleStdev(this: RDD<number>): number {
    return this.stats().sampleStdev;
  }

  /**
   * A keyed result from a map-side combine done elsewhere (worker threads): `mapOutputs()`
   * gives, for each partition of `parent` in order, its keys (first-seen order) and one
   * combiner each. They are merged in partition order with `mergeCombiners` and laid out
   * exactly as {@link RDD.combineByKey} lays out its result; computed on first read.
   */
  static fromMapOutputs<K, C>(
    parent: RDD<unknown>,
    numPartitions: number,
    mapOutputs: () => ReadonlyArray<readonly [ReadonlyArray<K>, ReadonlyArray<C>]>,
    mergeCombiners: (a: C, b: C) => C,
    label: string,
  ): RDD<readonly [K, C]> {
    checkPartitionCount(numPartitions, "fromMapOutputs's numPartitions");
    const order = parent.#mapOutputOrder(numPartitions, "hash");
    return RDD.#reduced(numPartitions, () => {
      const slots = new KeySlots<K>();
      const merged: C[] = [];
      const firstSeenEnds: number[] = [];
      for (const [keys, combiners] of mapOutputs()) {
        for (let i = 0; i < keys.length; i++) {
          const slot = slots.slotOf(keys[i]!);
          if (slot === merged.length) merged.push(combiners[i]!);
          else {
            try {
              merged[slot] = mergeCombiners(merged[slot]!, combiners[i]!);
            } catch (error) {
              throw userFunctionError(label, error);
            }
          }
        }
        firstSeenEnds.push(slots.size);
      }
      const keys = slots.keys;
      const ends = order === "hash" ? firstSeenEnds : [];
      return { keys, values: merged, layout: hashLayout(keys.length, (i) => keys[i]!, numPartitions, order, ends, slots.stringHashCodes()) };
    });
  }

  /**
   * A keyed result from a map-side combine already merged (on the driver alone, see
   * `combineAllPartitions`): `merged()` gives the distinct keys in first-seen order, the
   * keys first seen in partition p of `parent` ending at `firstSeenEnds[p]`, with their
   * combiners. Laid out as {@link RDD.fromMapOutputs} lays out its result; computed on first read.
   */
  static fromMergedMapSide<K, C>(
    parent: RDD<unknown>,
    numPartitions: number,
    merged: () => {
      readonly keys: ReadonlyArray<K>;
      readonly combiners: ReadonlyArray<C>;
      readonly firstSeenEnds: ReadonlyArray<number>;
      /** Every key's `hashCodeOf`, when known already. */
      readonly hashes?: Int32Array | undefined;
    },
  ): RDD<readonly [K, C]> {
    checkPartitionCount(numPartitions, "fromMergedMapSide's numPartitions");
    const order = parent.#mapOutputOrder(numPartitions, "hash");
    return RDD.#reduced(numPartitions, () => {
      const { keys, combiners, firstSeenEnds, hashes } = merged();
      return {
        keys,
        values: combiners,
        layout: hashLayout(keys.length, (i) => keys[i]!, numPartitions, order, order === "hash" ? firstSeenEnds : [], hashes),
      };
    });
  }
}

// One instance each keeps their hidden classes alive between batches (see lib/_shapes.ts).
keepShapeOf(RDD.empty());
