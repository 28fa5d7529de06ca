/**
 * updateStateByKey's bookkeeping as a user sees it: keys removed, added and failed in the
 * same batch, calls in state order after removals, tuple keys that go and come back,
 * earlier batches' RDDs across removals and unchanged batches, and states compared by
 * `Object.is`.
 */
import t from "tap";
import {
  type DStream,
  foreachRDD,
  isSome,
  ManualClock,
  map,
  none,
  type Option,
  pipe,
  type RDD,
  Seconds,
  some,
  SparkContext,
  StreamingContext,
  type Time,
  updateStateByKey,
} from "../mod.ts";
import { outputsOf, runOperation, sorted } from "./_harness.ts";

const ones = (s: DStream<string>) => pipe(s, map((x: string) => [x, 1] as const));
const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0);
const orZero = (o: Option<number>) => (isSome(o) ? o.value : 0);
const special = () => new Error("This is a special error");

t.test("after removals, calls go to the remaining keys in state order, then to new keys in arrival order, with the right values", async (t) => {
  const calls: string[] = [];
  const out = await outputsOf(
    [["a", "b", "c", "d"], ["x", "b", "c", "e", "d", "d"], ["e", "d", "c", "a", "f"], ["b"]],
    (s) =>
      pipe(
        ones(s),
        updateStateByKey((values, state: Option<number>, key: string, time: Time) => {
          calls.push(`${time.milliseconds / 1000} ${key} [${values.join(",")}] ${isSome(state) ? state.value : "none"}`);
          // "b" is removed when it comes back; "x" is dropped as soon as it arrives.
          if (key === "x" || (key === "b" && isSome(state))) return none;
          return some(sum(values) + orZero(state));
        }),
      ),
  );
  t.same(out, [
    [["a", 1], ["b", 1], ["c", 1], ["d", 1]],
    [["a", 1], ["c", 2], ["d", 3], ["e", 1]],
    [["a", 2], ["c", 3], ["d", 4], ["e", 2], ["f", 1]],
    [["a", 2], ["c", 3], ["d", 4], ["e", 2], ["f", 1], ["b", 1]],
  ], "each batch's state, in state order");
  t.same(calls, [
    "1 a [1] none",
    "1 b [1] none",
    "1 c [1] none",
    "1 d [1] none",
    "2 a [] 1",
    "2 b [1] 1",
    "2 c [1] 1",
    "2 d [1,1] 1",
    "2 x [1] none",
    "2 e [1] none",
    "3 a [1] 1",
    "3 c [1] 2",
    "3 d [1] 3",
    "3 e [1] 1",
    "3 f [1] none",
    "4 a [] 2",
    "4 c [] 3",
    "4 d [] 4",
    "4 e [] 2",
    "4 f [] 1",
    "4 b [1] none",
  ]);
});

t.test("a batch whose function throws after new keys arrived leaves them out of the state", async (t) => {
  const calls: string[] = [];
  const run = await runOperation([["a"], ["a", "b", "bad", "c"], ["c", "b", "a"]], (s: DStream<string>) =>
    pipe(
      ones(s),
      updateStateByKey((values, state: Option<number>, key: string, time: Time) => {
        calls.push(`${time.milliseconds / 1000} ${key} ${isSome(state) ? state.value : "none"}`);
        if (key === "bad") throw special();
        return some(sum(values) + orZero(state));
      }),
    ));
  t.same(run.outputs, [[1000, [["a", 1]]], [3000, [["a", 2], ["c", 1], ["b", 1]]]]);
  t.same(calls, ["1 a none", "2 a 1", "2 b none", "2 bad none", "3 a 1", "3 c none", "3 b none"]);
  t.match(run.terminationError?.message ?? "", /at time 2000 ms: updateStateByKey-2 failed: This is a special error/);
});

t.test("a batch whose input fails after new keys arrived leaves the state as it was", async (t) => {
  const run = await runOperation([["a"], ["b", "a", "bad", "c"], ["b", "c"]], (s: DStream<string>) =>
    pipe(
      s,
      map((w: string) => {
        if (w === "bad") throw special();
        return [w, 1] as const;
      }),
      updateStateByKey((values, state: Option<number>) => some(sum(values) + orZero(state))),
    ));
  t.same(run.outputs, [[1000, [["a", 1]]], [3000, [["a", 1], ["b", 1], ["c", 1]]]]);
  t.match(run.terminationError?.message ?? "", /at time 2000 ms: map-1 failed: This is a special error/);
});

t.test("tuple keys are removed and come back as new keys, grouped by value", async (t) => {
  type Key = readonly [string, number];
  const k = (s: string, n: number): Key => [s, n];
  const calls: string[] = [];
  const out = await outputsOf(
    [[[k("a", 1), 1], [k("b", 2), 1], [k("c", 3), 1]], [[k("b", 2), 5], [k("c", 3), 1]], [[k("b", 2), 1], [k("c", 3), 1], [k("a", 1), 2]]],
    updateStateByKey((values: ReadonlyArray<number>, state: Option<number>, key: Key) => {
      calls.push(`${key.join("")} [${values.join(",")}] ${isSome(state) ? state.value : "none"}`);
      const next = sum(values) + orZero(state);
      return next > 5 ? none : some(next);
    }),
  );
  t.same(out, [
    [[["a", 1], 1], [["b", 2], 1], [["c", 3], 1]],
    [[["a", 1], 1], [["c", 3], 2]],
    [[["a", 1], 3], [["c", 3], 3], [["b", 2], 1]],
  ]);
  t.same(calls, ["a1 [1] none", "b2 [1] none", "c3 [1] none", "a1 [] 1", "b2 [5] 1", "c3 [1] 1", "a1 [2] 1", "c3 [1] 2", "b2 [1] none"]);
});

t.test("RDDs of earlier batches keep their records across removals, additions and unchanged batches", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "state-update-test", logLevel: "ERROR", log: () => {} }), Seconds(1), { clock });
  const rdds: Array<RDD<readonly [string, number]>> = [];
  pipe(
    ones(ssc.queueStream([["a", "b", "c"], [], ["b", "d"], ["a"], []])),
    updateStateByKey((values, state: Option<number>, key: string) => {
      if (key === "b" && values.length > 0 && isSome(state)) return none;
      return some(sum(values) + orZero(state));
    }),
    foreachRDD((rdd) => void rdds.push(rdd)),
  );
  ssc.start();
  await clock.advance(Seconds(5)); // no output reads its batch while the state moves on
  await ssc.stop();
  t.same(rdds.map((rdd) => rdd.collect()), [
    [["a", 1], ["b", 1], ["c", 1]],
    [["a", 1], ["b", 1], ["c", 1]],
    [["a", 1], ["c", 1], ["d", 1]],
    [["a", 2], ["c", 1], ["d", 1]],
    [["a", 2], ["c", 1], ["d", 1]],
  ]);
  t.same(rdds.map((rdd) => rdd.collectPartitions().map((part) => part.length)), [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]], "spread over the default parallelism");
});

t.test("a new state that differs only as -0 from 0 or is NaN is kept as returned", async (t) => {
  const out = await outputsOf([["z", "n"], ["z", "n"], ["z"]], (s) =>
    pipe(
      ones(s),
      updateStateByKey((_values, state: Option<number>, key: string) => {
        if (key === "n") return some(Number.NaN);
        return some(isSome(state) ? (Object.is(state.value, 0) ? -0 : 0) : 0);
      }),
    ));
  const z = out.map((batch) => batch.find(([key]) => key === "z")?.[1]);
  t.ok(Object.is(z[0], 0) && Object.is(z[1], -0) && Object.is(z[2], 0), "0, then -0, then 0");
  t.same(sorted(out[1] ?? []).map(([key]) => key), ["n", "z"]);
  t.ok(out.slice(0, 2).every((batch) => Number.isNaN(batch.find(([key]) => key === "n")?.[1])), "NaN stays");
});
