// local[n] on the driver alone (an eligible batch measured faster without the worker
// threads, or whose worker died) combines every partition in one pass and one table; the workers'
// way combines each partition apart and merges the outputs in partition order. A job's
// results must not depend on which way a batch went: the same keys in the same order in
// every partition, the same combiners, even for functions that are not commutative or
// whose floating-point sums depend on the grouping.
import t from "tap";
import fc from "fast-check";
import { RDD } from "../mod.ts";
import type { CombineFunctions } from "../lib/dstream/_node.ts";
import { combineAllPartitions, combinePartition } from "../lib/context/_map_side.ts";

/** The workers' way, all on this thread: each partition's map output, merged by RDD.fromMapOutputs. */
const perPartition = <K, V, C>(parent: RDD<readonly [K, V]>, functions: CombineFunctions<V, C>, n: number) =>
  RDD.fromMapOutputs(
    parent,
    n,
    () => Array.from({ length: parent.numPartitions }, (_, p) => combinePartition(parent, p, functions, "test")),
    functions.mergeCombiners,
    "test",
  );

const onePass = <K, V, C>(parent: RDD<readonly [K, V]>, functions: CombineFunctions<V, C>, n: number) =>
  RDD.fromMergedMapSide(parent, n, () => combineAllPartitions(parent, functions, "test"));

/** A combiner that shows how it was built: a value's trace in order, partitions' traces joined with "|". */
const tracing: CombineFunctions<number, string> = {
  createCombiner: (v) => `${v}`,
  mergeValue: (c, v) => `${c},${v}`,
  mergeCombiners: (a, b) => `${a}|${b}`,
  isReduce: false,
};

const floatSum: CombineFunctions<number, number> = {
  createCombiner: (v) => v,
  mergeValue: (a, b) => a + b,
  mergeCombiners: (a, b) => a + b,
  isReduce: true,
};

const recordsArb = fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), fc.integer({ min: -50, max: 50 })), { maxLength: 60 });
const partitionsArb = fc.array(recordsArb, { minLength: 1, maxLength: 5 });

t.test("one pass gives the combiners, keys and layout of a combine per partition merged in partition order", async (t) => {
  fc.assert(
    fc.property(partitionsArb, fc.integer({ min: 1, max: 4 }), (parts, n) => {
      const parent = RDD.fromPartitions(parts.map((records) => records.map(([k, v]) => [k, v] as const)));
      t.strictSame(onePass(parent, tracing, n).glom().collect(), perPartition(parent, tracing, n).glom().collect());
      const floats = parent.mapValues((v) => v * 0.1);
      t.strictSame(onePass(floats, floatSum, n).glom().collect(), perPartition(floats, floatSum, n).glom().collect());
    }),
    { numRuns: 150 },
  );
});

t.test("a key seen in partitions 0 and 2 only merges the two partitions' combiners, in order", async (t) => {
  const parent = RDD.fromPartitions<readonly [string, number]>([[["k", 1], ["k", 2]], [["other", 9]], [["k", 3]]]);
  t.strictSame(Object.fromEntries(onePass(parent, tracing, 1).collect()), { k: "1,2|3", other: "9" });
});

t.test("a user function that throws is reported under the step's name", async (t) => {
  const parent = RDD.fromPartitions<readonly [string, number]>([[["k", 1]], [["k", 2]]]);
  const failing: CombineFunctions<number, number> = { ...floatSum, mergeCombiners: () => {
    throw new Error("no merge today");
  } };
  t.throws(() => onePass(parent, failing, 1).collect(), { name: "UserFunctionError", operation: "test", message: "test failed: no merge today" });
});

t.test("right after a map, both ways read the map's pairs directly and agree with a cached copy", async (t) => {
  fc.assert(
    fc.property(partitionsArb, fc.integer({ min: 1, max: 4 }), (parts, n) => {
      const lines = RDD.fromPartitions(parts.map((records) => records.map(([k, v]) => `${k} ${v}`)));
      const pairs = lines.map((line) => [line.slice(0, 1), Number(line.slice(2))] as const);
      const cached = lines.map((line) => [line.slice(0, 1), Number(line.slice(2))] as const).cache();
      const expected = perPartition(cached, tracing, n).glom().collect();
      t.strictSame(onePass(pairs, tracing, n).glom().collect(), expected);
      t.strictSame(perPartition(pairs, tracing, n).glom().collect(), expected);
    }),
    { numRuns: 100 },
  );
});

t.test("a map function that throws before the combine is reported under the map's name, either way", async (t) => {
  const lines = RDD.fromPartitions([["a 1"], ["b 2"]]);
  const failing = lines.map((line): readonly [string, number] => {
    if (line.startsWith("b")) throw new Error("bad line");
    return [line, 1];
  }, "parseLine");
  const expected = { name: "UserFunctionError", operation: "parseLine", message: "parseLine failed: bad line" };
  t.throws(() => onePass(failing, floatSum, 1).collect(), expected);
  t.throws(() => perPartition(failing, floatSum, 1).collect(), expected);
});
