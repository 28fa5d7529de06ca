/**
 * Where a keyed result's records go, as Spark's `HashPartitioner` and shuffle put them:
 * each key in partition `nonNegativeMod(hashCode(key), n)`, and within a partition in
 * the slot order of the `AppendOnlyMap` the reduce task combined it in.
 *
 * The reduce task inserts keys in the order it reads them: map output 0 first (the
 * map task's partition), then 1, and so on. With a map-side combine (`reduceByKey`,
 * `combineByKey`, `aggregateByKey`, `foldByKey`, `distinct`) each map output is sorted
 * by the keys' hash codes (`ExternalSorter`'s default key comparator); without one
 * (`groupByKey`, `cogroup`) it holds the records in arrival order.
 *
 * @module
 */
import { appendOnlyMapSlotOrder, nonNegativeMod } from "./_hash.ts";
import { hashCodeOf } from "./_keys.ts";

/**
 * How a map output orders its keys: `"hash"` after a map-side combine, `"arrival"`
 * without one (or when no shuffle happens, the parent being partitioned alike).
 */
export type MapOutputOrder = "hash" | "arrival";

/** `n` new empty arrays (a plain loop: `Array.from({ length })` is several times slower). */
const emptyParts = <T>(n: number): T[][] => {
  const parts: T[][] = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = [];
  return parts;
};

/**
 * Lays out combined `entries` (distinct keys in first-appearance order, the keys first
 * seen in parent partition p ending at index `firstSeenEnds[p]`) into `n` partitions.
 */
export const hashPartitioned = <K, V>(
  entries: ReadonlyArray<readonly [K, V]>,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
): Array<Array<readonly [K, V]>> => {
  if (entries.length === 0) return emptyParts(n);
  const layout = hashLayout(entries.length, (i) => entries[i]![0], n, order, firstSeenEnds);
  const parts: Array<Array<readonly [K, V]>> = new Array(n);
  for (let p = 0; p < n; p++) {
    const slots = layout[p]!;
    const out = new Array<readonly [K, V]>(slots.length);
    for (let j = 0; j < slots.length; j++) out[j] = entries[slots[j]!]!;
    parts[p] = out;
  }
  return parts;
};

/**
 * {@link hashPartitioned} of the pairs `[keys[i], values[i]]`, made as they are laid
 * out (no array of entries first).
 */
export const hashPartitionedColumns = <K, V>(
  keys: ReadonlyArray<K>,
  values: ReadonlyArray<V>,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
): Array<Array<readonly [K, V]>> => {
  if (keys.length === 0) return emptyParts(n);
  const layout = hashLayout(keys.length, (i) => keys[i]!, n, order, firstSeenEnds);
  const parts: Array<Array<readonly [K, V]>> = new Array(n);
  for (let p = 0; p < n; p++) {
    const slots = layout[p]!;
    const out = new Array<readonly [K, V]>(slots.length);
    for (let j = 0; j < slots.length; j++) {
      const i = slots[j]!;
      out[j] = [keys[i]!, values[i]!];
    }
    parts[p] = out;
  }
  return parts;
};

/**
 * Where {@link hashPartitioned} puts each of `count` distinct keys (`keyAt(i)`, in
 * first-appearance order): per partition, the keys' indexes in the order the partition
 * holds them. For results that are not the entries themselves (a join's pairs).
 */
export const hashLayout = <K>(
  count: number,
  keyAt: (index: number) => K,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
): Array<ArrayLike<number>> => {
  const hashes = new Int32Array(count);
  for (let i = 0; i < count; i++) hashes[i] = hashCodeOf(keyAt(i));
  return layoutOfHashes(hashes, n, order, firstSeenEnds);
};

/**
 * {@link hashLayout} from the keys' hash codes. One pass counts the keys of each
 * partition and a second places their indexes (a counting sort, stable: ascending
 * indexes within a partition), so no array grows per key; with map outputs sorted by
 * hash, each map output's run of a partition is radix-sorted in place.
 */
export const layoutOfHashes = (
  hashes: Int32Array,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
): Array<ArrayLike<number>> => {
  const count = hashes.length;
  const byPartition = new Int32Array(count);
  const starts = new Int32Array(n + 1);
  if (n === 1) {
    for (let i = 0; i < count; i++) byPartition[i] = i;
    starts[1] = count;
  } else {
    const partitionOf = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const p = nonNegativeMod(hashes[i]!, n);
      partitionOf[i] = p;
      starts[p + 1]!++;
    }
    for (let p = 0; p < n; p++) starts[p + 1]! += starts[p]!;
    const next = starts.slice(0, n);
    for (let i = 0; i < count; i++) byPartition[next[partitionOf[i]!]!++] = i;
  }
  const sortRuns = order === "hash" && firstSeenEnds.length > 0;
  const sorter = sortRuns ? new HashRunSorter(hashes, count) : undefined;
  const layout: Array<ArrayLike<number>> = new Array(n);
  for (let p = 0; p < n; p++) {
    const from = starts[p]!;
    const to = starts[p + 1]!;
    const bucket = byPartition.subarray(from, to);
    if (sorter !== undefined) sortByMapOutputThenHash(bucket, firstSeenEnds, sorter);
    layout[p] = appendOnlyMapSlotOrder(bucket, hashes);
  }
  return layout;
};

/**
 * Sorts `bucket` (ascending indexes) by map output, then hash code (signed, as Java
 * compares ints); ties keep first-appearance order. The keys first seen in map output m
 * are the indexes below `firstSeenEnds[m]`, so each map output is a consecutive run of
 * the bucket, sorted alone.
 */
const sortByMapOutputThenHash = (bucket: Int32Array, firstSeenEnds: ReadonlyArray<number>, sorter: HashRunSorter): void => {
  const last = firstSeenEnds.length - 1;
  let m = 0;
  let start = 0;
  while (start < bucket.length) {
    while (m < last && bucket[start]! >= firstSeenEnds[m]!) m++;
    let end = start + 1;
    if (m === last) end = bucket.length;
    else {
      const limit = firstSeenEnds[m]!;
      while (end < bucket.length && bucket[end]! < limit) end++;
    }
    if (end - start > 1) sorter.sort(bucket, start, end);
    start = end;
  }
};

/**
 * A stable sort of index runs by their hash codes: insertion sort for short runs, else
 * an LSD radix sort over the hash's four bytes (sign bit flipped, so unsigned byte order
 * is Java's signed order). Being stable, ties keep the run's ascending index order.
 */
class HashRunSorter {
  readonly #hashes: Int32Array;
  readonly #scratch: Int32Array;
  readonly #counts = new Int32Array(256);

  constructor(hashes: Int32Array, capacity: number) {
    this.#hashes = hashes;
    this.#scratch = new Int32Array(capacity);
  }

  sort(run: Int32Array, from: number, to: number): void {
    const hashes = this.#hashes;
    if (to - from <= 24) {
      for (let i = from + 1; i < to; i++) {
        const index = run[i]!;
        const h = hashes[index]!;
        let j = i - 1;
        while (j >= from && hashes[run[j]!]! > h) {
          run[j + 1] = run[j]!;
          j--;
        }
        run[j + 1] = index;
      }
      return;
    }
    const counts = this.#counts;
    const length = to - from;
    let source = run.subarray(from, to);
    let target = this.#scratch.subarray(0, length);
    let inScratch = false;
    for (let shift = 0; shift < 32; shift += 8) {
      counts.fill(0);
      for (let i = 0; i < length; i++) counts[((hashes[source[i]!]! ^ 0x80000000) >>> shift) & 0xff]!++;
      // A byte every hash shares leaves the order as it is.
      if (counts[((hashes[source[0]!]! ^ 0x80000000) >>> shift) & 0xff] === length) continue;
      let sum = 0;
      for (let b = 0; b < 256; b++) {
        const c = counts[b]!;
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < length; i++) {
        const index = source[i]!;
        target[counts[((hashes[index]! ^ 0x80000000) >>> shift) & 0xff]!++] = index;
      }
      const swap = source;
      source = target;
      target = swap;
      inScratch = !inScratch;
    }
    if (inScratch) run.set(source, from);
  }
}

/** Every record, in arrival order, in its key's hash partition (Spark's `partitionBy`). */
export const recordsByKeyHash = <K, V>(records: ReadonlyArray<readonly [K, V]>, n: number): Array<Array<readonly [K, V]>> => {
  const parts: Array<Array<readonly [K, V]>> = emptyParts(n);
  for (const kv of records) parts[n === 1 ? 0 : nonNegativeMod(hashCodeOf(kv[0]), n)]!.push(kv);
  return parts;
};
