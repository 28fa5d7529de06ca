/**
 * Spark's hash partitioning, reproduced: Java's `hashCode` for strings and numbers, the
 * `HashPartitioner`'s non-negative modulo, and the slot order of Spark's `AppendOnlyMap`
 * (the table a reduce task combines a partition's keys in, and iterates in slot order).
 *
 * @module
 */

/** Java's `String.hashCode`: `31 * h + c` over the UTF-16 code units, in 32 bits. */
export const stringHashCode = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
};

const float64 = new Float64Array(1);
const words = new Int32Array(float64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const low = littleEndian ? 0 : 1;
const high = littleEndian ? 1 : 0;

/** Java's `Double.hashCode`: the high and low words of `doubleToLongBits` xor-ed (NaN canonical). */
export const doubleHashCode = (x: number): number => {
  float64[0] = x !== x ? NaN : x;
  return words[low]! ^ words[high]!;
};

/** Java's `Long.hashCode` of a 64-bit value: its words xor-ed; wider bigints fold every word in. */
export const longHashCode = (x: bigint): number => {
  let h = 0;
  let rest = BigInt.asUintN(64, x) === x || BigInt.asIntN(64, x) === x ? BigInt.asUintN(64, x) : x < 0n ? -x : x;
  do {
    h ^= Number(BigInt.asUintN(32, rest)) | 0;
    rest >>= 32n;
  } while (rest !== 0n);
  return h;
};

/**
 * Java's `hashCode` of a number as a Scala key boxes it: a whole number in the 32-bit
 * range as `java.lang.Integer` (the number itself; `-0` is `0`), any other number as
 * `java.lang.Double`.
 */
export const numberHashCode = (x: number): number =>
  (x | 0) === x || x === 0 ? x | 0 : doubleHashCode(x);

/** Spark's `Utils.nonNegativeMod`: the partition of a hash among `n`. */
export const nonNegativeMod = (hash: number, n: number): number => {
  const r = hash % n;
  return r < 0 ? r + n : r;
};

/** Guava's `murmur3_32().hashInt(h)` (seed 0): the rehash `AppendOnlyMap` spreads hashes with. */
export const murmur3HashInt = (input: number): number => {
  let k1 = Math.imul(input, 0xcc9e2d51);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, 0x1b873593);
  let h1 = k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  h1 ^= 4;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1;
};

/**
 * The order Spark's `AppendOnlyMap` iterates `count` distinct keys in, inserted in the
 * order of their indexes 0…count-1 with hashes `hashOf(i)`: quadratic probing over a
 * power-of-two table of initial capacity 64, doubled (re-inserting in slot order) when
 * it holds more than 0.7 of its capacity. Returns the indexes in slot order.
 */
export const appendOnlyMapOrder = (count: number, hashOf: (index: number) => number): Int32Array => {
  const identity = new Int32Array(count);
  const hashes = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    identity[i] = i;
    hashes[i] = hashOf(i);
  }
  return appendOnlyMapSlotOrder(identity, hashes);
};

/** The capacity Spark's `AppendOnlyMap` ends at after `count` insertions: 64, doubled past 0.7 full. */
const appendOnlyMapCapacity = (count: number): number => {
  let capacity = 64;
  while (count > Math.floor(0.7 * capacity)) capacity *= 2;
  return capacity;
};

// Scratch tables for the replay (it calls no user code: one replay at a time uses them).
let rehashedScratch: Int32Array = new Int32Array(64);
let tableScratch: Int32Array = new Int32Array(128);
let liveScratch: Int32Array = new Int32Array(64);

/**
 * {@link appendOnlyMapOrder} of the keys `keys[0]`, `keys[1]`, … (indexes into
 * `hashes`), inserted in that order: writes those indexes in slot order into `out`
 * (which may not be `keys`) and returns it.
 */
export const appendOnlyMapSlotOrder = (
  keys: Int32Array,
  hashes: Int32Array,
  out: Int32Array = new Int32Array(keys.length),
): Int32Array => {
  const count = keys.length;
  if (count <= 1) {
    if (count === 1) out[0] = keys[0]!;
    return out;
  }
  // A key's slot depends on which keys took its probe sequence first, which each
  // doubling's re-insertion (in slot order) changes: replay the doublings too. The
  // tables hold positions in `keys` + 1 (0 is an empty slot); the table and the one it
  // doubles into alternate between the two halves of one scratch array.
  if (rehashedScratch.length < count) rehashedScratch = new Int32Array(Math.max(count, rehashedScratch.length * 2));
  if (liveScratch.length <= count) liveScratch = new Int32Array(Math.max(count + 1, liveScratch.length * 2));
  const rehashed = rehashedScratch;
  const live = liveScratch;
  for (let i = 0; i < count; i++) rehashed[i] = murmur3HashInt(hashes[keys[i]!]!);
  const finalCapacity = appendOnlyMapCapacity(count);
  if (tableScratch.length < 2 * finalCapacity) tableScratch = new Int32Array(2 * finalCapacity);
  const tables = tableScratch;
  let capacity = 64;
  let base = 0;
  tables.fill(0, base, base + capacity);
  let mask = capacity - 1;
  let threshold = Math.floor(0.7 * capacity);
  for (let i = 0; i < count; i++) {
    let pos = rehashed[i]! & mask;
    let delta = 1;
    while (tables[base + pos] !== 0) {
      pos = (pos + delta) & mask;
      delta++;
    }
    tables[base + pos] = i + 1;
    if (i + 1 > threshold) {
      const oldBase = base;
      const oldCapacity = capacity;
      base = oldBase === 0 ? finalCapacity : 0;
      capacity *= 2;
      mask = capacity - 1;
      threshold = Math.floor(0.7 * capacity);
      const filled = liveEntries(tables, oldBase, oldCapacity, live);
      tables.fill(0, base, base + capacity);
      for (let j = 0; j < filled; j++) {
        const entry = live[j]!;
        let at = rehashed[entry - 1]! & mask;
        let step = 1;
        while (tables[base + at] !== 0) {
          at = (at + step) & mask;
          step++;
        }
        tables[base + at] = entry;
      }
    }
  }
  const filled = liveEntries(tables, base, capacity, live);
  for (let j = 0; j < filled; j++) out[j] = keys[live[j]! - 1]!;
  return out;
};

/**
 * Copies the non-empty entries of `tables[from…from+capacity)` into `live`, in slot
 * order, and returns how many. Without a branch on each slot: a table 35–70 % full
 * makes that branch a coin toss, and its mispredictions cost a fifth of the replay.
 */
const liveEntries = (tables: Int32Array, from: number, capacity: number, live: Int32Array): number => {
  let n = 0;
  for (let slot = from, end = from + capacity; slot < end; slot++) {
    const entry = tables[slot]!;
    live[n] = entry;
    // 1 for an entry (positive), 0 for an empty slot; `live` has room for the write past the last.
    n += (entry | -entry) >>> 31;
  }
  return n;
};
