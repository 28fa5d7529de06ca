// The keyed layout's fast path (counting sort into partitions, runs sorted natively or by
// radix, the AppendOnlyMap replay over reused scratch tables) places every key exactly
// where the plain definition does: keys bucketed by nonNegativeMod(hash, n) in
// first-appearance order, each map output's run sorted by signed hash with ties in
// first-appearance order (after a map-side combine), then inserted into a model of
// Spark's AppendOnlyMap (murmur3 rehash, quadratic probing, capacity 64 doubled past
// 0.7 full, re-inserting in slot order) and read in slot order. Hashes are drawn from
// small ranges too, so equal hashes and probe collisions are common; sizes cross the
// sort's thresholds (24 and 256 keys per run: insertion, packed doubles, radix).
import t from "tap";
import fc from "fast-check";
import { RDD } from "../mod.ts";
import { appendOnlyMapOrder, murmur3HashInt, nonNegativeMod } from "../lib/rdd/_hash.ts";
import { layoutOfHashes, type MapOutputOrder } from "../lib/rdd/_partitioning.ts";

/** Spark's AppendOnlyMap, as a plain model: the keys (indexes) in slot order after inserting them in the given order. */
const appendOnlyMapModel = (inserted: ReadonlyArray<number>, hashes: ReadonlyArray<number>): number[] => {
  let table: Array<number | undefined> = new Array(64).fill(undefined);
  const place = (into: Array<number | undefined>, key: number): void => {
    const mask = into.length - 1;
    let pos = murmur3HashInt(hashes[key]!) & mask;
    let delta = 1;
    while (into[pos] !== undefined) {
      pos = (pos + delta) & mask;
      delta++;
    }
    into[pos] = key;
  };
  let size = 0;
  for (const key of inserted) {
    place(table, key);
    size++;
    if (size > Math.floor(0.7 * table.length)) {
      const grown: Array<number | undefined> = new Array(table.length * 2).fill(undefined);
      for (const slot of table) if (slot !== undefined) place(grown, slot);
      table = grown;
    }
  }
  return table.filter((slot): slot is number => slot !== undefined);
};

/** The layout by its definition. */
const layoutModel = (hashes: ReadonlyArray<number>, n: number, order: MapOutputOrder, firstSeenEnds: ReadonlyArray<number>): number[][] => {
  const mapOutputOf = (i: number): number => {
    for (let m = 0; m < firstSeenEnds.length; m++) if (i < firstSeenEnds[m]!) return m;
    return Math.max(0, firstSeenEnds.length - 1);
  };
  return Array.from({ length: n }, (_, p) => {
    const bucket = hashes.map((h, i) => [h, i] as const).filter(([h]) => nonNegativeMod(h, n) === p).map(([, i]) => i);
    if (order === "hash" && firstSeenEnds.length > 0) {
      bucket.sort((a, b) => mapOutputOf(a) - mapOutputOf(b) || hashes[a]! - hashes[b]! || a - b);
    }
    return appendOnlyMapModel(bucket, hashes);
  });
};

const hashArb = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -40, max: 40 }));
const layoutCase = fc.record({
  hashes: fc.oneof(
    fc.array(hashArb, { maxLength: 80 }),
    fc.array(hashArb, { minLength: 900, maxLength: 2600 }),
    // Spread hashes with ties: picks from a pool of 200.
    fc.tuple(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 200, maxLength: 200 }), fc.array(fc.nat(199), { minLength: 25, maxLength: 900 }))
      .map(([pool, picks]) => picks.map((i) => pool[i]!)),
  ),
  // Powers of two (partitioned by the low bits) and other counts (by division).
  n: fc.integer({ min: 1, max: 8 }),
  order: fc.constantFrom<MapOutputOrder>("hash", "arrival"),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
});

t.test("the fast layout places every key where the plain definition does", async (t) => {
  fc.assert(
    fc.property(layoutCase, ({ hashes, n, order, cuts }) => {
      // Map outputs' ends: ascending, the last at the count (as reduceByKey records them).
      const ends = cuts.map((c) => Math.floor(c * hashes.length)).sort((a, b) => a - b);
      if (cuts.length > 0) ends.push(hashes.length);
      const fast = layoutOfHashes(Int32Array.from(hashes), n, order, ends).map((slots) => Array.from(slots));
      t.strictSame(fast, layoutModel(hashes, n, order, ends));
    }),
    { numRuns: 120 },
  );
});

t.test("long runs and clustered hashes (radix passes over shared bytes skipped) are placed as by definition", async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 8193, max: 12000 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.boolean(), (count, seed, clustered) => {
      let state = seed;
      const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) | 0);
      const hashes = Array.from({ length: count }, () => (clustered ? next() % 50 : next()));
      const fast = layoutOfHashes(Int32Array.from(hashes), 1, "hash", [count]).map((slots) => Array.from(slots));
      t.strictSame(fast, layoutModel(hashes, 1, "hash", [count]));
    }),
    { numRuns: 6 },
  );
  const clustered = Array.from({ length: 3000 }, (_, i) => (i * 37) % 61);
  t.strictSame(layoutOfHashes(Int32Array.from(clustered), 2, "hash", [1000, 3000]).map((s) => Array.from(s)), layoutModel(clustered, 2, "hash", [1000, 3000]));
});

t.test("appendOnlyMapOrder replays the doublings as the model does", async (t) => {
  fc.assert(
    fc.property(fc.array(hashArb, { maxLength: 400 }), (hashes) => {
      t.strictSame(Array.from(appendOnlyMapOrder(hashes.length, (i) => hashes[i]!)), appendOnlyMapModel(hashes.map((_, i) => i), hashes));
    }),
    { numRuns: 80 },
  );
});

t.test("reduceByKey's pairs, read several ways, agree with each other and with groupByKey's layout of the same keys", async (t) => {
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 1300}`);
  const counts = RDD.fromArray(words, 2).map((w): readonly [string, number] => [w, 1]).reduceByKey((a, b) => a + b, 3);
  const byPartition = counts.glom().collect();
  t.strictSame(counts.collect(), byPartition.flat(), "collect reads the partitions in order");
  t.strictSame(counts.take(7), byPartition.flat().slice(0, 7));
  t.equal(counts.count(), 1300);
  t.equal(counts.values().sum(), 5000);
  const first = counts.collect();
  first[0] = ["mutated", -1];
  t.notSame(counts.collect()[0], ["mutated", -1], "collect hands out a fresh array each time");
  t.strictSame(counts.cache().collect(), byPartition.flat(), "cached, the same records");
  t.equal(counts.isCached, true);
});
