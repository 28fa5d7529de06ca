import t from "tap";
import { isSome, none, RDD, some } from "../mod.ts";
import { sorted } from "./_harness.ts";

t.test("narrow steps are fused: each record flows through the whole chain before the next", async (t) => {
  const trace: string[] = [];
  const rdd = RDD.fromArray([1, 2, 3])
    .map((x) => {
      trace.push(`map ${x}`);
      return x * 10;
    })
    .filter((x) => {
      trace.push(`filter ${x}`);
      return x !== 20;
    })
    .flatMap((x) => {
      trace.push(`flatMap ${x}`);
      return [x, x + 1];
    });
  t.same(trace, [], "nothing runs before an action");
  t.same(rdd.collect(), [10, 11, 30, 31]);
  t.same(trace, ["map 1", "filter 10", "flatMap 10", "map 2", "filter 20", "map 3", "filter 30", "flatMap 30"]);
});

t.test("reduceByKey groups keys by value, tuple keys included", async (t) => {
  const pairs = RDD.fromArray<readonly [unknown, number]>([
    [["a", 1], 1],
    ["a", 1],
    [["a", 1], 2],
    [{ x: 1, y: [2] }, 1],
    [{ y: [2], x: 1 }, 1],
    [1, 1],
    ["1", 1],
    [["a", 1], 3],
  ], 3);
  const reduced = pairs.reduceByKey((a, b) => a + b, 2);
  t.equal(reduced.numPartitions, 2);
  // Which partition, and where in it, follows Spark's hash partitioning: see rdd_keyed_layout.test.ts.
  t.same(sorted(reduced.collect()), sorted([[["a", 1], 6], ["a", 1], [{ x: 1, y: [2] }, 2], [1, 1], ["1", 1]]));
});

t.test("reduceByKey keeps undefined values and combines in arrival order", async (t) => {
  const reduced = RDD.fromArray<readonly [string, string]>([["k", "a"], ["k", "b"], ["j", "c"], ["k", "d"]], 2)
    .reduceByKey((a, b) => a + b);
  t.same(sorted(reduced.collect()), [["j", "c"], ["k", "abd"]]);
});

t.test("an RDD is split into partitions, and actions read them in order", async (t) => {
  const rdd = RDD.fromArray([1, 2, 3, 4, 5], 2);
  t.equal(rdd.numPartitions, 2);
  t.same(rdd.collectPartitions(), [[1, 2], [3, 4, 5]]);
  t.same(rdd.glom().collect(), [[1, 2], [3, 4, 5]]);
  t.equal(rdd.count(), 5);
  t.same(rdd.take(3), [1, 2, 3]);
  t.equal(rdd.first(), 1);
  t.equal(rdd.reduce((a, b) => a + b), 15);
  t.equal(rdd.fold(0, (acc, x) => acc + x), 15);
  t.notOk(rdd.isEmpty());
  t.same(rdd.repartition(3).collectPartitions(), [[1], [2, 3], [4, 5]]);
  t.same(RDD.union([rdd, RDD.fromArray([6])]).collect(), [1, 2, 3, 4, 5, 6]);
});

t.test("an empty RDD answers its actions without inventing records", async (t) => {
  const empty = RDD.empty<number>();
  t.ok(empty.isEmpty());
  t.equal(empty.count(), 0);
  t.same(empty.reduceOption((a, b) => a + b), none);
  t.throws(() => empty.reduce((a, b) => a + b), /empty RDD: use reduceOption/);
  t.throws(() => empty.first(), /empty RDD/);
  t.same(RDD.fromArray([undefined]).take(1), [undefined]);
});

t.test("cache() computes a lazy chain once", async (t) => {
  let calls = 0;
  const rdd = RDD.fromArray([1, 2]).map((x) => {
    calls++;
    return x;
  }).cache();
  rdd.collect();
  rdd.count();
  t.equal(calls, 2);
  t.ok(rdd.isCached);
});

t.test("pair operations: groupByKey, cogroup and joins with Options for missing sides", async (t) => {
  const left = RDD.fromArray<readonly [string, number]>([["a", 1], ["b", 2], ["a", 3]]);
  const right = RDD.fromArray<readonly [string, string]>([["a", "x"], ["c", "y"]]);
  t.same(left.groupByKey().collect(), [["a", [1, 3]], ["b", [2]]]);
  t.same(left.join(right).collect(), [["a", [1, "x"]], ["a", [3, "x"]]]);
  t.same(left.leftOuterJoin(right).collect(), [["a", [1, some("x")]], ["a", [3, some("x")]], ["b", [2, none]]]);
  t.same(left.rightOuterJoin(right).collect(), [["a", [some(1), "x"]], ["a", [some(3), "x"]], ["c", [none, "y"]]]);
  t.same(left.fullOuterJoin(right).collect().length, 4);
  t.ok(isSome(some(1)));
  t.same(left.countByValue().size, 3);
  t.same(left.mapValues((v) => v * 2).collect(), [["a", 2], ["b", 4], ["a", 6]]);
});

t.test("partition counts must be positive whole numbers", async (t) => {
  t.throws(() => RDD.fromArray([1], 0), /numSlices must be a positive whole number of partitions, got 0/);
  t.throws(() => RDD.fromArray([1]).repartition(1.5), /repartition's numPartitions/);
});
