/**
 * The keyed steps of the windows, with one cell per key so that a record of a key
 * already seen costs one lookup (no read-then-write of the table): each batch's
 * `reduceByKey` under a window, and the whole window's reduce or grouping (the union of
 * its batches' small per-batch results), so a slide costs in proportion to what the
 * window holds.
 *
 * Each gives exactly what the RDD step Spark's form names gives over the same RDD —
 * the same values, merged in the same order, the keys laid out as its shuffle lays them
 * out (`hashPartitioned`) — without its costs per record: `KeyMap.merge` reads and then
 * writes the table for every record, and `combineByKey`'s `a.concat(b)` copies a key's
 * values again for every batch that holds it (quadratic in the window's length).
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { hashCodeOf, KeyMap } from "../rdd/_keys.ts";
import { appendOnlyMapOrder, nonNegativeMod } from "../rdd/_hash.ts";
import { hashPartitioned, type MapOutputOrder } from "../rdd/_partitioning.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { asGroup } from "../_grouped.ts";

/** One key's result so far, kept beside its key so that merging into it needs one lookup. */
interface Cell<K, C> {
  readonly key: K;
  value: C;
}

/**
 * An RDD of `numPartitions` partitions computed at its first read, all at once, by
 * `run`; it then holds only its records (what `run` read is released).
 */
const computedOnRead = <B>(numPartitions: number, run: () => ReadonlyArray<ReadonlyArray<B>>): RDD<B> => {
  let pending: (() => ReadonlyArray<ReadonlyArray<B>>) | undefined = run;
  let parts: ReadonlyArray<ReadonlyArray<B>> | undefined;
  return new RDD<B>(numPartitions, (p, emit) => {
    if (parts === undefined) {
      parts = pending!();
      pending = undefined;
    }
    const part = parts[p]!;
    for (let i = 0; i < part.length; i++) emit(part[i]!);
  });
};

/**
 * Reads every record of `rdd` partition by partition into one cell per key: `first`
 * makes a key's cell value, `next` adds a record to it. Returns the cells in the order
 * keys first appeared and, per partition, how many keys had appeared by its end.
 */
const cellsByKey = <K, V, C>(
  rdd: RDD<readonly [K, V]>,
  first: (value: V) => C,
  next: (cell: Cell<K, C>, value: V) => void,
): { cells: Array<Cell<K, C>>; firstSeenEnds: number[] } => {
  const table = new KeyMap<K, Cell<K, C>>();
  const cells: Array<Cell<K, C>> = [];
  const firstSeenEnds: number[] = [];
  const add = (kv: readonly [K, V]): void => {
    const cell = table.get(kv[0]);
    if (cell !== undefined) return next(cell, kv[1]);
    const added: Cell<K, C> = { key: kv[0], value: first(kv[1]) };
    table.set(kv[0], added);
    cells.push(added);
  };
  for (let p = 0; p < rdd.numPartitions; p++) {
    rdd.forEachIn(p, add);
    firstSeenEnds.push(cells.length);
  }
  return { cells, firstSeenEnds };
};

const pairsOf = <K, C>(cells: ReadonlyArray<Cell<K, C>>): Array<readonly [K, C]> => {
  const out = new Array<readonly [K, C]>(cells.length);
  for (let i = 0; i < cells.length; i++) out[i] = [cells[i]!.key, cells[i]!.value];
  return out;
};

/**
 * `rdd.reduceByKey(f, numPartitions, label)`, as `RDD.reduceByKey` computes it (each
 * key's values merged with `f` in the RDD's order, the layout of its shuffle, or none
 * when `rdd` is hash-partitioned alike), with one lookup per record of a key already
 * seen instead of a read and a write.
 */
export const reduceByKeyInCells = <K, V>(
  rdd: RDD<readonly [K, V]>,
  f: (a: V, b: V) => V,
  numPartitions: number,
  label: string,
): RDD<readonly [K, V]> => {
  // `partitionBy` returns the RDD itself when it is hash-partitioned into as many partitions.
  const order = rdd.partitionBy(numPartitions) === rdd ? "arrival" : "hash";
  return computedOnRead(numPartitions, () => {
    const table = new KeyMap<K, Cell<K, V>>();
    const cells: Array<Cell<K, V>> = [];
    const firstSeenEnds: number[] = [];
    const add = (kv: readonly [K, V]): void => {
      const key = kv[0];
      const cell = table.get(key);
      if (cell === undefined) {
        const added: Cell<K, V> = { key, value: kv[1] };
        table.set(key, added);
        cells.push(added);
        return;
      }
      try {
        cell.value = f(cell.value, kv[1]);
      } catch (error) {
        throw userFunctionError(label, error);
      }
    };
    for (let p = 0; p < rdd.numPartitions; p++) {
      rdd.forEachIn(p, add);
      firstSeenEnds.push(cells.length);
    }
    return hashPartitioned(pairsOf(cells), numPartitions, order, firstSeenEnds);
  });
};

/**
 * Spark's `groupByKey.window.combineByKey(toBuffer, ++=, ++=)` over a window's union of
 * per-batch groups: each key's values in the union's order (time, then partition), as
 * one new list, marked as a group.
 */
export const groupWindowByKey = <K, V>(
  window: RDD<readonly [K, ReadonlyArray<V>]>,
  numPartitions: number,
): RDD<readonly [K, ReadonlyArray<V>]> =>
  computedOnRead(numPartitions, () => {
    const { cells, firstSeenEnds } = cellsByKey<K, ReadonlyArray<V>, V[]>(window, (vs) => [...vs], (cell, vs) => {
      const values = cell.value;
      for (let i = 0; i < vs.length; i++) values.push(vs[i]!);
    });
    for (const cell of cells) asGroup(cell.value);
    return hashPartitioned(pairsOf(cells), numPartitions, "hash", firstSeenEnds);
  });

// -------------------------------------------------------------------------------------
// Windows without an inverse, over columns of ids
// -------------------------------------------------------------------------------------
//
// A slide without an inverse reads every record the window holds (the union of its
// batches' small results) and combines them per key. Read as `[key, value]` pairs through
// a key table, each record costs a hash lookup of its key and touches its pair, its key
// string and a table entry scattered over the heap: past the CPU's caches (a window of
// some 10,000 records) that cost per record more than doubles. So each batch's result is
// kept flat instead — keys and values one after another in one array, and per record a
// small integer id of its key in a table the window's batches share — and a slide
// combines by id into flat arrays: no lookup and no pair per record, read in order, and
// about 24 bytes per record (its key, its value, its id) instead of a pair and its slot.

/**
 * A batch's result under a window, flat: each record's key, then its value (a reduce) or
 * its number of values and the values (a grouping), one record after another; partition
 * p's records end at `flat[ends[p]]`.
 */
interface Flat {
  readonly flat: ReadonlyArray<unknown>;
  readonly ends: ReadonlyArray<number>;
  /** The number of records. */
  readonly records: number;
}

/** A batch's result held flat, with each record's key id (`generation` of the window's key table). */
interface Columns extends Flat {
  ids: ArrayLike<number>;
  generation: number;
}

/** A slide's arrays, indexed by key id (see {@link WindowKeyIds.beginSlide}). */
interface Slide<K> {
  readonly slide: number;
  readonly stamps: Int32Array;
  readonly counts: Int32Array;
  readonly results: unknown[];
  readonly firstKeys: K[];
  readonly hashes: Int32Array;
}

/**
 * The ids of the keys in one window's batches, shared by the batches' columns and the
 * slides, with the arrays a slide combines into (indexed by id). Keys that left the
 * window stay until the table holds more than twice the window's keys: it is then
 * started again (a new generation), and each batch's ids are looked up again at their
 * next read.
 */
export class WindowKeyIds<K> {
  #ids = new KeyMap<K, number>();
  #generation = 0;
  /** The number of the latest slide: an id whose stamp holds it was seen in that slide. */
  #slide = 0;
  #stamps = new Int32Array(0);
  #counts = new Int32Array(0);
  #results: unknown[] = [];
  #firstKeys: K[] = [];
  /** Each id's key's hash code (Java's, as the layout needs it), computed once. */
  #hashes = new Int32Array(64);

  get generation(): number {
    return this.#generation;
  }

  /** The id of `key`, a new one for a key not seen yet. */
  idOf(key: K): number {
    const id = this.#ids.get(key);
    if (id !== undefined) return id;
    const added = this.#ids.size;
    this.#ids.set(key, added);
    if (added === this.#hashes.length) {
      const grown = new Int32Array(added * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[added] = hashCodeOf(key);
    return added;
  }

  /** The ids of the records' keys in `batch` (held flat, `grouped` or not), as of the current generation. */
  idsOf(batch: Flat, grouped: boolean): ArrayLike<number> {
    // A typed array costs some 200 bytes more than an array of small integers, 4 bytes less per id.
    const ids = batch.records < 256 ? new Array<number>(batch.records) : new Int32Array(batch.records);
    const { flat } = batch;
    for (let i = 0, at = 0; i < batch.records; i++) {
      ids[i] = this.idOf(flat[at] as K);
      at += grouped ? 2 + (flat[at + 1] as number) : 2;
    }
    return ids;
  }

  /** Brings `columns`' ids to the current generation. */
  refresh(columns: Columns, grouped: boolean): void {
    if (columns.generation === this.#generation) return;
    columns.ids = this.idsOf(columns, grouped);
    columns.generation = this.#generation;
  }

  /**
   * Starts a slide: its number and, indexed by id (every id of the current generation),
   * the stamps (an id is first seen in this slide while its stamp differs), a count, and
   * a slot for the key's result so far and for its key as first seen (slots keep the last
   * slide's results until overwritten: at most one per id).
   */
  beginSlide(): Slide<K> {
    const size = this.#ids.size;
    if (this.#stamps.length < size) {
      const capacity = Math.max(64, size * 2);
      const stamps = new Int32Array(capacity);
      stamps.set(this.#stamps);
      this.#stamps = stamps;
      this.#counts = new Int32Array(capacity);
    }
    while (this.#results.length < size) {
      this.#results.push(undefined);
      this.#firstKeys.push(undefined as K);
    }
    if (this.#slide === 0x3fffffff) {
      this.#stamps.fill(0);
      this.#slide = 0;
    }
    return {
      slide: ++this.#slide,
      stamps: this.#stamps,
      counts: this.#counts,
      results: this.#results,
      firstKeys: this.#firstKeys,
      hashes: this.#hashes,
    };
  }

  /** The number of ids of the current generation. */
  get size(): number {
    return this.#ids.size;
  }

  /** Ends a slide that saw `live` distinct keys: starts the table again when mostly keys that left. */
  endSlide(live: number): void {
    if (this.#ids.size <= 2 * live + 1024) return;
    this.#ids = new KeyMap<K, number>();
    this.#stamps = new Int32Array(0);
    this.#counts = new Int32Array(0);
    this.#results = [];
    this.#firstKeys = [];
    this.#hashes = new Int32Array(64);
    this.#generation++;
  }
}

/** Each window RDD's per-batch RDDs, oldest first (set by the window node that made it). */
const batchesOfWindows = new WeakMap<RDD<unknown>, ReadonlyArray<RDD<unknown>>>();

/** Records that `window` is the union of `batches` (oldest first), for the keyed steps over it. */
export const recordWindowBatches = <A>(window: RDD<A>, batches: ReadonlyArray<RDD<A>>): void => {
  batchesOfWindows.set(window as RDD<unknown>, batches as ReadonlyArray<RDD<unknown>>);
};

/** An array for `n` elements written in order: of that length (not grown by pushes), unless very long. */
const arrayFor = <T>(n: number): T[] => (n <= 50_000 ? new Array<T>(n) : []);

/** `parts` (partitions of `[key, value]` pairs, or of `[key, values]` when `grouped`) held flat. */
const flatOf = (parts: ReadonlyArray<ReadonlyArray<readonly [unknown, unknown]>>, grouped: boolean): Flat => {
  let size = 0;
  let records = 0;
  for (const part of parts) {
    records += part.length;
    if (!grouped) size += 2 * part.length;
    else for (let i = 0; i < part.length; i++) size += 2 + (part[i]![1] as ReadonlyArray<unknown>).length;
  }
  const flat = arrayFor<unknown>(size);
  const ends = new Array<number>(parts.length);
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    for (let i = 0; i < part.length; i++) {
      const [key, value] = part[i]!;
      flat[at++] = key;
      if (!grouped) flat[at++] = value;
      else {
        const values = value as ReadonlyArray<unknown>;
        flat[at++] = values.length;
        for (let k = 0; k < values.length; k++) flat[at++] = values[k];
      }
    }
    ends[p] = at;
  }
  return { flat, ends, records };
};

/**
 * A per-batch RDD of a window whose pairs (`grouped`: a key and its values) are computed
 * at its first read and then held flat (what computed them is released): the slides read
 * the flat records, anything else (a checkpoint) new pairs.
 */
class KeptFlat<K> implements Columns {
  #pending: (() => ReadonlyArray<ReadonlyArray<readonly [K, unknown]>>) | undefined;
  readonly #keyIds: WindowKeyIds<K>;
  readonly grouped: boolean;
  // The records once computed (one object per batch: fields, not a spread copy with a shape of its own).
  flat: ReadonlyArray<unknown> = [];
  ends: ReadonlyArray<number> = [];
  records = 0;
  ids: ArrayLike<number> = [];
  generation = -1;

  constructor(pending: () => ReadonlyArray<ReadonlyArray<readonly [K, unknown]>>, keyIds: WindowKeyIds<K>, grouped: boolean) {
    this.#pending = pending;
    this.#keyIds = keyIds;
    this.grouped = grouped;
  }

  /** The records, computed at the first call, their ids brought to the key table's generation. */
  columns(): Columns {
    if (this.#pending !== undefined) {
      const { flat, ends, records } = flatOf(this.#pending(), this.grouped);
      this.#pending = undefined;
      this.flat = flat;
      this.ends = ends;
      this.records = records;
    }
    this.#keyIds.refresh(this, this.grouped);
    return this;
  }

  /** Partition `p`'s records as new pairs (a grouping's values as a new group). */
  emit(p: number, emit: (kv: readonly [K, unknown]) => void): void {
    const { flat, ends } = this.columns();
    for (let at = p === 0 ? 0 : ends[p - 1]!; at < ends[p]!;) {
      const key = flat[at] as K;
      if (!this.grouped) {
        emit([key, flat[at + 1]]);
        at += 2;
      } else {
        const length = flat[at + 1] as number;
        emit([key, asGroup(flat.slice(at + 2, at + 2 + length))]);
        at += 2 + length;
      }
    }
  }
}

/** Each per-batch RDD's records held flat. */
const keptFlatOf = new WeakMap<RDD<unknown>, KeptFlat<unknown>>();

/** An RDD of the pairs `compute` gives (partitions of pairs), held flat once computed (see {@link KeptFlat}). */
const keptFlat = <K, C>(
  numPartitions: number,
  compute: () => ReadonlyArray<ReadonlyArray<readonly [K, C]>>,
  keyIds: WindowKeyIds<K>,
  grouped: boolean,
): RDD<readonly [K, C]> => {
  const kept = new KeptFlat<K>(compute, keyIds, grouped);
  const rdd = new RDD<readonly [K, C]>(numPartitions, (p, emit) => kept.emit(p, emit as (kv: readonly [K, unknown]) => void));
  keptFlatOf.set(rdd as RDD<unknown>, kept as KeptFlat<unknown>);
  return rdd;
};

/**
 * The flat records of each of `window`'s batches (an RDD put back by recovery is read once
 * from its pairs), or undefined for an RDD no window node made.
 */
const windowColumns = <K>(window: RDD<unknown>, keyIds: WindowKeyIds<K>, grouped: boolean): Columns[] | undefined => {
  const batches = batchesOfWindows.get(window);
  if (batches === undefined) return undefined;
  const out = new Array<Columns>(batches.length);
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b] as RDD<readonly [K, unknown]>;
    let kept = keptFlatOf.get(batch as RDD<unknown>) as KeptFlat<K> | undefined;
    if (kept === undefined || kept.grouped !== grouped) {
      const parts = batch.collectPartitions();
      kept = new KeptFlat<K>(() => parts, keyIds, grouped);
      keptFlatOf.set(batch as RDD<unknown>, kept as KeptFlat<unknown>);
    }
    out[b] = kept.columns();
  }
  return out;
};

/**
 * `hashPartitioned` (lib/rdd/_partitioning.ts) for keys given by id, their hash codes
 * known (`hashes[id]`): the same layout — each key in partition `hash mod n`; within it,
 * after a map-side combine (`"hash"`), by the map output it was first seen in, then hash
 * code, then first appearance; then in the slot order of Spark's `AppendOnlyMap` — without
 * hashing each key again every slide, and with the small runs of keys of one map output
 * (a window has a map output per partition of each batch) sorted in place rather than
 * through a typed array each. `seen` holds the ids in first-appearance order, the keys
 * first seen in map output p ending at `firstSeenEnds[p]`; `recordOf(id)` makes a record.
 */
const partitionsOfIds = <B>(
  seen: ReadonlyArray<number>,
  hashes: Int32Array,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
  recordOf: (id: number) => B,
): B[][] => {
  const buckets: number[][] = new Array(n);
  for (let p = 0; p < n; p++) buckets[p] = [];
  for (let j = 0; j < seen.length; j++) buckets[n === 1 ? 0 : nonNegativeMod(hashes[seen[j]!]!, n)]!.push(j);
  const hashOf = (j: number): number => hashes[seen[j]!]!;
  const parts: B[][] = new Array(n);
  for (let p = 0; p < n; p++) {
    const bucket = buckets[p]!;
    if (order === "hash" && firstSeenEnds.length > 0) sortRunsByHash(bucket, firstSeenEnds, hashOf);
    const slots = appendOnlyMapOrder(bucket.length, (k) => hashOf(bucket[k]!));
    const out = new Array<B>(slots.length);
    for (let k = 0; k < slots.length; k++) out[k] = recordOf(seen[bucket[slots[k]!]!]!);
    parts[p] = out;
  }
  return parts;
};

/** Indexes per sort key in {@link sortLongRun}: the (unsigned) hash above 21 bits of position in the run. */
const positionBits = 2 ** 21;

/** Sorts `bucket[start..stop)` by hash code, ties in position order: packed into doubles sorted natively. */
const sortLongRun = (bucket: number[], start: number, stop: number, hashOf: (j: number) => number): void => {
  const run = bucket.slice(start, stop);
  if (run.length >= positionBits) {
    run.sort((a, b) => hashOf(a) - hashOf(b) || a - b);
    for (let k = 0; k < run.length; k++) bucket[start + k] = run[k]!;
    return;
  }
  const packed = new Float64Array(run.length);
  for (let k = 0; k < run.length; k++) packed[k] = (hashOf(run[k]!) + 2 ** 31) * positionBits + k;
  packed.sort();
  for (let k = 0; k < run.length; k++) bucket[start + k] = run[packed[k]! % positionBits]!;
};

/**
 * Sorts each run of `bucket` (ascending positions) that was first seen in one map output
 * (position j is in the first output p with j < ends[p], the last output taking the rest)
 * by hash code, ties in position order: insertion sort for the usual short runs.
 */
const sortRunsByHash = (bucket: number[], ends: ReadonlyArray<number>, hashOf: (j: number) => number): void => {
  let output = 0;
  let start = 0;
  while (start < bucket.length) {
    while (output < ends.length - 1 && bucket[start]! >= ends[output]!) output++;
    const end = output < ends.length - 1 ? ends[output]! : Infinity;
    let stop = start + 1;
    while (stop < bucket.length && bucket[stop]! < end) stop++;
    if (stop - start > 32) sortLongRun(bucket, start, stop, hashOf);
    else {
      for (let i = start + 1; i < stop; i++) {
        const j = bucket[i]!;
        const h = hashOf(j);
        let at = i - 1;
        // Positions ascend within a run: a strictly greater hash is all that moves a key.
        while (at >= start && hashOf(bucket[at]!) > h) {
          bucket[at + 1] = bucket[at]!;
          at--;
        }
        bucket[at + 1] = j;
      }
    }
    start = stop;
  }
};

/** {@link reduceByKeyInCells} for a batch under a window without an inverse: held as columns of `keyIds`. */
export const reduceBatchIntoColumns = <K, V>(
  rdd: RDD<readonly [K, V]>,
  f: (a: V, b: V) => V,
  numPartitions: number,
  label: string,
  keyIds: WindowKeyIds<K>,
): RDD<readonly [K, V]> => {
  const reduced = reduceByKeyInCells(rdd, f, numPartitions, label);
  return keptFlat(numPartitions, () => reduced.collectPartitions(), keyIds, false);
};

/** `rdd.groupByKey(numPartitions)` for a batch under a window: held as columns of `keyIds`. */
export const groupBatchIntoColumns = <K, V>(
  rdd: RDD<readonly [K, V]>,
  numPartitions: number,
  keyIds: WindowKeyIds<K>,
): RDD<readonly [K, ReadonlyArray<V>]> => {
  const grouped = rdd.groupByKey(numPartitions);
  return keptFlat(numPartitions, () => grouped.collectPartitions(), keyIds, true);
};

/**
 * The window's `reduceByKey(f, numPartitions)` ({@link reduceByKeyInCells} over the union
 * of its batches) read from the batches' columns: the same values, merged in the same
 * order, the same layout.
 */
export const reduceWindowByKey = <K, V>(
  window: RDD<readonly [K, V]>,
  f: (a: V, b: V) => V,
  numPartitions: number,
  label: string,
  keyIds: WindowKeyIds<K>,
): RDD<readonly [K, V]> => {
  if (!batchesOfWindows.has(window as RDD<unknown>)) return reduceByKeyInCells(window, f, numPartitions, label);
  const order = window.partitionBy(numPartitions) === window ? "arrival" : "hash";
  return computedOnRead(numPartitions, () => {
    const batches = windowColumns(window, keyIds, false)!;
    const { slide, stamps, results, firstKeys, hashes } = keyIds.beginSlide();
    const sums = results as V[];
    const seen: number[] = [];
    const firstSeenEnds: number[] = [];
    for (let b = 0; b < batches.length; b++) {
      const { ids, flat, ends } = batches[b]!;
      let i = 0;
      let at = 0;
      for (let p = 0; p < ends.length; p++) {
        for (const end = ends[p]!; at < end; at += 2) {
          const id = ids[i++]!;
          if (stamps[id] !== slide) {
            stamps[id] = slide;
            sums[id] = flat[at + 1] as V;
            firstKeys[id] = flat[at] as K;
            seen.push(id);
            continue;
          }
          try {
            sums[id] = f(sums[id]!, flat[at + 1] as V);
          } catch (error) {
            throw userFunctionError(label, error);
          }
        }
        firstSeenEnds.push(seen.length);
      }
    }
    const parts = partitionsOfIds(seen, hashes, numPartitions, order, firstSeenEnds, (id): readonly [K, V] => [firstKeys[id]!, sums[id]!]);
    keyIds.endSlide(seen.length);
    return parts;
  });
};

/**
 * {@link groupWindowByKey} read from the batches' columns: each key's values in the
 * union's order, as one new list of exactly their number, marked as a group; the same
 * layout.
 */
export const groupWindowFromColumns = <K, V>(
  window: RDD<readonly [K, ReadonlyArray<V>]>,
  numPartitions: number,
  keyIds: WindowKeyIds<K>,
): RDD<readonly [K, ReadonlyArray<V>]> => {
  if (!batchesOfWindows.has(window as RDD<unknown>)) return groupWindowByKey(window, numPartitions);
  return computedOnRead(numPartitions, () => {
    const batches = windowColumns(window, keyIds, true)!;
    const { slide, stamps, counts, results, firstKeys, hashes } = keyIds.beginSlide();
    const lists = results as V[][];
    const seen: number[] = [];
    const firstSeenEnds: number[] = [];
    // First each key's number of values, so that its list is made at its length once.
    for (let b = 0; b < batches.length; b++) {
      const { ids, flat, ends } = batches[b]!;
      let i = 0;
      let at = 0;
      for (let p = 0; p < ends.length; p++) {
        for (const end = ends[p]!; at < end;) {
          const id = ids[i++]!;
          const length = flat[at + 1] as number;
          if (stamps[id] !== slide) {
            stamps[id] = slide;
            counts[id] = length;
            firstKeys[id] = flat[at] as K;
            seen.push(id);
          } else counts[id] = counts[id]! + length;
          at += 2 + length;
        }
        firstSeenEnds.push(seen.length);
      }
    }
    for (let j = 0; j < seen.length; j++) {
      const id = seen[j]!;
      lists[id] = arrayFor<V>(counts[id]!);
      counts[id] = 0;
    }
    for (let b = 0; b < batches.length; b++) {
      const { ids, flat, records } = batches[b]!;
      for (let i = 0, at = 0; i < records; i++) {
        const id = ids[i]!;
        const list = lists[id]!;
        const length = flat[at + 1] as number;
        let filled = counts[id]!;
        for (let k = at + 2; k < at + 2 + length; k++) list[filled++] = flat[k] as V;
        counts[id] = filled;
        at += 2 + length;
      }
    }
    const parts = partitionsOfIds(seen, hashes, numPartitions, "hash", firstSeenEnds, (id): readonly [K, ReadonlyArray<V>] => {
      const list = lists[id]!;
      lists[id] = undefined as unknown as V[];
      return [firstKeys[id]!, asGroup(list)];
    });
    keyIds.endSlide(seen.length);
    return parts;
  });
};
