/**
 * What updateStateByKey's function and readers see of one batch: every value of a key
 * in arrival order (keys with state and new keys alike, their records interleaved), an
 * empty list for a key without records, nothing left over from a failed batch, and
 * state RDDs whose `collect` is a copy in partition order.
 */
import t from "tap";
import {
  type DStream,
  foreachRDD,
  isSome,
  ManualClock,
  map,
  type Option,
  pipe,
  type RDD,
  Seconds,
  some,
  SparkContext,
  StreamingContext,
  updateStateByKey,
} from "../mod.ts";
import { runOperation } from "./_harness.ts";

/** Each record `key:value` as the pair [key, value]. */
const pairs = (s: DStream<string>) =>
  pipe(s, map((record: string) => {
    const [key = "", value = "0"] = record.split(":");
    return [key, Number(value)] as const;
  }));

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0);
const orZero = (o: Option<number>) => (isSome(o) ? o.value : 0);

t.test("a key's values reach the function in arrival order, interleaved with other keys, for keys with state and new keys", async (t) => {
  const calls: string[] = [];
  const run = await runOperation(
    [["a:1", "b:2"], ["b:3", "c:4", "a:5", "c:6", "b:7", "a:8", "d:9"], []],
    (s: DStream<string>) =>
      pipe(
        pairs(s),
        updateStateByKey((values, state: Option<number>, key: string) => {
          calls.push(`${key} [${values.join(",")}] ${isSome(state) ? state.value : "none"}`);
          return some(sum(values) + orZero(state));
        }),
      ),
  );
  t.same(calls, [
    "a [1] none",
    "b [2] none",
    "a [5,8] 1",
    "b [3,7] 2",
    "c [4,6] none",
    "d [9] none",
    "a [] 14",
    "b [] 12",
    "c [] 10",
    "d [] 9",
  ]);
  t.same(run.outputs.map(([, records]) => records), [
    [["a", 1], ["b", 2]],
    [["a", 14], ["b", 12], ["c", 10], ["d", 9]],
    [["a", 14], ["b", 12], ["c", 10], ["d", 9]],
  ]);
});

t.test("after a batch whose function threw, the next batch sees only its own values", async (t) => {
  const calls: string[] = [];
  const run = await runOperation(
    [["a:1", "b:1", "c:1"], ["a:2", "b:2", "c:2", "c:3", "n:4", "n:5"], ["c:7", "n:8", "b:9"]],
    (s: DStream<string>) =>
      pipe(
        pairs(s),
        updateStateByKey((values, state: Option<number>, key: string) => {
          calls.push(`${key} [${values.join(",")}]`);
          if (key === "b" && values.includes(2)) throw new Error("b failed");
          return some(sum(values) + orZero(state));
        }),
      ),
  );
  // Batch 2 fails at b, before c's and n's calls: their values must not stay for batch 3.
  t.same(calls, ["a [1]", "b [1]", "c [1]", "a [2]", "b [2]", "a []", "b [9]", "c [7]", "n [8]"]);
  t.same(run.outputs.map(([, records]) => records), [
    [["a", 1], ["b", 1], ["c", 1]],
    [["a", 1], ["b", 10], ["c", 8], ["n", 8]],
  ]);
  t.match(run.terminationError?.message ?? "", /b failed/);
});

t.test("a state RDD's collect is a copy, in partition order: changing it changes neither later reads nor the state", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "state-batch-values", logLevel: "ERROR", log: () => {} }), Seconds(1), { clock });
  const rdds: Array<RDD<readonly [string, number]>> = [];
  const firstReads: Array<ReadonlyArray<readonly [string, number]>> = [];
  pipe(
    pairs(ssc.queueStream([["a:1", "b:1", "c:1", "d:1", "e:1"], ["a:1"]])),
    updateStateByKey((values, state: Option<number>) => some(sum(values) + orZero(state)), { numPartitions: 3 }),
    foreachRDD((rdd) => {
      rdds.push(rdd);
      const records = rdd.collect();
      t.same(records, rdd.collectPartitions().flat(), "collect is the partitions, one after another");
      firstReads.push(records.slice());
      records.reverse();
      records.length = 1;
      (records as Array<readonly [string, number]>)[0] = ["z", 99];
    }),
  );
  ssc.start();
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(firstReads, [
    [["a", 1], ["b", 1], ["c", 1], ["d", 1], ["e", 1]],
    [["a", 2], ["b", 1], ["c", 1], ["d", 1], ["e", 1]],
  ], "the second batch's state did not see the first batch's changed array");
  t.same(rdds.map((rdd) => rdd.collect()), firstReads, "a second collect gives the records again");
  t.same(rdds.map((rdd) => rdd.count()), [5, 5]);
});
