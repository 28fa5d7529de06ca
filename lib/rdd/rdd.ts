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
import { KeyMap } from "./_keys.ts";
import { userFunctionError } from "./user_function_error.ts";

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

/** Every `[key, [x, y]]` for `x` in `xs` and `y` in `ys`. */
const pairsOf = <K, X, Y>(key: K, xs: ReadonlyArray<X>, ys: ReadonlyArray<Y>): Array<readonly [K, readonly [X, Y]]> => {
  const out: Array<readonly [K, readonly [X, Y]]> = [];
  for (const x of xs) for (const y of ys) out.push([key, [x, y]]);
  return out;
};

/** The values as `some`s, or a lone `none` when there are none (an outer join's missing side). */
const optionsOf = <A>(values: ReadonlyArray<A>): ReadonlyArray<Option<A>> =>
  values.length === 0 ? [none] : values.map((v) => some(v));

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
  /** Reads arrays already in memory: caching would only copy them. */
  #inMemory = false;
  #cached: ReadonlyArray<ReadonlyArray<A>> | undefined;

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

  /** An RDD of `items`, split into `numSlices` contiguous partitions (read in place, not copied). */
  static fromArray<A>(items: ReadonlyArray<A>, numSlices = 1): RDD<A> {
    const n = checkPartitionCount(numSlices, "fromArray's numSlices");
    if (n === 1) return RDD.fromPartitions([items]);
    const length = items.length;
    const rdd = new RDD<A>(n, (p, emit) => {
      const end = Math.floor(((p + 1) * length) / n);
      for (let i = Math.floor((p * length) / n); i < end; i++) emit(items[i]!);
    });
    rdd.#inMemory = true;
    return rdd;
  }

  /** An RDD with no records. */
  static empty<A>(numPartitions = 1): RDD<A> {
    return RDD.fromPartitions(Array.from({ length: numPartitions }, () => []));
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

  #materialize(): ReadonlyArray<ReadonlyArray<A>> {
    if (this.#cached !== undefined) return this.#cached;
    const parts: A[][] = [];
    for (let p = 0; p < this.numPartitions; p++) {
      const part: A[] = [];
      this.#compute(p, (a) => part.push(a));
      parts.push(part);
    }
    this.#cached = parts;
    // The records are held now: let go of the lineage that computed them.
    this.#compute = computedAlready;
    return parts;
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
    if (this.#inMemory) return this;
    this.#cacheRequested = true;
    return this;
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
    return new RDD<B>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (a) => {
        let b: B;
        try {
          b = f(a);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        emit(b);
      }));
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
        pushUserIterable(items, emit, label);
      }));
  }

  filter<B extends A>(predicate: (a: A) => a is B, label?: string): RDD<B>;
  filter(predicate: (a: A) => boolean, label?: string): RDD<A>;
  filter(predicate: (a: A) => boolean, label = "filter"): RDD<A> {
    return new RDD<A>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (a) => {
        let keep: boolean;
        try {
          keep = predicate(a);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        if (keep) emit(a);
      }));
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
    if (this.#cached !== undefined) return this.#cached[p]!;
    const records: A[] = [];
    this.forEachIn(p, (a) => records.push(a));
    return records;
  }

  mapValues<K, V, W>(this: RDD<readonly [K, V]>, f: (v: V) => W, label = "mapValues"): RDD<readonly [K, W]> {
    return new RDD<readonly [K, W]>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (kv) => {
        let w: W;
        try {
          w = f(kv[1]);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        emit([kv[0], w]);
      }));
  }

  flatMapValues<K, V, W>(this: RDD<readonly [K, V]>, f: (v: V) => Iterable<W>, label = "flatMapValues"): RDD<readonly [K, W]> {
    return new RDD<readonly [K, W]>(this.numPartitions, (p, emit) =>
      this.forEachIn(p, (kv) => {
        const k = kv[0];
        let ws: Iterable<W>;
        try {
          ws = f(kv[1]);
        } catch (error) {
          throw userFunctionError(label, error);
        }
        pushUserIterable(ws, (w) => emit([k, w]), label);
      }));
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

  /** Merges the values of each key with `f` (associative), keys compared by value. */
  reduceByKey<K, V>(
    this: RDD<readonly [K, V]>,
    f: (a: V, b: V) => V,
    numPartitions: number = this.numPartitions,
    label = "reduceByKey",
  ): RDD<readonly [K, V]> {
    checkPartitionCount(numPartitions, "reduceByKey's numPartitions");
    return RDD.#shuffled(numPartitions, () => {
      const table = new KeyMap<K, V>();
      const combine = (a: V, b: V): V => {
        try {
          return f(a, b);
        } catch (error) {
          throw userFunctionError(label, error);
        }
      };
      this.#forEachRecord((kv) => table.merge(kv[0], kv[1], combine));
      return table.entries();
    });
  }

  /** Spark's `combineByKey`: builds one combiner per key. */
  combineByKey<K, V, C>(
    this: RDD<readonly [K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    _mergeCombiners: (a: C, b: C) => C,
    numPartitions: number = this.numPartitions,
    label = "combineByKey",
  ): RDD<readonly [K, C]> {
    checkPartitionCount(numPartitions, "combineByKey's numPartitions");
    // One process sees every value, so combiners never need merging here.
    return RDD.#shuffled(numPartitions, () => {
      const table = new KeyMap<K, C>();
      let value: V;
      const create = (): C => {
        try {
          return createCombiner(value);
        } catch (error) {
          throw userFunctionError(label, error);
        }
      };
      const merge = (c: C): C => {
        try {
          return mergeValue(c, value);
        } catch (error) {
          throw userFunctionError(label, error);
        }
      };
      this.#forEachRecord((kv) => {
        value = kv[1];
        const k = kv[0];
        if (!table.update(k, merge)) table.set(k, create());
      });
      return table.entries();
    });
  }

  /** The values of each key, in arrival order. */
  groupByKey<K, V>(this: RDD<readonly [K, V]>, numPartitions: number = this.numPartitions): RDD<readonly [K, ReadonlyArray<V>]> {
    return this.combineByKey<K, V, V[]>((v) => [v], (c, v) => {
      c.push(v);
      return c;
    }, (a, b) => a.concat(b), numPartitions);
  }

  /** How many times each distinct record occurs. */
  countByValue(numPartitions: number = this.numPartitions): RDD<readonly [A, number]> {
    return this.map((a): readonly [A, number] => [a, 1]).reduceByKey((x, y) => x + y, numPartitions);
  }

  /** For each key in either RDD, its values in this one and in `other`. */
  cogroup<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions: number = Math.max(this.numPartitions, other.numPartitions),
  ): RDD<readonly [K, readonly [ReadonlyArray<V>, ReadonlyArray<W>]]> {
    checkPartitionCount(numPartitions, "cogroup's numPartitions");
    return RDD.#shuffled(numPartitions, () => {
      const table = new KeyMap<K, [V[], W[]]>();
      const newGroup = (): [V[], W[]] => [[], []];
      this.#forEachRecord((kv) => table.getOrInsert(kv[0], newGroup)[0].push(kv[1]));
      other.#forEachRecord((kw) => table.getOrInsert(kw[0], newGroup)[1].push(kw[1]));
      return table.entries();
    });
  }

  /** Pairs of values for keys present in both RDDs. */
  join<K, V, W>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number): RDD<readonly [K, readonly [V, W]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => pairsOf(k, vs, ws));
  }

  /** Every pair of this RDD, with `other`'s matching values or `none`. */
  leftOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [V, Option<W>]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => pairsOf(k, vs, optionsOf(ws)));
  }

  /** Every pair of `other`, with this RDD's matching values or `none`. */
  rightOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [Option<V>, W]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => pairsOf(k, optionsOf(vs), ws));
  }

  /** Every key of either RDD, with the values of each side or `none`. */
  fullOuterJoin<K, V, W>(
    this: RDD<readonly [K, V]>,
    other: RDD<readonly [K, W]>,
    numPartitions?: number,
  ): RDD<readonly [K, readonly [Option<V>, Option<W>]]> {
    return this.cogroup(other, numPartitions).flatMap(([k, [vs, ws]]) => pairsOf(k, optionsOf(vs), optionsOf(ws)));
  }

  // -------------------------------------------------------------------------------------
  // actions
  // -------------------------------------------------------------------------------------

  /** Every record, partition by partition. */
  collect(): A[] {
    // Records held in memory are copied array by array, not pushed one at a time.
    const held = this.#cached ?? (this.#cacheRequested ? this.#materialize() : undefined);
    if (held !== undefined) return held.length === 1 ? held[0]!.slice() : ([] as A[]).concat(...held);
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

  fold<B>(zero: B, f: (acc: B, a: A) => B): B {
    let acc = zero;
    this.#forEachRecord((a) => {
      acc = f(acc, a);
    });
    return acc;
  }
}
