import t from "tap";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RDD } from "../mod.ts";
import { sorted } from "./_harness.ts";

const pairs = (): RDD<readonly [string, number]> => RDD.fromArray([["a", 1], ["b", 2], ["a", 3], ["c", 4], ["b", 5]] as const, 2);

t.test("sortBy, sortByKey, top, takeOrdered: default ordering, compare functions, clear errors", async (t) => {
  const rdd = RDD.fromArray([5, 3, 9, 1, 7], 2);
  t.same(rdd.sortBy((x) => x).collect(), [1, 3, 5, 7, 9]);
  t.same(rdd.sortBy((x) => x, false, 3).glom().collect(), [[9], [7, 5], [3, 1]]);
  t.same(pairs().sortByKey().collect(), [["a", 1], ["a", 3], ["b", 2], ["b", 5], ["c", 4]], "stable within a key");
  t.same(pairs().sortByKey(false).keys().collect(), ["c", "b", "b", "a", "a"]);
  t.same(rdd.top(2), [9, 7]);
  t.same(rdd.takeOrdered(2), [1, 3]);
  t.same(rdd.takeOrdered(2, (a, b) => b - a), [9, 7]);
  t.same(RDD.fromArray([[1, "b"], [1, "a"], [0, "z"]] as const).sortBy((x) => x).collect(), [[0, "z"], [1, "a"], [1, "b"]], "tuples lexicographically");
  t.same(RDD.fromArray([new Date(2), new Date(1)]).sortBy((d) => d).collect(), [new Date(1), new Date(2)]);
  t.same(RDD.fromArray([3n, 1n]).takeOrdered(1), [1n]);
  t.same(RDD.fromArray([NaN, 1, -1]).sortBy((x) => x).collect(), [-1, 1, NaN], "NaN last, as Java's Double.compare");
  t.throws(() => RDD.fromArray([{ id: 1 }, { id: 2 }]).sortBy((x) => x).collect(), /sortBy's default ordering compares numbers, strings.*got object and object: pass a compare function/);
  t.throws(() => RDD.fromArray<unknown>([1, "1"]).top(1), /top's default ordering .* got number and string/);
});

t.test("distinct, countByKey, countByValue (a Map), collectAsMap, lookup", async (t) => {
  t.same(sorted(RDD.fromArray([1, 2, 1, 3, 2], 2).distinct().collect()), [1, 2, 3]);
  t.same(sorted(RDD.fromArray([[1, 2], [1, 2], [2, 1]]).distinct().collect()), [[1, 2], [2, 1]], "by value");
  t.same(pairs().countByKey(), new Map([["a", 2], ["b", 2], ["c", 1]]));
  const byValue = RDD.fromArray(["x", "y", "x"]).countByValue();
  t.ok(byValue instanceof Map);
  t.same(byValue, new Map([["x", 2], ["y", 1]]));
  t.same(pairs().collectAsMap(), new Map([["a", 3], ["b", 5], ["c", 4]]), "the last value of a key wins");
  t.same(pairs().lookup("b"), [2, 5]);
  t.same(RDD.fromArray([[[1, 2], "t"]] as const).lookup([1, 2]), ["t"], "keys by value");
});

t.test("foreachPartition awaits async functions, one call per partition with its index", async (t) => {
  const seen: string[] = [];
  const done = RDD.fromArray([1, 2, 3], 2).foreachPartition(async (records, index) => {
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(`${index}:${records.join(",")}`);
  });
  t.ok(done instanceof Promise);
  await done;
  t.same(sorted(seen), ["0:1", "1:2,3"]);
  await t.rejects(RDD.fromArray([1]).foreachPartition(async () => {
    throw new Error("socket closed");
  }), /foreachPartition failed: socket closed/);
});

t.test("saveAsTextFile writes one folder of part files and _SUCCESS, and never overwrites", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "rdd-save-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "out", "counts");
  await pairs().saveAsTextFile(path);
  t.same((await readdir(path)).sort(), ["_SUCCESS", "part-00000", "part-00001"]);
  t.equal(await readFile(join(path, "part-00000"), "utf8"), "(a,1)\n(b,2)\n");
  t.equal(await readFile(join(path, "part-00001"), "utf8"), "(a,3)\n(c,4)\n(b,5)\n");
  t.same((await readdir(join(dir, "out"))), ["counts"], "nothing left aside");
  await t.rejects(pairs().saveAsTextFile(path), /output directory .* already exists/);
});

t.test("subtract, intersection, cartesian", async (t) => {
  const a = RDD.fromArray([1, 2, 2, 3, 4], 2);
  const b = RDD.fromArray([2, 4, 5]);
  t.same(sorted(a.subtract(b).collect()), [1, 3]);
  t.same(sorted(RDD.fromArray([1, 1, 3]).subtract(b).collect()), [1, 1, 3], "duplicates of this RDD kept");
  t.same(sorted(a.intersection(b).collect()), [2, 4], "distinct");
  const c = RDD.fromArray([1, 2], 2).cartesian(RDD.fromArray(["x", "y"], 2));
  t.equal(c.getNumPartitions(), 4);
  t.same(c.glom().collect(), [[[1, "x"]], [[1, "y"]], [[2, "x"]], [[2, "y"]]]);
});

t.test("zip needs equal partitions and sizes; zipWithIndex counts across partitions", async (t) => {
  t.same(RDD.fromArray([1, 2, 3], 2).zip(RDD.fromArray(["a", "b", "c"], 2)).collect(), [[1, "a"], [2, "b"], [3, "c"]]);
  t.throws(() => RDD.fromArray([1, 2], 2).zip(RDD.fromArray([1, 2], 1)), /Can't zip RDDs with unequal numbers of partitions: \[2, 1\]/);
  t.throws(() => RDD.fromArray([1, 2, 3], 2).zip(RDD.fromPartitions([[1, 2], [3]])).collect(), /same number of elements in each partition: partition 0 holds 1 and 2/);
  t.same(RDD.fromArray(["a", "b", "c"], 2).zipWithIndex().collect(), [["a", 0], ["b", 1], ["c", 2]]);
});

t.test("fold and aggregate apply zero per partition and once more when merging, as Spark's", async (t) => {
  const rdd = RDD.fromArray([1, 2, 3], 2);
  t.equal(rdd.fold(0, (a, b) => a + b), 6);
  t.equal(rdd.fold(10, (a, b) => a + b), 36, "10 + (10+1) + (10+2+3)");
  t.same(rdd.aggregate([0, 0] as [number, number], (acc, x): [number, number] => [acc[0] + x, acc[1] + 1], (a, b): [number, number] => [a[0] + b[0], a[1] + b[1]]), [6, 3]);
  const zero: number[] = [];
  const all = rdd.aggregate(zero, (acc, x) => {
    acc.push(x);
    return acc;
  }, (a, b) => a.concat(b));
  t.same(all, [1, 2, 3]);
  t.same(zero, [], "each partition folds into its own copy of zero");
});

t.test("aggregateByKey and foldByKey: zero once per key and partition; combineByKey merges partitions", async (t) => {
  t.same(sorted(pairs().foldByKey(100, (a, b) => a + b).collect()), [["a", 204], ["b", 207], ["c", 104]], "a and b occur in both partitions");
  t.same(sorted(pairs().aggregateByKey(0, (acc, v) => acc + v, (x, y) => x * 10 + y).collect()), [["a", 13], ["b", 25], ["c", 4]]);
  let merges = 0;
  pairs().combineByKey((v) => [v], (c, v) => [...c, v], (x, y) => {
    merges++;
    return [...x, ...y];
  }).collect();
  t.equal(merges, 2, "once for a, once for b");
});

t.test("partitionBy, coalesce, getNumPartitions", async (t) => {
  const byKey = pairs().partitionBy(3);
  t.equal(byKey.getNumPartitions(), 3);
  t.same(byKey.glom().collect(), [[["c", 4]], [["a", 1], ["a", 3]], [["b", 2], ["b", 5]]], "'a'=97, 'b'=98, 'c'=99 modulo 3");
  const rdd = RDD.fromArray([1, 2, 3, 4, 5, 6], 5);
  t.same(rdd.coalesce(2).glom().collect(), [[1, 2], [3, 4, 5, 6]], "contiguous ranges of the old partitions [1] [2] [3] [4] [5,6]");
  t.equal(rdd.coalesce(9).getNumPartitions(), 5, "no more partitions without a shuffle");
  t.equal(rdd.coalesce(9, true).getNumPartitions(), 9);
});

t.test("sample: deterministic for a seed, with and without replacement", async (t) => {
  const rdd = RDD.fromArray(Array.from({ length: 1000 }, (_, i) => i), 4);
  const a = rdd.sample(false, 0.1, 42).collect();
  t.same(rdd.sample(false, 0.1, 42).collect(), a);
  t.not(JSON.stringify(rdd.sample(false, 0.1, 43).collect()), JSON.stringify(a));
  t.ok(a.length > 50 && a.length < 150, `about 100 kept: ${a.length}`);
  t.same(a, [...a].sort((x, y) => x - y), "order kept");
  const b = rdd.sample(true, 2, 7).collect();
  t.ok(b.length > 1800 && b.length < 2200, `about 2000 with replacement: ${b.length}`);
  t.same(rdd.sample(true, 2, 7).collect(), b);
  t.throws(() => rdd.sample(false, 1.5), /fraction must be between 0 and 1/);
});

t.test("sum, max, min, mean, stats", async (t) => {
  const rdd = RDD.fromArray([1, 2, 3, 4], 2);
  t.equal(rdd.sum(), 10);
  t.equal(RDD.empty<number>().sum(), 0);
  t.equal(rdd.max(), 4);
  t.equal(rdd.min(), 1);
  t.equal(RDD.fromArray(["pear", "apple"]).max(), "pear");
  t.equal(RDD.fromArray(["pear", "apple"]).max((a, b) => a.length - b.length), "apple");
  t.throws(() => RDD.empty<number>().max(), /max\(\) was called on an empty RDD/);
  t.equal(rdd.mean(), 2.5);
  t.ok(Number.isNaN(RDD.empty<number>().mean()));
  const stats = rdd.stats();
  t.equal(stats.count, 4);
  t.equal(stats.variance, 1.25);
  t.equal(stats.sampleVariance, 5 / 3);
  t.equal(stats.stdev, Math.sqrt(1.25));
  t.equal(stats.sampleStdev, Math.sqrt(5 / 3));
  t.equal(stats.max, 4);
  t.equal(stats.min, 1);
  t.equal(stats.sum, 10);
  t.equal(rdd.variance(), 1.25);
  t.equal(String(stats), "(count: 4, mean: 2.500000, stdev: 1.118034, max: 4.000000, min: 1.000000)");
});
