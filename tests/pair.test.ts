/**
 * Pair-stream operations against Spark's published vectors (BasicOperationsSuite.scala),
 * keys compared by value, partition counts, and the build-time errors of two-stream
 * operations.
 */
import t from "tap";
import {
  cogroup,
  combineByKey,
  type DStream,
  flatMapValues,
  foreachRDD,
  fullOuterJoin,
  groupByKey,
  join,
  leftOuterJoin,
  ManualClock,
  map,
  mapValues,
  none,
  pipe,
  reduceByKey,
  rightOuterJoin,
  Seconds,
  some,
  SparkContext,
  StreamingContext,
  window,
} from "../mod.ts";
import { outputsOf, runOperation, sorted } from "./_harness.ts";

/** Runs `operation` over two queue streams fed batch by batch; returns each batch's records. */
const runTwo = async <A, B, C>(
  left: ReadonlyArray<ReadonlyArray<A>>,
  right: ReadonlyArray<ReadonlyArray<B>>,
  operation: (a: DStream<A>, b: DStream<B>) => DStream<C>,
): Promise<{ outputs: ReadonlyArray<ReadonlyArray<C>>; partitions: ReadonlyArray<number> }> => {
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "pair-test", defaultParallelism: 2, logLevel: "OFF" });
  const ssc = new StreamingContext(sc, Seconds(1), { clock });
  const outputs: Array<ReadonlyArray<C>> = [];
  const partitions: number[] = [];
  pipe(
    operation(ssc.queueStream(left), ssc.queueStream(right)),
    foreachRDD((rdd) => {
      outputs.push(rdd.collect());
      partitions.push(rdd.numPartitions);
    }),
  );
  ssc.start();
  for (let i = 0; i < Math.max(left.length, right.length); i++) await clock.advance(Seconds(1));
  await ssc.stop();
  return { outputs, partitions };
};

const ones = (s: DStream<string>) => pipe(s, map((x: string) => [x, 1] as const));
const xs = (s: DStream<string>) => pipe(s, map((x: string) => [x, "x"] as const));

// Spark's two-stream inputs (BasicOperationsSuite "join", "leftOuterJoin", …).
const input1 = [["a", "b"], ["a", ""], [""], []];
const input2 = [["a", "b"], ["b", ""], [], [""]];

t.test("groupByKey groups each batch's values by key (BasicOperationsSuite 'groupByKey')", async (t) => {
  const out = await outputsOf([["a", "a", "b"], ["", ""], []], (s) => pipe(ones(s), groupByKey()));
  t.same(out.map(sorted), [[["a", [1, 1]], ["b", [1]]], [["", [1, 1]]], []]);
});

t.test("groupByKey keeps values in arrival order and groups tuple keys by value", async (t) => {
  const out = await outputsOf(
    [[[["k", 1], "x"], [["k", 2], "y"], [["k", 1], "z"]] as Array<readonly [readonly [string, number], string]>],
    groupByKey(),
  );
  t.same(sorted(out[0] ?? []), [[["k", 1], ["x", "z"]], [["k", 2], ["y"]]]);
});

t.test("flatMapValues pairs every returned value with its key (BasicOperationsSuite 'flatMapValues')", async (t) => {
  const out = await outputsOf([["a", "a", "b"], ["", ""], []], (s) =>
    pipe(ones(s), reduceByKey((a, b) => a + b), flatMapValues((x: number) => [x, x + 10])));
  t.same(out.map(sorted), [[["a", 12], ["a", 2], ["b", 11], ["b", 1]], [["", 12], ["", 2]], []]);
});

t.test("flatMapValues accepts any iterable, a generator included", async (t) => {
  const out = await outputsOf([[["a", 3] as const]], flatMapValues(function* (n: number) {
    for (let i = 0; i < n; i++) yield i;
  }));
  t.same(out, [[["a", 0], ["a", 1], ["a", 2]]]);
});

t.test("mapValues keeps the key (BasicOperationsSuite 'mapValues')", async (t) => {
  const out = await outputsOf([["a", "a", "b"], ["", ""], []], (s) =>
    pipe(ones(s), reduceByKey((a, b) => a + b), mapValues((x: number) => x + 10)));
  t.same(out.map(sorted), [[["a", 12], ["b", 11]], [["", 12]], []]);
});

t.test("combineByKey builds one combiner per key: sums and counts for an average", async (t) => {
  const out = await outputsOf(
    [[["a", 1], ["b", 4], ["a", 3]], [], [["c", 5]]] as Array<Array<readonly [string, number]>>,
    combineByKey(
      (v: number) => [v, 1] as const,
      (c: readonly [number, number], v: number) => [c[0] + v, c[1] + 1] as const,
      (a: readonly [number, number], b: readonly [number, number]) => [a[0] + b[0], a[1] + b[1]] as const,
    ),
  );
  t.same(out.map(sorted), [[["a", [4, 2]], ["b", [4, 1]]], [], [["c", [5, 1]]]]);
});

t.test("groupByKey and combineByKey take a partition count; a bad one fails at build time", async (t) => {
  const run = await runOperation([[["a", 1], ["b", 2], ["c", 3]] as const], groupByKey(3));
  t.same(sorted(run.outputs[0]?.[1] ?? []), [["a", [1]], ["b", [2]], ["c", [3]]]);
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "pair-test", logLevel: "OFF" }), Seconds(1), { clock });
  const pairs = ssc.queueStream<readonly [string, number]>([]);
  t.throws(() => groupByKey(0)(pairs), /groupByKey's numPartitions must be a positive whole number, got 0/);
  t.throws(
    () => combineByKey((v: number) => v, (c: number, v: number) => c + v, (a: number, b: number) => a + b, 1.5)(pairs),
    /combineByKey's numPartitions must be a positive whole number, got 1\.5/,
  );
  t.throws(() => join(pairs, -1)(pairs), /join's numPartitions must be a positive whole number, got -1/);
  await ssc.stop();
});

t.test("join pairs the values of keys in both batches (BasicOperationsSuite 'join')", async (t) => {
  const { outputs } = await runTwo(input1, input2, (a, b) => pipe(ones(a), join(xs(b))));
  t.same(outputs.map(sorted), [[["a", [1, "x"]], ["b", [1, "x"]]], [["", [1, "x"]]], [], []]);
});

t.test("join gives every pair of values of a key", async (t) => {
  const { outputs } = await runTwo([["k", "k"]], [["k", "k", "j"]], (a, b) => pipe(ones(a), join(xs(b))));
  t.equal(outputs[0]?.length, 4, "2 × 2 pairs for k, none for j");
});

t.test("leftOuterJoin gives none for a missing right side (BasicOperationsSuite 'leftOuterJoin')", async (t) => {
  const { outputs } = await runTwo(input1, input2, (a, b) => pipe(ones(a), leftOuterJoin(xs(b))));
  t.same(outputs.map(sorted), [
    [["a", [1, some("x")]], ["b", [1, some("x")]]],
    [["", [1, some("x")]], ["a", [1, none]]],
    [["", [1, none]]],
    [],
  ]);
});

t.test("rightOuterJoin gives none for a missing left side (BasicOperationsSuite 'rightOuterJoin')", async (t) => {
  const { outputs } = await runTwo(input1, input2, (a, b) => pipe(ones(a), rightOuterJoin(xs(b))));
  t.same(outputs.map(sorted), [
    [["a", [some(1), "x"]], ["b", [some(1), "x"]]],
    [["", [some(1), "x"]], ["b", [none, "x"]]],
    [],
    [["", [none, "x"]]],
  ]);
});

t.test("fullOuterJoin gives none for either missing side (BasicOperationsSuite 'fullOuterJoin')", async (t) => {
  const { outputs } = await runTwo(input1, input2, (a, b) => pipe(ones(a), fullOuterJoin(xs(b))));
  t.same(outputs.map(sorted), [
    [["a", [some(1), some("x")]], ["b", [some(1), some("x")]]],
    [["", [some(1), some("x")]], ["a", [some(1), none]], ["b", [none, some("x")]]],
    [["", [some(1), none]]],
    [["", [none, some("x")]]],
  ]);
});

t.test("cogroup gives both sides' values for keys in either batch (BasicOperationsSuite 'cogroup')", async (t) => {
  const { outputs } = await runTwo(
    [["a", "a", "b"], ["a", ""], [""], []],
    [["a", "a", "b"], ["b", ""], [], []],
    (a, b) => pipe(ones(a), cogroup(xs(b))),
  );
  t.same(outputs.map(sorted), [
    [["a", [[1, 1], ["x", "x"]]], ["b", [[1], ["x"]]]],
    [["", [[1], ["x"]]], ["a", [[1], []]], ["b", [[], ["x"]]]],
    [["", [[1], []]]],
    [],
  ]);
});

t.test("joins compare tuple keys by value across the two streams", async (t) => {
  const { outputs } = await runTwo<readonly [readonly [string, number], string], readonly [readonly [string, number], number], unknown>(
    [[[["a", 1], "left"], [["a", 2], "other"]]],
    [[[["a", 1], 7]]],
    (a, b) => pipe(a, join(b)),
  );
  t.same(outputs, [[[["a", 1], ["left", 7]]]]);
});

t.test("joins use the given partition count, else the default parallelism", async (t) => {
  const given = await runTwo(input1, input2, (a, b) => pipe(ones(a), join(xs(b), 3)));
  t.same(given.partitions, [3, 3, 3, 3]);
  const byDefault = await runTwo(input1, input2, (a, b) => pipe(ones(a), fullOuterJoin(xs(b))));
  t.same(byDefault.partitions, [2, 2, 2, 2]);
});

t.test("a join of streams from two contexts fails when built, naming both streams", async (t) => {
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "pair-test", logLevel: "OFF" });
  const one = new StreamingContext(sc, Seconds(1), { clock });
  const a = ones(one.queueStream<string>([]));
  await one.stop({ stopSparkContext: false });
  const two = new StreamingContext(sc, Seconds(1), { clock });
  const b = xs(two.queueStream<string>([]));
  t.throws(
    () => pipe(b, join(a)),
    /join needs two streams of one StreamingContext, but map-1 and map-1 belong to different contexts/,
  );
  t.throws(() => pipe(b, cogroup(a)), /cogroup needs two streams of one StreamingContext/);
  await two.stop();
});

t.test("a join of streams with different slide durations fails when built, naming both", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "pair-test", logLevel: "OFF" }), Seconds(1), { clock });
  const a = ones(ssc.queueStream<string>([]));
  const b = pipe(xs(ssc.queueStream<string>([])), window(Seconds(2), Seconds(2)));
  t.throws(
    () => pipe(a, leftOuterJoin(b)),
    /leftOuterJoin needs two streams with the same slide duration, but map-1 slides every 1000 ms and window-4 every 2000 ms/,
  );
  t.throws(() => pipe(a, join("nope" as unknown as DStream<readonly [string, string]>)), /join's other stream must be a DStream, got string/);
  await ssc.stop();
});
