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
import { appendOnlyMapOrder, nonNegativeMod } from "./_hash.ts";
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
  const buckets: number[][] = emptyParts(n);
  for (let i = 0; i < count; i++) {
    const h = hashCodeOf(keyAt(i));
    hashes[i] = h;
    buckets[n === 1 ? 0 : nonNegativeMod(h, n)]!.push(i);
  }
  let mapOutputOf: Int32Array | undefined;
  if (order === "hash" && firstSeenEnds.length > 0) {
    mapOutputOf = new Int32Array(count);
    let p = 0;
    for (let i = 0; i < count; i++) {
      while (p < firstSeenEnds.length - 1 && i >= firstSeenEnds[p]!) p++;
      mapOutputOf[i] = p;
    }
  }
  const layout: Array<ArrayLike<number>> = new Array(n);
  for (let p = 0; p < n; p++) {
    const bucket = buckets[p]!;
    if (mapOutputOf !== undefined) sortByMapOutputThenHash(bucket, mapOutputOf, hashes);
    const slots = appendOnlyMapOrder(bucket.length, (j) => hashes[bucket[j]!]!);
    const indexes = new Int32Array(slots.length);
    for (let j = 0; j < slots.length; j++) indexes[j] = bucket[slots[j]!]!;
    layout[p] = indexes;
  }
  return layout;
};

/** Indexes per sort key: the (unsigned) hash above 21 bits of position in the group. */
const positionBits = 2 ** 21;

/**
 * Sorts `bucket` (ascending indexes) by map output, then hash code; ties keep
 * first-appearance order. Within a map output the indexes are consecutive runs, so each
 * run is sorted alone, packed into doubles sorted natively (the hot path of a word count).
 */
const sortByMapOutputThenHash = (bucket: number[], mapOutputOf: Int32Array, hashes: Int32Array): void => {
  let start = 0;
  while (start < bucket.length) {
    const group = mapOutputOf[bucket[start]!]!;
    let end = start + 1;
    while (end < bucket.length && mapOutputOf[bucket[end]!] === group) end++;
    const length = end - start;
    if (length > 1) {
      if (length < positionBits) {
        const packed = new Float64Array(length);
        for (let j = 0; j < length; j++) packed[j] = (hashes[bucket[start + j]!]! + 2 ** 31) * positionBits + j;
        packed.sort();
        const run = bucket.slice(start, end);
        for (let j = 0; j < length; j++) bucket[start + j] = run[packed[j]! % positionBits]!;
      } else {
        const run = bucket.slice(start, end).sort((a, b) => hashes[a]! - hashes[b]! || a - b);
        for (let j = 0; j < length; j++) bucket[start + j] = run[j]!;
      }
    }
    start = end;
  }
};

/** Every record, in arrival order, in its key's hash partition (Spark's `partitionBy`). */
export const recordsByKeyHash = <K, V>(records: ReadonlyArray<readonly [K, V]>, n: number): Array<Array<readonly [K, V]>> => {
  const parts: Array<Array<readonly [K, V]>> = emptyParts(n);
  for (const kv of records) parts[n === 1 ? 0 : nonNegativeMod(hashCodeOf(kv[0]), n)]!.push(kv);
  return parts;
};
