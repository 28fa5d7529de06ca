/**
 * Stateful operations against Spark's published vectors (BasicOperationsSuite.scala,
 * MapWithStateSuite.scala): updateStateByKey, mapWithState, State's rules, timeouts,
 * stateSnapshots, and that RDDs handed out for earlier batches never change.
 */
import t from "tap";
import {
  type DStream,
  foreachRDD,
  isSome,
  ManualClock,
  map,
  mapValues,
  mapWithState,
  none,
  type Option,
  pipe,
  RDD,
  Seconds,
  some,
  SparkContext,
  type State,
  StateSpec,
  stateSnapshots,
  StreamingContext,
  type Time,
  updateStateByKey,
} from "../mod.ts";
import { outputsOf, runOperation, sorted } from "./_harness.ts";

const ones = (s: DStream<string>) => pipe(s, map((x: string) => [x, 1] as const));
const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0);
const orZero = (o: Option<number>) => (isSome(o) ? o.value : 0);

/** A context on a manual clock with its log; `run(n)` advances n batches. */
const makeContext = (parallelism = 2) => {
  const log: string[] = [];
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "state-test", defaultParallelism: parallelism, logLevel: "ERROR", log: (l) => log.push(l) });
  const ssc = new StreamingContext(sc, Seconds(1), { clock });
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) await clock.advance(Seconds(1));
  };
  return { ssc, clock, log, run };
};

// -------------------------------------------------------------------------------------
// updateStateByKey
// -------------------------------------------------------------------------------------

const countInput = [["a"], ["a", "b"], ["a", "b", "c"], ["a", "b"], ["a"], []];

t.test("updateStateByKey sums counts (BasicOperationsSuite 'updateStateByKey')", async (t) => {
  const out = await outputsOf(countInput, (s) =>
    pipe(ones(s), updateStateByKey((values, state: Option<number>) => some(sum(values) + orZero(state)))));
  t.same(out.map(sorted), [
    [["a", 1]],
    [["a", 2], ["b", 1]],
    [["a", 3], ["b", 2], ["c", 1]],
    [["a", 4], ["b", 3], ["c", 1]],
    [["a", 5], ["b", 3], ["c", 1]],
    [["a", 5], ["b", 3], ["c", 1]],
  ]);
});

t.test("updateStateByKey merges an initial RDD at the first batch (BasicOperationsSuite 'updateStateByKey - simple with initial value RDD')", async (t) => {
  const expected = [
    [["a", 2], ["c", 2]],
    [["a", 3], ["b", 1], ["c", 2]],
    [["a", 4], ["b", 2], ["c", 3]],
    [["a", 5], ["b", 3], ["c", 3]],
    [["a", 6], ["b", 3], ["c", 3]],
    [["a", 6], ["b", 3], ["c", 3]],
  ];
  const update = (values: ReadonlyArray<number>, state: Option<number>) => some(sum(values) + orZero(state));
  const fromRDD = await outputsOf(countInput, (s) =>
    pipe(ones(s), updateStateByKey(update, { initialRDD: RDD.fromArray([["a", 1], ["c", 2]] as const, 2) })));
  t.same(fromRDD.map(sorted), expected, "initial state as an RDD");
  const fromArray = await outputsOf(countInput, (s) => pipe(ones(s), updateStateByKey(update, { initialRDD: [["a", 1], ["c", 2]] })));
  t.same(fromArray.map(sorted), expected, "initial state as an array of pairs");
});

t.test("updateStateByKey passes the key and batch time (BasicOperationsSuite 'updateStateByKey - testing time stamps as input')", async (t) => {
  const out = await outputsOf(countInput, (s) =>
    pipe(
      ones(s),
      updateStateByKey((values, state: Option<number>, _key: string, time: Time) =>
        some(values.length > 0 ? time.milliseconds + orZero(state) : orZero(state)), { initialRDD: [["a", 0], ["c", 0]] }),
    ));
  t.same(out.map(sorted), [
    [["a", 1000], ["c", 0]],
    [["a", 3000], ["b", 2000], ["c", 0]],
    [["a", 6000], ["b", 5000], ["c", 3000]],
    [["a", 10000], ["b", 9000], ["c", 3000]],
    [["a", 15000], ["b", 9000], ["c", 3000]],
    [["a", 15000], ["b", 9000], ["c", 3000]],
  ]);
});

t.test("updateStateByKey removes a key when the function returns none (BasicOperationsSuite 'updateStateByKey - object lifecycle')", async (t) => {
  // The state object counts, and is dropped when seen twice in a row without new values.
  class StateObject {
    counter = 0;
    expireCounter = 0;
  }
  const out = await outputsOf([["a", "b"], [], ["a", "c", "a"], ["c"], [], []], (s) =>
    pipe(
      ones(s),
      updateStateByKey((values, state: Option<StateObject>) => {
        const obj = isSome(state) ? state.value : new StateObject();
        const n = sum(values);
        if (n === 0) obj.expireCounter += 1;
        else {
          obj.counter += n;
          obj.expireCounter = 0;
        }
        return obj.expireCounter === 2 ? none : some(obj);
      }),
      mapValues((obj: StateObject) => obj.counter),
    ));
  t.same(out.map(sorted), [
    [["a", 1], ["b", 1]],
    [["a", 1], ["b", 1]],
    [["a", 3], ["c", 1]],
    [["a", 3], ["c", 2]],
    [["c", 2]],
    [],
  ]);
});

t.test("updateStateByKey calls the function for every key with state, new values or not", async (t) => {
  const calls: string[] = [];
  await outputsOf([["a", "b"], ["b"], []], (s) =>
    pipe(
      ones(s),
      updateStateByKey((values, state: Option<number>, key: string, time: Time) => {
        calls.push(`${time.milliseconds} ${key} [${values.join(",")}] ${isSome(state) ? state.value : "none"}`);
        return some(sum(values) + orZero(state));
      }),
    ));
  t.same(calls, [
    "1000 a [1] none",
    "1000 b [1] none",
    "2000 a [] 1",
    "2000 b [1] 1",
    "3000 a [] 1",
    "3000 b [] 2",
  ]);
});

t.test("updateStateByKey groups tuple keys by value and keeps values in arrival order", async (t) => {
  const out = await outputsOf(
    [[[["k", 1], "x"], [["k", 2], "y"]], [[["k", 1], "z"], [["k", 1], "w"]]] as Array<Array<readonly [readonly [string, number], string]>>,
    updateStateByKey((values: ReadonlyArray<string>, state: Option<string>) => some((isSome(state) ? state.value : "") + values.join(""))),
  );
  t.same(out.map(sorted), [[[["k", 1], "x"], [["k", 2], "y"]], [[["k", 1], "xzw"], [["k", 2], "y"]]]);
});

t.test("updateStateByKey spreads its state over numPartitions (default: the default parallelism)", async (t) => {
  const { ssc, run } = makeContext(3);
  const partitions: number[] = [];
  const input = ones(ssc.queueStream([["a", "b", "c", "d"]]));
  pipe(input, updateStateByKey((v, s: Option<number>) => some(sum(v) + orZero(s)), { numPartitions: 2 }), foreachRDD((rdd) => void partitions.push(rdd.numPartitions)));
  pipe(input, updateStateByKey((v, s: Option<number>) => some(sum(v) + orZero(s))), foreachRDD((rdd) => void partitions.push(rdd.numPartitions)));
  ssc.start();
  await run(1);
  await ssc.stop();
  t.same(partitions, [2, 3]);
});

t.test("updateStateByKey rejects bad arguments when the pipeline is built", async (t) => {
  t.throws(() => updateStateByKey(42 as never), /updateStateByKey needs a function \(values, state\) => Option, got number/);
  t.throws(() => updateStateByKey((v: ReadonlyArray<number>, s: Option<number>) => s, { numPartitions: 0 }), /numPartitions must be a positive whole number of partitions, got 0/);
  t.throws(
    () => updateStateByKey((v: ReadonlyArray<number>, s: Option<number>) => s, { initialRDD: "a" as never }),
    /initialRDD must be an RDD or an array of \[key, state\] pairs, got string/,
  );
});

t.test("updateStateByKey's function must return an Option: anything else fails the batch, naming the operation", async (t) => {
  const run = await runOperation([["a"]], (s) => pipe(ones(s), updateStateByKey(((values: ReadonlyArray<number>) => values.length) as never)));
  t.match(run.terminationError?.message ?? "", /updateStateByKey-2 failed: TypeError: updateStateByKey's function must return an Option/);
});

// -------------------------------------------------------------------------------------
// mapWithState
// -------------------------------------------------------------------------------------

const stateInput = [[], ["a"], ["a", "b"], ["a", "b", "c"], ["a", "b"], ["a"], []];
const stateSnapshotsExpected = [
  [],
  [["a", 1]],
  [["a", 2], ["b", 1]],
  [["a", 3], ["b", 2], ["c", 1]],
  [["a", 4], ["b", 3], ["c", 1]],
  [["a", 5], ["b", 3], ["c", 1]],
  [["a", 5], ["b", 3], ["c", 1]],
];

/** Runs `spec` over `input` (each word paired with 1); returns the mapped and snapshot batches. */
const runMapWithState = async <E>(input: ReadonlyArray<ReadonlyArray<string>>, spec: StateSpec<string, number, number, E>, batches = input.length) => {
  const { ssc, run, log } = makeContext();
  const mapped: Array<ReadonlyArray<E>> = [];
  const snapshots: Array<ReadonlyArray<readonly [string, number]>> = [];
  const stream = pipe(ones(ssc.queueStream(input)), mapWithState(spec));
  pipe(stream, foreachRDD((rdd) => void mapped.push(rdd.collect())));
  pipe(stream, stateSnapshots(), foreachRDD((rdd) => void snapshots.push(sorted(rdd.collect()))));
  ssc.start();
  await run(batches);
  await ssc.stop();
  return { mapped, snapshots, log, stream };
};

const runningCount = (key: string, value: Option<number>, state: State<number>) => {
  const total = orZero(value) + orZero(state.getOption());
  state.update(total);
  return total;
};

t.test("mapWithState keeps a running count (MapWithStateSuite 'mapWithState - basic operations with simple API')", async (t) => {
  const { mapped, snapshots } = await runMapWithState(stateInput, StateSpec.function(runningCount));
  t.same(mapped, [[], [1], [2, 1], [3, 2, 1], [4, 3], [5], []]);
  t.same(snapshots, stateSnapshotsExpected);
});

t.test("mapWithState with the batch time (MapWithStateSuite 'mapWithState - basic operations with advanced API')", async (t) => {
  const times: number[] = [];
  const { mapped, snapshots } = await runMapWithState(
    stateInput,
    StateSpec.functionWithTime((time: Time, key: string, value: Option<number>, state: State<number>) => {
      times.push(time.milliseconds);
      state.update(orZero(value) + orZero(state.getOption()));
      return some(key + key);
    }),
  );
  t.same(mapped, [[], ["aa"], ["aa", "bb"], ["aa", "bb", "cc"], ["aa", "bb"], ["aa"], []]);
  t.same(snapshots, stateSnapshotsExpected);
  t.same(times, [2000, 3000, 3000, 4000, 4000, 4000, 5000, 5000, 6000]);
});

t.test("mapWithState can return states as mapped data (MapWithStateSuite 'mapWithState - states as mapped data')", async (t) => {
  const { mapped } = await runMapWithState(
    stateInput,
    StateSpec.functionWithTime((_time: Time, key: string, value: Option<number>, state: State<number>) => {
      const total = orZero(value) + orZero(state.getOption());
      state.update(total);
      return some([key, total] as const);
    }),
  );
  t.same(mapped, [[], [["a", 1]], [["a", 2], ["b", 1]], [["a", 3], ["b", 2], ["c", 1]], [["a", 4], ["b", 3]], [["a", 5]], []]);
});

t.test("mapWithState starts from an initial state (MapWithStateSuite 'mapWithState - initial states, with nothing returned as from mapping function')", async (t) => {
  const initial = [["a", 5], ["b", 10], ["c", -20], ["d", 0]] as const;
  const spec = StateSpec.functionWithTime((_time: Time, _key: string, value: Option<number>, state: State<number>) => {
    state.update(orZero(value) + orZero(state.getOption()));
    return none;
  });
  const expected = [
    [["a", 5], ["b", 10], ["c", -20], ["d", 0]],
    [["a", 6], ["b", 10], ["c", -20], ["d", 0]],
    [["a", 7], ["b", 11], ["c", -20], ["d", 0]],
    [["a", 8], ["b", 12], ["c", -19], ["d", 0]],
    [["a", 9], ["b", 13], ["c", -19], ["d", 0]],
    [["a", 10], ["b", 13], ["c", -19], ["d", 0]],
    [["a", 10], ["b", 13], ["c", -19], ["d", 0]],
  ];
  const fromRDD = await runMapWithState(stateInput, spec.initialState(RDD.fromArray(initial, 2)));
  t.same(fromRDD.mapped, stateInput.map(() => []));
  t.same(fromRDD.snapshots, expected, "initial state as an RDD");
  const fromArray = await runMapWithState(stateInput, spec.initialState(initial));
  t.same(fromArray.snapshots, expected, "initial state as an array of pairs");
});

t.test("mapWithState removes state (MapWithStateSuite 'mapWithState - state removing')", async (t) => {
  const input = [[], ["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c"], ["a", "b"], ["a"], []];
  const { mapped, snapshots } = await runMapWithState(
    input,
    StateSpec.functionWithTime((_time: Time, key: string, value: Option<number>, state: State<number>) => {
      if (state.exists()) {
        state.remove();
        return some(key);
      }
      state.update(isSome(value) ? value.value : 0);
      return none;
    }).numPartitions(1),
  );
  t.same(mapped.map((batch) => [...batch].sort()), [[], [], ["a"], ["b"], ["a", "c"], ["b"], ["a"], []]);
  t.same(snapshots, [[], [["a", 1]], [["b", 1]], [["a", 1], ["c", 1]], [["b", 1]], [["a", 1]], [], []]);
});

t.test("mapWithState times out idle keys once each (MapWithStateSuite 'mapWithState - state timing out')", async (t) => {
  const input = [["a", "b", "c"], ["a", "b"], ["a"], [], [], ["a"], ...Array.from({ length: 20 }, () => ["a"])];
  const { mapped, snapshots } = await runMapWithState(
    input,
    StateSpec.functionWithTime((_time: Time, key: string, value: Option<number>, state: State<number>) => {
      if (isSome(value)) state.update(1);
      return state.isTimingOut() ? some(key) : none;
    }).timeout(Seconds(3)),
  );
  t.same(mapped.flat().sort(), ["b", "c"], "b and c are returned once each, when they time out");
  t.ok(snapshots.some((s) => s.length === 3), "a, b and c had state at one point");
  t.same(snapshots.at(-1), [["a", 1]], "in the end only a has state");
  // Unlike Spark (which checks timeouts only on checkpoint batches), every batch checks:
  // c (last seen at 1000 ms) is more than 3 s idle at 5000 ms; b (2000 ms) at 6000 ms.
  t.same(mapped[4], ["c"], "c times out at 5000 ms");
  t.same(mapped[5], ["b"], "b times out at 6000 ms");
});

t.test("a timing-out key is called once with no value and isTimingOut() true, then dropped", async (t) => {
  const calls: string[] = [];
  const { snapshots } = await runMapWithState(
    [["a"], [], [], [], []],
    StateSpec.function((key: string, value: Option<number>, state: State<number>) => {
      calls.push(`${key} ${isSome(value) ? value.value : "none"} timingOut=${state.isTimingOut()} state=${state}`);
      if (!state.isTimingOut()) state.update(orZero(value) + orZero(state.getOption()));
      return key;
    }).timeout(Seconds(2)),
  );
  t.same(calls, ["a 1 timingOut=false state=<state not set>", "a none timingOut=true state=1"]);
  t.same(snapshots, [[["a", 1]], [["a", 1]], [["a", 1]], [], []], "a, updated at 1000 ms, times out at 4000 ms");
});

t.test("with a timeout, a key that has state is kept alive by its records even without update()", async (t) => {
  const timedOut: number[] = [];
  await runMapWithState(
    [["a"], [], ["a"], [], [], [], []],
    StateSpec.functionWithTime((time: Time, _key: string, value: Option<number>, state: State<number>) => {
      if (state.isTimingOut()) timedOut.push(time.milliseconds);
      else if (!state.exists()) state.update(orZero(value));
      return none;
    }).timeout(Seconds(2)),
  );
  t.same(timedOut, [6000], "touched at 3000 ms, so idle for more than 2 s only at 6000 ms");
});

t.test("mapWithState calls the function once per record, each call seeing the state the last one left", async (t) => {
  const { mapped } = await runMapWithState([["k", "k", "k", "j"]], StateSpec.function(runningCount));
  t.same(mapped, [[1, 2, 3, 1]]);
});

t.test("mapWithState does not call the function for keys without records (unlike updateStateByKey)", async (t) => {
  const seen: string[] = [];
  await runMapWithState([["a", "b"], ["b"], []], StateSpec.function((key: string, value: Option<number>, state: State<number>) => {
    seen.push(key);
    return runningCount(key, value, state);
  }));
  t.same(seen, ["a", "b", "b"]);
});

t.test("State follows Spark's rules: get without state, update after remove, remove twice", async (t) => {
  const outcomes: string[] = [];
  const attempt = (what: string, f: () => unknown) => {
    try {
      f();
      outcomes.push(`${what}: ok`);
    } catch (error) {
      outcomes.push(`${what}: ${(error as Error).message}`);
    }
  };
  await runMapWithState([["a"], ["a"]], StateSpec.function((_key: string, _value: Option<number>, state: State<number>) => {
    if (!state.exists()) {
      attempt("get", () => state.get());
      outcomes.push(`getOption: ${JSON.stringify(state.getOption())}`);
      state.update(7);
      outcomes.push(`after update: exists=${state.exists()} get=${state.get()}`);
    } else {
      state.remove();
      outcomes.push(`after remove: exists=${state.exists()} ${state}`);
      attempt("update", () => state.update(1));
      attempt("remove", () => state.remove());
    }
    return 0;
  }));
  t.same(outcomes, [
    "get: State is not set: check state.exists() first, or use state.getOption()",
    `getOption: {"_tag":"None"}`,
    "after update: exists=true get=7",
    "after remove: exists=false <state not set>",
    "update: Cannot update the state after it has been removed: update() or remove() a key once per call",
    "remove: Cannot remove the state that has already been removed",
  ]);
});

t.test("a timing-out State cannot be updated or removed", async (t) => {
  const outcomes: string[] = [];
  await runMapWithState([["a"], [], [], []], StateSpec.function((_key: string, value: Option<number>, state: State<number>) => {
    if (!state.isTimingOut()) {
      state.update(orZero(value));
      return 0;
    }
    for (const [what, f] of [["update", () => state.update(2)], ["remove", () => state.remove()]] as const) {
      try {
        f();
        outcomes.push(`${what}: ok`);
      } catch (error) {
        outcomes.push(`${what}: ${(error as Error).message}`);
      }
    }
    outcomes.push(`get: ${state.get()}`);
    return 0;
  }).timeout(Seconds(1)));
  t.same(outcomes, [
    "update: Cannot update the state that is timing out: the key is removed after this call; return what you need instead",
    "remove: Cannot remove the state that is timing out: the key is removed after this call anyway",
    "get: 1",
  ]);
});

t.test("mapWithState groups tuple keys by value", async (t) => {
  const out = await outputsOf(
    [[[["k", 1], 1], [["k", 2], 1]], [[["k", 1], 1]]] as Array<Array<readonly [readonly [string, number], number]>>,
    mapWithState(StateSpec.function((key: readonly [string, number], value: Option<number>, state: State<number>) => {
      state.update(orZero(value) + orZero(state.getOption()));
      return [key, state.get()] as const;
    })),
  );
  t.same(out, [[[["k", 1], 1], [["k", 2], 1]], [[["k", 1], 2]]]);
});

t.test("StateSpec is immutable and validates its settings", async (t) => {
  const base = StateSpec.function(runningCount);
  const tuned = base.numPartitions(3).timeout(Seconds(5)).initialState([["a", 1]]);
  t.equal(base.getNumPartitions(), undefined);
  t.equal(base.getTimeout(), undefined);
  t.equal(tuned.getNumPartitions(), 3);
  t.equal(tuned.getTimeout()?.milliseconds, 5000);
  t.same(tuned.getInitialState(), [["a", 1]]);
  t.throws(() => base.numPartitions(0), /StateSpec.numPartitions must be a positive whole number of partitions, got 0/);
  t.throws(() => base.timeout(Seconds(0)), /StateSpec.timeout needs a positive Duration such as Seconds\(30\), got 0 ms/);
  t.throws(() => base.timeout(5 as never), /StateSpec.timeout needs a positive Duration/);
  t.throws(() => base.initialState(null as never), /StateSpec.initialState must be an RDD or an array of \[key, state\] pairs, got null/);
  t.throws(() => StateSpec.function("f" as never), /StateSpec.function needs a function/);
  t.throws(() => mapWithState({} as never), /mapWithState needs a StateSpec/);
});

t.test("mapWithState uses the spec's partition count for mapped and snapshot RDDs", async (t) => {
  const { ssc, run } = makeContext(2);
  const partitions: number[] = [];
  const stream = pipe(ones(ssc.queueStream([["a", "b", "c"]])), mapWithState(StateSpec.function(runningCount).numPartitions(3)));
  pipe(stream, foreachRDD((rdd) => void partitions.push(rdd.numPartitions)));
  pipe(stream.stateSnapshots(), foreachRDD((rdd) => void partitions.push(rdd.numPartitions)));
  ssc.start();
  await run(1);
  await ssc.stop();
  t.same(partitions, [3, 3]);
});

// -------------------------------------------------------------------------------------
// state over time
// -------------------------------------------------------------------------------------

t.test("RDDs handed out for earlier batches never change as the state moves on", async (t) => {
  const { ssc, run } = makeContext();
  const input = ones(ssc.queueStream([["a"], ["a", "b"], ["a"]]));
  const states: Array<RDD<readonly [string, number]>> = [];
  const snapshots: Array<RDD<readonly [string, number]>> = [];
  const mapped = pipe(input, mapWithState(StateSpec.function(runningCount)));
  pipe(input, updateStateByKey((v, s: Option<number>) => some(sum(v) + orZero(s))), foreachRDD((rdd) => void states.push(rdd)));
  pipe(mapped.stateSnapshots(), foreachRDD((rdd) => {
    snapshots.push(rdd);
    rdd.count(); // read each batch once, as an output would
  }));
  ssc.start();
  await run(3);
  await ssc.stop();
  t.same(states.map((rdd) => sorted(rdd.collect())), [[["a", 1]], [["a", 2], ["b", 1]], [["a", 3], ["b", 1]]]);
  t.same(snapshots.map((rdd) => sorted(rdd.collect())), [[["a", 1]], [["a", 2], ["b", 1]], [["a", 3], ["b", 1]]]);
});

t.test("state advances every batch, in order, even when no output reads it", async (t) => {
  const { ssc, run } = makeContext();
  const counts = pipe(ones(ssc.queueStream([["a"], ["a", "b"], ["b"]])), mapWithState(StateSpec.function(runningCount)));
  const totals = pipe(ones(ssc.queueStream([["x"], ["x"], []])), updateStateByKey((v, s: Option<number>) => some(sum(v) + orZero(s))));
  pipe(counts, foreachRDD(() => {})); // an output that reads nothing
  pipe(totals, foreachRDD(() => {}));
  ssc.start();
  await run(3);
  await ssc.stop();
  t.same(counts.stateData(), { time: 3000, entries: [["a", 2, 2000], ["b", 2, 3000]] });
  t.same(totals.stateData(), { time: 3000, entries: [["x", 2, 3000]] });
});

t.test("reading a later batch first still applies the earlier batches' state in order", async (t) => {
  const { ssc, clock } = makeContext();
  const rdds: Array<RDD<number>> = [];
  const counts = pipe(ones(ssc.queueStream([["a"], ["a"], ["a"]])), mapWithState(StateSpec.function(runningCount)));
  pipe(counts, foreachRDD((rdd) => void rdds.push(rdd)));
  ssc.start();
  await clock.advance(Seconds(3)); // three batches, none of which read its RDD
  await ssc.stop();
  t.same(rdds.map((rdd) => rdd.collect()), [[1], [2], [3]]);
});

t.test("stateSnapshots() is also a data-last operation", async (t) => {
  const out = await outputsOf([["a"], ["b"]], (s) => pipe(ones(s), mapWithState(StateSpec.function(runningCount)), stateSnapshots()));
  t.same(out.map(sorted), [[["a", 1]], [["a", 1], ["b", 1]]]);
});
