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
 * Where {@link hashPartitioned} puts each of `count` distinct keys (`keyAt(i)`, in
 * first-appearance order): per partition, the keys' indexes in the order the partition
 * holds them. For results that are not the entries themselves (a join's pairs).
 * `knownHashes`, when given, holds every key's `hashCodeOf` already.
 */
export const hashLayout = <K>(
  count: number,
  keyAt: (index: number) => K,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
  knownHashes?: Int32Array,
): Array<ArrayLike<number>> => {
  // Hash codes a table kept as the keys came in (string keys: see KeySlots) are used as they are.
  if (knownHashes !== undefined && knownHashes.length === count) return layoutOfHashes(knownHashes, n, order, firstSeenEnds);
  // The hash codes go into scratch space unless a key's [keyBy]() method, run from
  // here, lays out an RDD of its own while this one is hashing (then into a new array).
  const pooled = !hashing;
  let hashes: Int32Array;
  if (pooled) {
    hashScratch = atLeast(hashScratch, count);
    hashes = hashScratch.subarray(0, count);
    hashing = true;
  } else {
    hashes = new Int32Array(count);
  }
  try {
    for (let i = 0; i < count; i++) hashes[i] = hashCodeOf(keyAt(i));
  } finally {
    if (pooled) hashing = false;
  }
  return layoutOfHashes(hashes, n, order, firstSeenEnds);
};

// Scratch space reused by every layout, so a small batch's layout allocates one array
// (its result) rather than a dozen. Past its hash codes a layout runs no user code, so
// only one layout at a time uses it.
let hashing = false;
let hashScratch: Int32Array = new Int32Array(256);
let partitionScratch: Int32Array = new Int32Array(256);
let bucketScratch: Int32Array = new Int32Array(256);
let runScratch: Int32Array = new Int32Array(256);
let packedScratch: Float64Array = new Float64Array(256);
const byteCounts = new Int32Array(256);

const atLeast = (array: Int32Array, length: number): Int32Array =>
  array.length >= length ? array : new Int32Array(Math.max(length, array.length * 2));

/**
 * {@link hashLayout} from the keys' hash codes. One pass counts the keys of each
 * partition and a second places their indexes (a counting sort, stable: ascending
 * indexes within a partition); with map outputs sorted by hash, each map output's run
 * of a partition is sorted in place; then each partition's keys take the slot order of
 * the reduce task's `AppendOnlyMap`. The partitions are views of one array.
 */
export const layoutOfHashes = (
  hashes: Int32Array,
  n: number,
  order: MapOutputOrder,
  firstSeenEnds: ReadonlyArray<number>,
): Array<Int32Array> => {
  const count = hashes.length;
  bucketScratch = atLeast(bucketScratch, count);
  const byPartition = bucketScratch;
  const starts = new Int32Array(n + 1);
  if (n === 1) {
    for (let i = 0; i < count; i++) byPartition[i] = i;
    starts[1] = count;
  } else {
    partitionScratch = atLeast(partitionScratch, count);
    const partitionOf = partitionScratch;
    if ((n & (n - 1)) === 0) {
      // A power of two: Spark's nonNegativeMod is the hash's low bits (no division per key).
      const mask = n - 1;
      for (let i = 0; i < count; i++) {
        const p = hashes[i]! & mask;
        partitionOf[i] = p;
        starts[p + 1] = starts[p + 1]! + 1;
      }
    } else {
      for (let i = 0; i < count; i++) {
        const p = nonNegativeMod(hashes[i]!, n);
        partitionOf[i] = p;
        starts[p + 1] = starts[p + 1]! + 1;
      }
    }
    for (let p = 0; p < n; p++) starts[p + 1] = starts[p + 1]! + starts[p]!;
    const next = starts.slice(0, n);
    for (let i = 0; i < count; i++) byPartition[next[partitionOf[i]!]!++] = i;
  }
  const sortRuns = order === "hash" && firstSeenEnds.length > 0;
  const result = new Int32Array(count);
  const layout: Array<Int32Array> = new Array(n);
  for (let p = 0; p < n; p++) {
    const from = starts[p]!;
    const to = starts[p + 1]!;
    if (sortRuns) sortByMapOutputThenHash(byPartition, from, to, firstSeenEnds, hashes);
    const slots = result.subarray(from, to);
    appendOnlyMapSlotOrder(byPartition.subarray(from, to), hashes, slots);
    layout[p] = slots;
  }
  return layout;
};

/**
 * Sorts `bucket[from…to)` (ascending indexes) by map output, then hash code (signed, as
 * Java compares ints); ties keep first-appearance order. The keys first seen in map
 * output m are the indexes below `firstSeenEnds[m]`, so each map output is a
 * consecutive run, sorted alone.
 */
const sortByMapOutputThenHash = (
  bucket: Int32Array,
  from: number,
  to: number,
  firstSeenEnds: ReadonlyArray<number>,
  hashes: Int32Array,
): void => {
  const last = firstSeenEnds.length - 1;
  let m = 0;
  let start = from;
  while (start < to) {
    while (m < last && bucket[start]! >= firstSeenEnds[m]!) m++;
    let end = start + 1;
    if (m === last) end = to;
    else {
      const limit = firstSeenEnds[m]!;
      while (end < to && bucket[end]! < limit) end++;
    }
    if (end - start > 1) sortRunByHash(bucket, start, end, hashes);
    start = end;
  }
};

/** Indexes per sort key in the packed sort: the (unsigned) hash above 21 bits of position in the run. */
const positionBits = 2 ** 21;
/**
 * Runs this long or longer are radix-sorted; shorter ones natively, packed into doubles.
 * (Measured: a 1000-line word count's runs of 500–900 keys sort in half the time by
 * radix; bucketing by the hash's top bits lost to both, as short words' hashes cluster.)
 */
const radixFrom = 256;

/**
 * A stable sort of `run[from…to)` (indexes) by their hash codes, signed: insertion sort
 * for short runs, a native sort of doubles packing hash and position for middling ones,
 * an LSD radix sort over the hash's four bytes (sign bit flipped, so unsigned byte
 * order is Java's signed order) for long ones. Ties keep the run's order.
 */
const sortRunByHash = (run: Int32Array, from: number, to: number, hashes: Int32Array): void => {
  const length = to - from;
  if (length <= 24) {
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
  runScratch = atLeast(runScratch, length);
  const copy = runScratch;
  if (length < radixFrom) {
    if (packedScratch.length < length) packedScratch = new Float64Array(Math.max(length, packedScratch.length * 2));
    const packed = packedScratch.subarray(0, length);
    for (let j = 0; j < length; j++) {
      const index = run[from + j]!;
      copy[j] = index;
      packed[j] = ((hashes[index]! ^ 0x80000000) >>> 0) * positionBits + j;
    }
    packed.sort();
    for (let j = 0; j < length; j++) {
      const key = packed[j]!;
      // The position: the key less its hash part (exact: every term is a whole number below 2^53).
      run[from + j] = copy[key - Math.floor(key / positionBits) * positionBits]!;
    }
    return;
  }
  const counts = byteCounts;
  let source = run.subarray(from, to);
  let target = copy.subarray(0, length);
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
};

/** Every record, in arrival order, in its key's hash partition (Spark's `partitionBy`). */
export const recordsByKeyHash = <K, V>(records: ReadonlyArray<readonly [K, V]>, n: number): Array<Array<readonly [K, V]>> => {
  const parts: Array<Array<readonly [K, V]>> = emptyParts(n);
  for (const kv of records) parts[n === 1 ? 0 : nonNegativeMod(hashCodeOf(kv[0]), n)]!.push(kv);
  return parts;
};
