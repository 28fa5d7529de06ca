/**
 * Window operations against Spark's published vectors (WindowOperationsSuite.scala,
 * BasicOperationsSuite.scala, python/pyspark/streaming/tests/test_dstream.py), build-time
 * errors, failing user functions, and memory over a long run.
 */
import t from "tap";
import {
  count,
  countByValueAndWindow,
  countByWindow,
  type DStream,
  filter,
  foreachRDD,
  groupByKeyAndWindow,
  ManualClock,
  map,
  Milliseconds,
  pipe,
  reduceByKeyAndWindow,
  reduceByWindow,
  Seconds,
  SparkContext,
  StreamingContext,
  transform,
  window,
} from "../mod.ts";
import { type DStreamNode, nodeOf } from "../spi.ts";
import { outputsOf, runOperation, sorted } from "./_harness.ts";
import process from "node:process";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

type Pair = readonly [string, number];

const add = (a: number, b: number) => a + b;
const subtract = (a: number, b: number) => a - b;

/** A context on a manual clock, logging into an array. */
const makeContext = (batch = Seconds(1), startTime = 0, logLevel: "INFO" | "WARN" = "INFO") => {
  const log: string[] = [];
  const sc = new SparkContext({ appName: "window-test", defaultParallelism: 2, logLevel, log: (line) => log.push(line) });
  const clock = new ManualClock(startTime);
  const ssc = new StreamingContext(sc, batch, { clock });
  return { ssc, clock, log };
};

/** A full garbage collection where the runtime lets a test ask for one (Node), else undefined. */
const forceGC: (() => void) | undefined = (() => {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
})();

/** Each batch's records sorted, for keyed outputs whose order Spark leaves undefined. */
const sortedBatches = <A>(batches: ReadonlyArray<ReadonlyArray<A>>): A[][] => batches.map((b) => sorted(b));

// -------------------------------------------------------------------------------------
// WindowOperationsSuite: window
// -------------------------------------------------------------------------------------

const sixBatches = [[0], [1], [2], [3], [4], [5]];

t.test("WindowOperationsSuite 'window - basic window': window(2 s, 1 s)", async (t) => {
  const { outputs } = await runOperation(sixBatches, (s) => pipe(s, window(Seconds(2), Seconds(1))));
  t.strictSame(outputs, [[1000, [0]], [2000, [0, 1]], [3000, [1, 2]], [4000, [2, 3]], [5000, [3, 4]], [6000, [4, 5]]]);
});

t.test("WindowOperationsSuite 'window - tumbling window': window(2 s, 2 s) emits only at multiples of the slide", async (t) => {
  const { outputs } = await runOperation(sixBatches, (s) => pipe(s, window(Seconds(2), Seconds(2))));
  t.strictSame(outputs, [[2000, [0, 1]], [4000, [2, 3]], [6000, [4, 5]]]);
});

t.test("WindowOperationsSuite 'window - larger window': window(4 s, 2 s), the first window partial", async (t) => {
  const { outputs } = await runOperation(sixBatches, (s) => pipe(s, window(Seconds(4), Seconds(2))), { batches: 8 });
  t.strictSame(outputs, [[2000, [0, 1]], [4000, [0, 1, 2, 3]], [6000, [2, 3, 4, 5]], [8000, [4, 5]]]);
});

t.test("WindowOperationsSuite 'window - non-overlapping window' (2 s, 3 s): batches between two windows belong to none", async (t) => {
  const { outputs } = await runOperation(sixBatches, (s) => pipe(s, window(Seconds(2), Seconds(3))), { batches: 6 });
  t.strictSame(outputs, [[3000, [1, 2]], [6000, [4, 5]]]);
});

t.test("a slide longer than the window: counts and inverse windows cover only their own batches", async (t) => {
  const pairs = [[["a", 1]], [["a", 1], ["b", 1]], [["b", 1]], [["c", 1]], [["a", 1]], [["b", 1]]] as Array<Array<readonly [string, number]>>;
  const counted = await runOperation(sixBatches, (s) => pipe(s, countByWindow(Seconds(2), Seconds(3))), { batches: 6 });
  t.strictSame(counted.outputs, [[3000, [2]], [6000, [2]]]);
  const inverse = await runOperation(pairs, (s) => pipe(s, reduceByKeyAndWindow(add, subtract, Seconds(2), Seconds(3))), { batches: 6 });
  // Window (1 s, 3 s]: a once, b twice; window (4 s, 6 s]: a once, b once; c (batch 4 s) is in neither.
  t.strictSame(inverse.outputs.map(([time, kvs]) => [time, sorted(kvs)]), [[3000, [["a", 1], ["b", 2]]], [6000, [["a", 1], ["b", 1]]]]);
  const direct = await runOperation(pairs, (s) => pipe(s, reduceByKeyAndWindow(add, Seconds(2), Seconds(3))), { batches: 6 });
  t.strictSame(direct.outputs.map(([time, kvs]) => [time, sorted(kvs)]), [[3000, [["a", 1], ["b", 2]]], [6000, [["a", 1], ["b", 1]]]]);
});

t.test("window() without a slide uses the parent's slide; a window of a window slides with the outer one", async (t) => {
  const input = [[1], [2], [3], [4], [5], [6]];
  t.strictSame(await outputsOf(input, (s) => pipe(s, window(Seconds(3)))), [[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]);
  const { outputs } = await runOperation(input, (s) => pipe(s, window(Seconds(2), Seconds(2)), window(Seconds(4), Seconds(2))));
  t.strictSame(outputs, [[2000, [1, 2]], [4000, [1, 2, 3, 4]], [6000, [3, 4, 5, 6]]]);
});

t.test("windows are aligned to the context's zero time, not to the epoch", async (t) => {
  // The clock starts at 1.5 s: zero time 1000 ms, batches at 2000, 3000, …; a 2 s slide emits at 3000, 5000.
  const { ssc, clock } = makeContext(Seconds(1), 1500);
  const seen: Array<readonly [number, number[]]> = [];
  pipe(
    ssc.queueStream([[1], [2], [3], [4]]),
    window(Seconds(2), Seconds(2)),
    foreachRDD((rdd, time) => void seen.push([time.milliseconds, rdd.collect()])),
  );
  ssc.start();
  await clock.advance(Seconds(4));
  await ssc.stop();
  t.strictSame(seen, [[3000, [1, 2]], [5000, [3, 4]]]);
});

// -------------------------------------------------------------------------------------
// WindowOperationsSuite: reduceByKeyAndWindow, with and without an inverse
// -------------------------------------------------------------------------------------

const largerSlideInput: Pair[][] = [[["a", 1]], [["a", 2]], [["a", 3]], [["a", 4]], [["a", 5]], [["a", 6]], [], []];
const largerSlideReduceOutput: Pair[][] = [[["a", 3]], [["a", 10]], [["a", 18]], [["a", 11]]];

const bigInput: Pair[][] = [
  [["a", 1]],
  [["a", 1], ["b", 1]],
  [["a", 1], ["b", 1], ["c", 1]],
  [["a", 1], ["b", 1]],
  [["a", 1]],
  [],
  [["a", 1]],
  [["a", 1], ["b", 1]],
  [["a", 1], ["b", 1], ["c", 1]],
  [["a", 1], ["b", 1]],
  [["a", 1]],
  [],
];
const bigReduceOutput: Pair[][] = [
  [["a", 1]],
  [["a", 2], ["b", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 1]],
  [["a", 1]],
  [["a", 1]],
  [["a", 2], ["b", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 1]],
  [["a", 1]],
];
const bigReduceInvOutput: Pair[][] = [
  [["a", 1]],
  [["a", 2], ["b", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 1], ["c", 0]],
  [["a", 1], ["b", 0], ["c", 0]],
  [["a", 1], ["b", 0], ["c", 0]],
  [["a", 2], ["b", 1], ["c", 0]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 2], ["c", 1]],
  [["a", 2], ["b", 1], ["c", 0]],
  [["a", 1], ["b", 0], ["c", 0]],
];

interface ReduceCase {
  readonly name: string;
  readonly input: Pair[][];
  readonly naive: Pair[][];
  readonly inverse: Pair[][];
  readonly window?: number;
  readonly slide?: number;
}

const reduceCases: ReadonlyArray<ReduceCase> = [
  { name: "basic reduction", input: [[["a", 1], ["a", 3]]], naive: [[["a", 4]]], inverse: [[["a", 4]]] },
  {
    name: "key already in window and new value added into window",
    input: [[["a", 1]], [["a", 1]]],
    naive: [[["a", 1]], [["a", 2]]],
    inverse: [[["a", 1]], [["a", 2]]],
  },
  {
    name: "new key added into window",
    input: [[["a", 1]], [["a", 1], ["b", 1]]],
    naive: [[["a", 1]], [["a", 2], ["b", 1]]],
    inverse: [[["a", 1]], [["a", 2], ["b", 1]]],
  },
  {
    name: "key removed from window",
    input: [[["a", 1]], [["a", 1]], [], []],
    naive: [[["a", 1]], [["a", 2]], [["a", 1]], []],
    inverse: [[["a", 1]], [["a", 2]], [["a", 1]], [["a", 0]]],
  },
  {
    name: "larger slide time",
    input: largerSlideInput,
    naive: largerSlideReduceOutput,
    inverse: largerSlideReduceOutput,
    window: 4,
    slide: 2,
  },
  { name: "big test", input: bigInput, naive: bigReduceOutput, inverse: bigReduceInvOutput },
];

for (const c of reduceCases) {
  const w = Seconds(c.window ?? 2);
  const s = Seconds(c.slide ?? 1);
  const batches = c.naive.length * (c.slide ?? 1);
  t.test(`WindowOperationsSuite 'reduceByKeyAndWindow - ${c.name}'`, async (t) => {
    const out = await outputsOf(c.input, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, w, s)), { batches });
    t.strictSame(sortedBatches(out), sortedBatches(c.naive));
  });
  t.test(`WindowOperationsSuite 'reduceByKeyAndWindow with inverse function - ${c.name}'`, async (t) => {
    const out = await outputsOf(c.input, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, subtract, w, s)), { batches });
    t.strictSame(sortedBatches(out), sortedBatches(c.inverse));
  });
}

t.test("WindowOperationsSuite 'reduceByKeyAndWindow with inverse and filter functions - big test'", async (t) => {
  const out = await outputsOf(
    bigInput,
    (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(add, subtract, Seconds(2), Seconds(1), undefined, ([, n]) => n !== 0)),
  );
  t.strictSame(sortedBatches(out), sortedBatches(bigReduceOutput));
});

t.test("reduceByKeyAndWindow takes tuple keys, compared by value, and numPartitions", async (t) => {
  type TupleKeyed = readonly [readonly [string, number], number];
  const input: TupleKeyed[][] = [[[["a", 1], 1], [["a", 1], 2]], [[["a", 1], 3], [["b", 2], 1]], []];
  const run = async (inverse: boolean) => {
    const { outputs } = await runOperation(input, (d: DStream<TupleKeyed>) =>
      pipe(
        d,
        inverse ? reduceByKeyAndWindow(add, subtract, Seconds(2), Seconds(1), 3) : reduceByKeyAndWindow(add, Seconds(2), Seconds(1), 3),
        foreachPartitionCount,
      ));
    return outputs.map(([, records]) => records);
  };
  const expectedNaive = [[[3, [["a", 1], 3]]], [[3, [["a", 1], 6]], [3, [["b", 2], 1]]], [[3, [["a", 1], 3]], [3, [["b", 2], 1]]]];
  t.strictSame((await run(false)).map((b) => sorted(b)), expectedNaive.map((b) => sorted(b)));
  t.strictSame((await run(true)).map((b) => sorted(b)), expectedNaive.map((b) => sorted(b)));
});

/** Tags each record with its RDD's partition count, to check numPartitions. */
const foreachPartitionCount = <A>(d: DStream<A>): DStream<readonly [number, A]> =>
  pipe(d, transform((rdd) => rdd.map((a): readonly [number, A] => [rdd.numPartitions, a])));

// -------------------------------------------------------------------------------------
// WindowOperationsSuite: groupByKeyAndWindow, countByWindow, countByValueAndWindow
// -------------------------------------------------------------------------------------

t.test("WindowOperationsSuite 'groupByKeyAndWindow' (big test)", async (t) => {
  const expected: Array<Array<readonly [string, number[]]>> = [
    [["a", [1]]],
    [["a", [1, 1]], ["b", [1]]],
    [["a", [1, 1]], ["b", [1, 1]], ["c", [1]]],
    [["a", [1, 1]], ["b", [1, 1]], ["c", [1]]],
    [["a", [1, 1]], ["b", [1]]],
    [["a", [1]]],
    [["a", [1]]],
    [["a", [1, 1]], ["b", [1]]],
    [["a", [1, 1]], ["b", [1, 1]], ["c", [1]]],
    [["a", [1, 1]], ["b", [1, 1]], ["c", [1]]],
    [["a", [1, 1]], ["b", [1]]],
    [["a", [1]]],
  ];
  const out = await outputsOf(bigInput, (d: DStream<Pair>) => pipe(d, groupByKeyAndWindow(Seconds(2), Seconds(1))));
  t.strictSame(sortedBatches(out.map((b) => b.map(([k, vs]) => [k, [...vs]] as const))), sortedBatches(expected));
});

t.test("WindowOperationsSuite 'countByWindow': 0 once the data left the window", async (t) => {
  const out = await outputsOf([[1], [1], [1, 2], [0], [], []], (d) => pipe(d, countByWindow(Seconds(2), Seconds(1))));
  t.strictSame(out, [[1], [2], [3], [3], [1], [0]]);
});

t.test("countByWindow gives an empty batch (no record) before any data, as Spark does", async (t) => {
  const { outputs } = await runOperation([[], [], ["x"]], (d) => pipe(d, countByWindow(Seconds(2), Seconds(1))));
  t.strictSame(outputs, [[1000, []], [2000, []], [3000, [1]]]);
});

t.test("WindowOperationsSuite 'countByValueAndWindow'", async (t) => {
  const out = await outputsOf([["a"], ["b", "b"], ["a", "b"]], (d) => pipe(d, countByValueAndWindow(Seconds(2), Seconds(1))));
  t.strictSame(sortedBatches(out), [[["a", 1]], [["a", 1], ["b", 2]], [["a", 1], ["b", 3]]]);
});

// -------------------------------------------------------------------------------------
// reduceByWindow (built like Spark's: reduce.window.reduce, or the inverse form on one key)
// -------------------------------------------------------------------------------------

t.test("reduceByWindow, without and with an inverse", async (t) => {
  const input = [[1, 2], [3], [], [], [4]];
  t.strictSame(await outputsOf(input, (d: DStream<number>) => pipe(d, reduceByWindow(add, Seconds(2), Seconds(1)))), [
    [3],
    [6],
    [3],
    [],
    [4],
  ]);
  t.strictSame(await outputsOf(input, (d: DStream<number>) => pipe(d, reduceByWindow(add, subtract, Seconds(2), Seconds(1)))), [
    [3],
    [6],
    [3],
    [0],
    [4],
  ]);
  t.strictSame(
    await outputsOf(input, (d: DStream<number>) => pipe(d, reduceByWindow(Math.max, Seconds(4), Seconds(2))), { batches: 6 }),
    [[3], [3], [4]],
  );
});

// -------------------------------------------------------------------------------------
// test_dstream.py WindowFunctionTests (batch 0.5 s)
// -------------------------------------------------------------------------------------

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const halfSecond = { batch: Milliseconds(500) };

t.test("test_dstream.py test_window: window(1.5, .5).count()", async (t) => {
  const input = [range(1), range(2), range(3), range(4), range(5)];
  const out = await outputsOf(input, (d) => pipe(d, window(Milliseconds(1500), Milliseconds(500)), count()), { ...halfSecond, batches: 7 });
  t.strictSame(out, [[1], [3], [6], [9], [12], [9], [5]]);
});

t.test("test_dstream.py test_count_by_window: countByWindow(1.5, .5)", async (t) => {
  const input = [range(1), range(2), range(3), range(4), range(5)];
  const out = await outputsOf(input, (d) => pipe(d, countByWindow(Milliseconds(1500), Milliseconds(500))), { ...halfSecond, batches: 7 });
  t.strictSame(out, [[1], [3], [6], [9], [12], [9], [5]]);
});

t.test("test_dstream.py test_count_by_window_large: countByWindow(2.5, .5)", async (t) => {
  const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
  const out = await outputsOf(input, (d) => pipe(d, countByWindow(Milliseconds(2500), Milliseconds(500))), { ...halfSecond, batches: 10 });
  t.strictSame(out, [[1], [3], [6], [10], [15], [20], [18], [15], [11], [6]]);
});

t.test("test_dstream.py test_count_by_value_and_window: countByValueAndWindow(2.5, .5)", async (t) => {
  const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
  const out = await outputsOf(input, (d) => pipe(d, countByValueAndWindow(Milliseconds(2500), Milliseconds(500))), {
    ...halfSecond,
    batches: 10,
  });
  t.strictSame(sortedBatches(out), [
    [[0, 1]],
    [[0, 2], [1, 1]],
    [[0, 3], [1, 2], [2, 1]],
    [[0, 4], [1, 3], [2, 2], [3, 1]],
    [[0, 5], [1, 4], [2, 3], [3, 2], [4, 1]],
    [[0, 5], [1, 5], [2, 4], [3, 3], [4, 2], [5, 1]],
    [[0, 4], [1, 4], [2, 4], [3, 3], [4, 2], [5, 1]],
    [[0, 3], [1, 3], [2, 3], [3, 3], [4, 2], [5, 1]],
    [[0, 2], [1, 2], [2, 2], [3, 2], [4, 2], [5, 1]],
    [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1]],
  ]);
});

t.test("test_dstream.py test_group_by_key_and_window: values in arrival order", async (t) => {
  const input = range(5).map((i) => [["a", i] as const]);
  const out = await outputsOf(input, (d) => pipe(d, groupByKeyAndWindow(Milliseconds(1500), Milliseconds(500))), {
    ...halfSecond,
    batches: 7,
  });
  t.strictSame(out.map((b) => b.map(([k, vs]) => [k, [...vs]])), [
    [["a", [0]]],
    [["a", [0, 1]]],
    [["a", [0, 1, 2]]],
    [["a", [1, 2, 3]]],
    [["a", [2, 3, 4]]],
    [["a", [3, 4]]],
    [["a", [4]]],
  ]);
});

t.test("test_dstream.py test_reduce_by_key_and_window_with_none_invFunc: the form without inverse", async (t) => {
  const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
  const out = await outputsOf(
    input,
    (d) =>
      pipe(
        d,
        map((x: number) => [x, 1] as const),
        reduceByKeyAndWindow(add, Seconds(5), Seconds(1)),
        filter(([, n]) => n > 0),
        count(),
      ),
    { ...halfSecond, batches: 12 },
  );
  t.strictSame(out, [[2], [4], [6], [6], [6], [6]]);
});

t.test("test_dstream.py test_reduce_by_invalid_window: windows not on the batch interval are refused at build time", async (t) => {
  const { ssc } = makeContext(Milliseconds(500));
  const d1 = pipe(ssc.queueStream([range(3), range(5), range(1), range(6)]), map((x: number) => [x, 1] as const));
  t.throws(
    () => pipe(d1, reduceByKeyAndWindow(add, subtract, Milliseconds(100), Milliseconds(100))),
    { message: "reduceByKeyAndWindow's windowDuration (100 ms) must be a multiple of the parent stream's slide duration (500 ms): use e.g. Milliseconds(500)" },
  );
  t.throws(
    () => pipe(d1, reduceByKeyAndWindow(add, subtract, Seconds(1), Milliseconds(100))),
    { message: "reduceByKeyAndWindow's slideDuration (100 ms) must be a multiple of the parent stream's slide duration (500 ms): use e.g. Milliseconds(500)" },
  );
  await ssc.stop();
});

// -------------------------------------------------------------------------------------
// build-time errors
// -------------------------------------------------------------------------------------

t.test("bad windows are errors when the pipeline is built, naming both durations and a fix", async (t) => {
  const { ssc } = makeContext();
  const words = ssc.queueStream<string>([]);
  const pairs = pipe(words, map((w: string) => [w, 1] as const));
  t.throws(() => pipe(words, window(Milliseconds(1500))), {
    name: "RangeError",
    message: "window's windowDuration (1500 ms) must be a multiple of the parent stream's slide duration (1000 ms): use e.g. Seconds(2)",
  });
  t.throws(() => pipe(words, window(Seconds(4), Milliseconds(2500))), {
    message: "window's slideDuration (2500 ms) must be a multiple of the parent stream's slide duration (1000 ms): use e.g. Seconds(3)",
  });
  t.throws(() => pipe(pairs, groupByKeyAndWindow(Milliseconds(0))), {
    message: "groupByKeyAndWindow's windowDuration must be positive, got 0 ms: use e.g. Seconds(10)",
  });
  t.throws(() => pipe(words, countByValueAndWindow(2 as never)), {
    name: "TypeError",
    message: /countByValueAndWindow's windowDuration must be a Duration such as Seconds\(10\), got number 2: write Seconds\(2\)/,
  });
  t.throws(() => pipe(pairs, reduceByKeyAndWindow(add, subtract, Seconds(2), Seconds(1), 0)), /numPartitions must be a positive whole number, got 0/);
  t.throws(() => pipe(pairs, reduceByKeyAndWindow(add, "-" as never, Seconds(2))), /windowDuration must be a Duration/);
  // A window of a window: multiples of the parent window's slide (2 s), not of the batch.
  const tumbling = pipe(words, window(Seconds(2), Seconds(2)));
  t.throws(() => pipe(tumbling, window(Seconds(3), Seconds(2))), {
    message: "window's windowDuration (3000 ms) must be a multiple of the parent stream's slide duration (2000 ms): use e.g. Seconds(4)",
  });
  t.equal(ssc.getState(), "INITIALIZED", "all refused before start");
  await ssc.stop();
});

// -------------------------------------------------------------------------------------
// failing user functions
// -------------------------------------------------------------------------------------

t.test("a throwing reduceFunc fails its batches with an error naming the operation and time; later batches run", async (t) => {
  const input: Pair[][] = [[["a", 1]], [["a", 1], ["a", 99]], [["a", 1]], [["a", 1]], [["a", 1]]];
  const boom = (a: number, b: number) => {
    if (b === 99) throw new Error("boom");
    return a + b;
  };
  const naive = await runOperation(input, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(boom, Seconds(2), Seconds(1))));
  t.strictSame(naive.outputs.map(([time, records]) => [time, records]), [[1000, [["a", 1]]], [4000, [["a", 2]]], [5000, [["a", 2]]]]);
  t.match(naive.terminationError?.message ?? "", /at time (2000|3000) ms: reduceByKeyAndWindow.*-\d+ failed: boom/);

  const inverse = await runOperation(input, (d: DStream<Pair>) => pipe(d, reduceByKeyAndWindow(boom, subtract, Seconds(2), Seconds(1))));
  t.strictSame(inverse.outputs, [[1000, [["a", 1]]], [4000, [["a", 2]]], [5000, [["a", 2]]]], "the window is rebuilt once the bad batch left it");
  t.match(inverse.errors.join("\n"), /Error generating jobs for time 2000 ms: reduceByKeyAndWindow.*-\d+ failed: boom/);
  t.match(inverse.errors.join("\n"), /Error generating jobs for time 3000 ms/);
});

t.test("a throwing filterFunc is named too", async (t) => {
  const { terminationError } = await runOperation([[["a", 1]] as Pair[]], (d: DStream<Pair>) =>
    pipe(
      d,
      reduceByKeyAndWindow(add, subtract, Seconds(1), undefined, undefined, () => {
        throw new TypeError("no filter today");
      }),
    ));
  t.match(terminationError?.message ?? "", /time 1000 ms: reduceByKeyAndWindow-\d+ failed: TypeError: no filter today/);
});

// -------------------------------------------------------------------------------------
// remembering and forgetting
// -------------------------------------------------------------------------------------

t.test("BasicOperationsSuite 'rdd cleanup - map and window': remember durations and what each node keeps", async (t) => {
  const { ssc, clock } = makeContext();
  ssc.remember(Seconds(3));
  const input = Array.from({ length: 10 }, (_, x) => [x, x + 1]);
  const mapped = pipe(ssc.queueStream(input), map((x: number) => [x % 10, 1] as const));
  const window1 = pipe(mapped, window(Seconds(2), Seconds(1)));
  const window2 = pipe(window1, window(Seconds(4), Seconds(2)));
  let outputs = 0;
  pipe(window2, foreachRDD(() => void outputs++));
  ssc.start();
  await clock.advance(Seconds(10));
  t.equal(outputs, 5);
  t.equal(nodeOf(window2, "test").rememberDuration?.milliseconds, 3000);
  t.equal(nodeOf(window1, "test").rememberDuration?.milliseconds, 7000);
  t.equal(nodeOf(mapped, "test").rememberDuration?.milliseconds, 9000);
  const times = (d: DStream<unknown>) => nodeOf(d, "test").rememberedRDDs().map(([time]) => time.milliseconds);
  t.strictSame(times(window2), [8000, 10000], "window2 remembers 10, 8");
  t.strictSame(times(window1), [4000, 5000, 6000, 7000, 8000, 9000, 10000], "window1 remembers 10 … 4");
  t.strictSame(times(mapped), [2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000], "the mapped stream remembers 10 … 2");
  await ssc.stop();
});

t.test("memory stays flat: 10,000 batches of reduceByKeyAndWindow with an inverse keep a bounded number of RDDs", async (t) => {
  // WARN: the INFO log would keep a line per batch without output in the test's array.
  const { ssc, clock } = makeContext(Milliseconds(100), 0, "WARN");
  const input = ssc.queueStream<string>([]);
  const pairs = pipe(input, map((w: string) => [w, 1] as const));
  const counts = pipe(pairs, reduceByKeyAndWindow(add, subtract, Seconds(3), Milliseconds(500), undefined, ([, n]) => n !== 0));
  const totals = pipe(counts, map(([, n]) => n), reduceByWindow(add, Milliseconds(500), Milliseconds(500)));
  let last: number[] = [];
  pipe(totals, foreachRDD((rdd) => void (last = rdd.collect())));
  // Every node between the input and the output, from the output up.
  const nodes: DStreamNode<unknown>[] = [];
  const visit = (d: DStreamNode<unknown>) => {
    if (nodes.includes(d)) return;
    nodes.push(d);
    d.parents.forEach(visit);
  };
  visit(nodeOf(totals as DStream<unknown>, "test"));
  ssc.start();
  const heapMB = () => {
    forceGC?.();
    return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
  };
  const words = ["a", "b", "c", "d", "e", "f", "g", "h"];
  let maxRemembered = 0;
  let maxRawRemembered = 0;
  let heapAtStart = 0;
  for (let i = 1; i <= 10_000; i++) {
    input.enqueue(Array.from({ length: 20 }, (_, j) => words[(i + j) % words.length]!));
    await clock.advance(Milliseconds(100));
    if (i === 1000) heapAtStart = heapMB();
    if (i > 100) {
      for (const node of nodes) maxRemembered = Math.max(maxRemembered, node.rememberedRDDs().length);
      for (const node of [input, pairs]) maxRawRemembered = Math.max(maxRawRemembered, nodeOf(node as DStream<unknown>, "test").rememberedRDDs().length);
    }
  }
  const heapAtEnd = heapMB();
  await ssc.stop();
  // 20 words a batch, 30 batches in the 3 s window: 600.
  t.strictSame(last, [600], "the pipeline still computes the right totals at the end");
  // The longest memory: the per-batch counts under the 3 s window, kept for the window plus
  // what the window node remembers (500 ms): 35 batches of 100 ms.
  t.ok(
    maxRemembered <= 35,
    `every node remembers at most 35 RDDs (max seen ${maxRemembered}); heap${forceGC === undefined ? "" : " after GC"}: ${heapAtStart} MB after 1,000 batches, ${heapAtEnd} MB after 10,000`,
  );
  // The streams of raw records are not read again once counted: they keep 500 ms, not the window.
  t.ok(maxRawRemembered <= 5, `the input and the pairs remember at most 5 RDDs (max seen ${maxRawRemembered})`);
});
