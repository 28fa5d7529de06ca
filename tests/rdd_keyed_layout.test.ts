// Keyed results are laid out as Scala Spark lays them out: each key in partition
// nonNegativeMod(key.hashCode, n) (HashPartitioner), and within a partition in the slot
// order of the reduce task's AppendOnlyMap (Guava murmur3 rehash, quadratic probing,
// capacity 64 doubled past 0.7 full), keys inserted map output by map output, each
// sorted by hash code after a map-side combine. The expected figures were derived from
// that algorithm by an independent script (Java String.hashCode / Double.hashCode by
// bit pattern, murmur3_x86_32 over the int's 4 little-endian bytes).
import t from "tap";
import { RDD } from "../mod.ts";
import { doubleHashCode, murmur3HashInt, numberHashCode, stringHashCode } from "../lib/rdd/_hash.ts";
import { hashCodeOf } from "../lib/rdd/_keys.ts";

t.test("Java's hashCode for strings and numbers, and Guava's murmur3 rehash", async (t) => {
  t.equal(stringHashCode("hello"), 99162322);
  t.equal(stringHashCode("world"), 113318802);
  t.equal(numberHashCode(7), 7, "a whole number in int range hashes as java.lang.Integer");
  t.equal(numberHashCode(-0), 0);
  t.equal(numberHashCode(1.5), 1073217536, "any other number as java.lang.Double");
  t.equal(doubleHashCode(0.1), -1507852285);
  t.equal(numberHashCode(2 ** 31), doubleHashCode(2 ** 31), "outside int range: as a Double");
  t.equal(hashCodeOf(true), 1231);
  t.equal(hashCodeOf(false), 1237);
  t.equal(hashCodeOf(1n), 1, "bigint as java.lang.Long");
  t.equal(hashCodeOf(-1n), 0);
  t.equal(hashCodeOf(new Date(5)), 5, "Date as Date.hashCode");
  t.equal(murmur3HashInt(1), -68075478);
  t.equal(murmur3HashInt(97), 1455541201);
});

const words = "the quick brown fox jumps over the lazy dog and the cat".split(" ");

t.test("glom after reduceByKey shows Scala Spark's partitions, in its order", async (t) => {
  const counts = RDD.fromArray(words, 2).map((w): readonly [string, number] => [w, 1]).reduceByKey((a, b) => a + b, 2);
  t.same(counts.keys().glom().collect(), [
    ["lazy", "dog", "over", "brown", "cat"],
    ["fox", "jumps", "quick", "and", "the"],
  ]);
  t.same(counts.lookup("the"), [3]);
  t.same(counts.take(3), [["lazy", 1], ["dog", 1], ["over", 1]], "pprint's first records read partition 0 first");
});

t.test("groupByKey (no map-side combine) gives the same partitions for these keys", async (t) => {
  const grouped = RDD.fromArray(words, 2).map((w): readonly [string, number] => [w, 1]).groupByKey(2);
  t.same(grouped.keys().glom().collect(), [
    ["lazy", "dog", "over", "brown", "cat"],
    ["fox", "jumps", "quick", "and", "the"],
  ]);
});

t.test("past 44 keys the map doubles: slot order after re-insertion", async (t) => {
  const many = Array.from({ length: 100 }, (_, i) => `w${i}`);
  const counts = RDD.fromArray(many).map((w): readonly [string, number] => [w, 1]).reduceByKey((a, b) => a + b);
  t.same(counts.keys().take(12), ["w39", "w58", "w82", "w18", "w47", "w26", "w94", "w45", "w48", "w52", "w81", "w92"]);
});

t.test("number keys: Integer hash codes, non-negative modulo", async (t) => {
  const nums = [1, 2, 3, 64, 65, -7, 2147483647];
  const counts = RDD.fromArray(nums).map((x): readonly [number, number] => [x, 1]).reduceByKey((a, b) => a + b, 3);
  t.same(counts.keys().glom().collect(), [[3], [2147483647, 64, 1], [65, -7, 2]]);
});

t.test("a keyed step over a result partitioned alike needs no shuffle, and keeps it", async (t) => {
  const counts = RDD.fromArray(words, 2).map((w): readonly [string, number] => [w, 1]).reduceByKey((a, b) => a + b, 2);
  t.equal(counts.partitionBy(2), counts);
  const again = counts.mapValues((n) => n * 10).reduceByKey((a, b) => a + b, 2);
  t.same(again.glom().collect().map((p) => p.map(([k]) => k)), counts.glom().collect().map((p) => p.map(([k]) => k)));
  t.same(counts.partitionBy(3).glom().collect().map((p) => p.length), [5, 4, 1]);
});
