/**
 * Failing user functions: the batch fails with an error naming the operation and the
 * batch time, `awaitTermination()` rejects with it, and later batches still run
 * (PySpark's test_dstream.py `test_failed_func_with_reseting_failure`).
 */
import t from "tap";
import {
  BatchError,
  combineByKey,
  type DStream,
  filter,
  flatMap,
  flatMapValues,
  foreachRDD,
  isSome,
  ManualClock,
  map,
  mapPartitions,
  mapValues,
  mapWithState,
  type Option,
  pipe,
  pprint,
  reduce,
  reduceByKey,
  Seconds,
  some,
  SparkContext,
  type State,
  StateSpec,
  StreamingContext,
  transform,
  updateStateByKey,
  UserFunctionError,
} from "../mod.ts";
import { runOperation } from "./_harness.ts";

const special = () => new Error("This is a special error");

t.test("a throwing map fails its batch only; awaitTermination rejects, naming the operation and time (test_failed_func_with_reseting_failure)", async (t) => {
  const run = await runOperation([[0], [1], [2], [3]], map((i: number) => {
    if (i === 1) throw special(); // fails in the second batch
    return i;
  }));
  t.same(run.outputs, [[1000, [0]], [3000, [2]], [4000, [3]]], "the third and fourth batches still run");
  const error = run.terminationError;
  t.ok(error instanceof BatchError);
  t.equal(error?.message, "Error running job foreachRDD (output 0) at time 2000 ms: map-1 failed: This is a special error");
  t.equal((error?.cause as Error).message, "This is a special error", "the cause is what the user's function threw, one level down");
  t.equal(run.errors.length, 1, "one error in the log");
  t.match(run.errors[0] ?? "", /^ERROR test: Error running job foreachRDD \(output 0\) at time 2000 ms: map-1 failed: This is a special error/);
});

t.test("pprint's failed job reads 'Error running job pprint (output 0) at time … ms: map-2 failed: …'", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "errors-test", logLevel: "OFF" }), Seconds(1), { clock });
  const printed: string[] = [];
  pipe(
    ssc.queueStream([["ok"], ["boom"], ["fine"]]),
    map((s: string) => s.toUpperCase()),
    map((s: string) => {
      if (s === "BOOM") throw new TypeError("cannot print BOOM");
      return s;
    }),
    pprint(10, { print: (block) => printed.push(block.split("\n")[3] ?? "") }),
  );
  const terminated = ssc.awaitTermination();
  ssc.start();
  await clock.advance(Seconds(3));
  await t.rejects(terminated, {
    message: "Error running job pprint (output 0) at time 2000 ms: map-2 failed: TypeError: cannot print BOOM",
  });
  await ssc.stop();
  t.same(printed, ["OK", "FINE"]);
});

t.test("each per-record operation is named when its function throws", async (t) => {
  const boom = () => {
    throw special();
  };
  type Pair = readonly [string, number];
  const pairs: Array<Array<Pair>> = [[["a", 1], ["a", 2]]];
  const cases: Array<[string, (s: DStream<Pair>) => DStream<unknown>]> = [
    ["map-1", map(boom)],
    ["flatMap-1", flatMap(boom)],
    ["filter-1", filter(boom)],
    ["mapPartitions-1", mapPartitions(boom)],
    ["reduce-1", reduce<Pair>(boom)],
    ["reduceByKey-1", reduceByKey<number>(boom)],
    ["mapValues-1", mapValues(boom)],
    ["flatMapValues-1", flatMapValues(boom)],
    ["combineByKey-1", combineByKey(boom, boom, boom)],
  ];
  for (const [operation, op] of cases) {
    const run = await runOperation(pairs, op);
    t.equal(
      run.terminationError?.message,
      `Error running job foreachRDD (output 0) at time 1000 ms: ${operation} failed: This is a special error`,
      operation,
    );
  }
});

t.test("an error thrown while iterating a returned generator is the operation's too", async (t) => {
  const run = await runOperation([[1]], flatMap(function* (n: number) {
    yield n;
    throw special();
  }));
  t.equal(run.terminationError?.message, "Error running job foreachRDD (output 0) at time 1000 ms: flatMap-1 failed: This is a special error");
});

t.test("the failing operation is named, not the operations after it", async (t) => {
  const upstream = await runOperation([[1, 2]], (s: DStream<number>) =>
    pipe(
      s,
      map((n: number) => {
        if (n === 2) throw special();
        return n;
      }),
      filter((n: number) => n > 0),
      map((n: number) => n * 2),
    ));
  t.match(upstream.terminationError?.message ?? "", /: map-1 failed: This is a special error$/);
  const downstream = await runOperation([[1, 2]], (s: DStream<number>) =>
    pipe(
      s,
      map((n: number) => n + 1),
      filter((n: number) => {
        if (n === 3) throw special();
        return true;
      }),
    ));
  t.match(downstream.terminationError?.message ?? "", /: filter-2 failed: This is a special error$/);
});

t.test("a thrown non-Error value is shown as it is", async (t) => {
  const run = await runOperation([[1]], map((): number => {
    throw "oops";
  }));
  t.match(run.terminationError?.message ?? "", /: map-1 failed: oops$/);
});

t.test("a throwing transform function fails the batch while it is generated, naming the operation", async (t) => {
  const run = await runOperation([[1], [2], [3]], transform((rdd, time) => {
    if (time.milliseconds === 2000) throw special();
    return rdd;
  }));
  t.same(run.outputs, [[1000, [1]], [3000, [3]]]);
  t.equal(run.terminationError?.message, "Error generating jobs for time 2000 ms: transform-1 failed: This is a special error");
});

t.test("a throwing updateStateByKey function fails that batch; the state carries on from the batch before", async (t) => {
  const run = await runOperation([["a"], ["a", "bad"], ["a"]], (s: DStream<string>) =>
    pipe(
      s,
      map((w: string) => [w, 1] as const),
      updateStateByKey((values, state: Option<number>, key: string) => {
        if (key === "bad") throw special();
        return some(values.length + (isSome(state) ? state.value : 0));
      }),
    ));
  t.same(run.outputs, [[1000, [["a", 1]]], [3000, [["a", 2]]]], "batch 2's updates are not applied");
  t.equal(
    run.terminationError?.message,
    "Error running job foreachRDD (output 0) at time 2000 ms: updateStateByKey-2 failed: This is a special error",
  );
});

t.test("a throwing mapWithState function fails that batch; keys it updated before the throw are rolled back", async (t) => {
  const run = await runOperation([["a"], ["a", "b", "bad"], ["a", "b"]], (s: DStream<string>) =>
    pipe(
      s,
      map((w: string) => [w, 1] as const),
      mapWithState(StateSpec.function((key: string, _value: Option<number>, state: State<number>) => {
        if (key === "bad") throw special();
        state.update((state.exists() ? state.get() : 0) + 1);
        return [key, state.get()] as const;
      })),
    ));
  t.same(run.outputs, [[1000, [["a", 1]]], [3000, [["a", 2], ["b", 1]]]]);
  t.equal(
    run.terminationError?.message,
    "Error running job foreachRDD (output 0) at time 2000 ms: mapWithState-2 failed: This is a special error",
  );
});

t.test("a failed state batch that no output read is still reported", async (t) => {
  const log: string[] = [];
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "errors-test", logLevel: "ERROR", log: (l) => log.push(l) }), Seconds(1), { clock });
  pipe(
    ssc.queueStream([["a"], ["bad"]]),
    map((w: string) => [w, 1] as const),
    updateStateByKey((_values, state: Option<number>, key: string) => {
      if (key === "bad") throw special();
      return state;
    }),
    foreachRDD(() => {}), // reads nothing
  );
  const terminated = ssc.awaitTermination();
  ssc.start();
  await clock.advance(Seconds(2));
  await t.rejects(terminated, {
    message: "Error updating the state of updateStateByKey-2 at time 2000 ms: updateStateByKey-2 failed: This is a special error",
  });
  await ssc.stop();
  t.equal(log.length, 1);
});
