// The fast paths of keyed steps give exactly what their general definitions give, in the
// same order (Spark's layout): `join` as `cogroup` then every pair of each key's values,
// `reduceByKey` as a fold of each key's values in arrival order. Random pair RDDs with
// repeated keys on either side, keys present on one side only, structured keys compared
// by content, and several partition counts.
import t from "tap";
import fc from "fast-check";
import { RDD } from "../mod.ts";

type Key = string | number | readonly [string, number];
const key: fc.Arbitrary<Key> = fc.oneof(
  fc.constantFrom("a", "b", "c", "key-1", "key-2", ""),
  fc.integer({ min: -3, max: 40 }),
  fc.tuple(fc.constantFrom("x", "y"), fc.integer({ min: 0, max: 2 })),
);
const pairs = fc.array(fc.tuple(key, fc.integer({ min: 0, max: 99 })), { maxLength: 60 });
const slices = fc.integer({ min: 1, max: 4 });

/** A copy of each tuple key, so that keys equal by content are distinct objects. */
const copied = (kvs: ReadonlyArray<readonly [Key, number]>): Array<readonly [Key, number]> =>
  kvs.map(([k, v]) => [Array.isArray(k) ? [...k] as unknown as Key : k, v]);

t.test("join gives cogroup's pairs, in cogroup's order, for any partitioning", async (t) => {
  fc.assert(
    fc.property(pairs, pairs, slices, slices, fc.option(slices, { nil: undefined }), (left, right, nl, nr, n) => {
      const a = RDD.fromArray(copied(left), nl);
      const b = RDD.fromArray(copied(right), nr);
      const joined = a.join(b, n);
      const expected = a.cogroup(b, n).flatMapValues(([vs, ws]) => vs.flatMap((v) => ws.map((w) => [v, w] as const)));
      t.strictSame(joined.glom().collect(), expected.glom().collect());
      // Still marked hash-partitioned: a keyed step after it with as many partitions needs no shuffle.
      t.strictSame(
        joined.mapValues(([v, w]) => v + w).reduceByKey((x, y) => x + y).glom().collect(),
        expected.mapValues(([v, w]) => v + w).reduceByKey((x, y) => x + y).glom().collect(),
      );
    }),
    { numRuns: 150 },
  );
});

t.test("reduceByKey folds each key's values in arrival order, laid out as groupByKey then reduce would be after a combine", async (t) => {
  fc.assert(
    fc.property(pairs, slices, fc.option(slices, { nil: undefined }), (kvs, parts, n) => {
      const rdd = RDD.fromArray(copied(kvs), parts);
      // A non-commutative function shows the order the values are merged in.
      const reduced = rdd.mapValues((v) => String(v)).reduceByKey((x, y) => `${x},${y}`, n);
      const viaCombine = rdd.mapValues((v) => String(v)).combineByKey((v) => v, (c, v) => `${c},${v}`, (x, y) => `${x},${y}`, n);
      t.strictSame(reduced.glom().collect(), viaCombine.glom().collect());
    }),
    { numRuns: 150 },
  );
});

t.test("a join's keys compare by value, and a function key is refused with a clear error", async (t) => {
  type Tagged = readonly [readonly [string, number], string];
  const left: Tagged[] = [[["a", 1], "left"]];
  const right: Tagged[] = [[["a", 1], "right"], [["a", 2], "other"]];
  const joined = RDD.fromArray(left).join(RDD.fromArray(right));
  t.strictSame(joined.collect(), [[["a", 1], ["left", "right"]]]);
  const fn = () => 1;
  t.throws(() => RDD.fromArray([[fn, 1]] as const).join(RDD.fromArray([[fn, 2]] as const)).collect(), /A function cannot be a key/);
});
