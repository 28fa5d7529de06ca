/**
 * Operations on several streams (union, unionAll, transformWith) and slice, against
 * Spark's BasicOperationsSuite vectors, a reference model, and the build-time errors
 * for streams that cannot be combined.
 */
import t from "tap";
import fc from "fast-check";
import {
  type DStream,
  foreachRDD,
  ManualClock,
  map,
  Milliseconds,
  pipe,
  RDD,
  Seconds,
  slice,
  SparkContext,
  StreamingContext,
  Time,
  transformWith,
  union,
  unionAll,
  window,
} from "../mod.ts";
import { outputsOf, sorted } from "./_harness.ts";

const makeContext = (batch = Seconds(1)) => {
  const log: string[] = [];
  const sc = new SparkContext({ appName: "multi-test", defaultParallelism: 2, logLevel: "INFO", log: (line) => log.push(line) });
  const clock = new ManualClock();
  return { ssc: new StreamingContext(sc, batch, { clock }), clock, log };
};

/** Runs a two-input pipeline for `batches` batches; returns each batch's time and records, and the first error. */
const runTwo = async <A, B, C>(
  input1: ReadonlyArray<ReadonlyArray<A>>,
  input2: ReadonlyArray<ReadonlyArray<B>>,
  operation: (a: DStream<A>, b: DStream<B>) => DStream<C>,
  batches = Math.max(input1.length, input2.length),
) => {
  const { ssc, clock, log } = makeContext();
  const outputs: Array<readonly [number, C[]]> = [];
  pipe(
    operation(ssc.queueStream(input1), ssc.queueStream(input2)),
    foreachRDD((rdd, time) => void outputs.push([time.milliseconds, rdd.collect()])),
  );
  ssc.start();
  let error: Error | undefined;
  const watching = ssc.awaitTermination().catch((e: Error) => void (error = e));
  for (let i = 0; i < batches; i++) await clock.advance(Seconds(1));
  await ssc.stop();
  await watching;
  return { outputs, error, log };
};

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// -------------------------------------------------------------------------------------
// union
// -------------------------------------------------------------------------------------

t.test("BasicOperationsSuite 'union': s.union(s.map(_ + 4))", async (t) => {
  const input = [range(1, 4), range(101, 104), range(201, 204)];
  const out = await outputsOf(input, (s: DStream<number>) => pipe(s, union(pipe(s, map((x: number) => x + 4)))));
  t.strictSame(out, [range(1, 8), range(101, 108), range(201, 208)]);
});

t.test("BasicOperationsSuite 'StreamingContext.union': unionAll over 3 streams", async (t) => {
  const input = [range(1, 4), range(101, 104), range(201, 204)];
  const out = await outputsOf(input, (s: DStream<number>) =>
    unionAll([s, pipe(s, map((x: number) => x + 4)), pipe(s, map((x: number) => x + 8))]));
  t.strictSame(out, [range(1, 12), range(101, 112), range(201, 212)]);
});

t.test("union of two inputs, of different record types, and of one stream", async (t) => {
  const { outputs } = await runTwo<number, string, number | string>([[1, 2], [], [3]], [["a"], ["b"], []], (a, b) => pipe(a, union(b)));
  t.strictSame(outputs, [[1000, [1, 2, "a"]], [2000, ["b"]], [3000, [3]]]);
  const alone = await outputsOf([[1], [2]], (s: DStream<number>) => unionAll([s]));
  t.strictSame(alone, [[1], [2]]);
});

t.test("union and unionAll refuse, when the pipeline is built, streams that cannot be combined", async (t) => {
  const one = makeContext();
  const two = makeContext();
  const a = one.ssc.queueStream<number>([]);
  const b = two.ssc.queueStream<number>([]);
  t.throws(() => pipe(a, union(b)), {
    message: /^union needs streams of one StreamingContext, but queueStream-0 and queueStream-0 belong to two different contexts: create every stream of a pipeline from one context$/,
  });
  const windowed = pipe(one.ssc.queueStream<number>([]), window(Seconds(2), Seconds(2)));
  t.throws(() => unionAll([a, windowed]), {
    message: /^unionAll needs streams with the same slide duration, but queueStream-0 slides every 1000 ms and window-\d+ every 2000 ms: give them one slide first/,
  });
  t.throws(() => unionAll([]), { name: "RangeError", message: /unionAll needs at least one stream, got none/ });
  t.throws(() => unionAll([a, "b" as never]), { name: "TypeError", message: "unionAll's stream 1 must be a DStream, got \"b\"" });
  t.throws(() => unionAll(a as never), /unionAll takes an array of DStreams/);
  t.equal(one.ssc.getState(), "INITIALIZED");
  await one.ssc.stop();
  await two.ssc.stop();
});

// -------------------------------------------------------------------------------------
// transformWith
// -------------------------------------------------------------------------------------

t.test("BasicOperationsSuite 'transformWith': join each batch with the other stream's", async (t) => {
  const input1 = [["a", "b"], ["a", ""], [""], []];
  const input2 = [["a", "b"], ["b", ""], [], [""]];
  const { outputs } = await runTwo(input1, input2, (s1, s2) =>
    pipe(
      pipe(s1, map((x: string) => [x, 1] as const)),
      transformWith(
        pipe(s2, map((x: string) => [x, "x"] as const)),
        (rdd1: RDD<readonly [string, 1]>, rdd2: RDD<readonly [string, "x"]>) => rdd1.join(rdd2),
      ),
    ));
  t.strictSame(outputs.map(([, records]) => sorted(records)), [
    [["a", [1, "x"]], ["b", [1, "x"]]],
    [["", [1, "x"]]],
    [],
    [],
  ]);
});

t.test("transformWith's function gets the batch time; a throw or a null fails that batch only, naming the operation", async (t) => {
  const { outputs, error, log } = await runTwo([[1], [2], [3]], [[10], [20], [30]], (a, b) =>
    pipe(
      a,
      transformWith(b, (ra: RDD<number>, rb: RDD<number>, time: Time) => {
        if (time.milliseconds === 2000) throw new Error("bad batch");
        return RDD.union([ra, rb]).map((x) => `${time.milliseconds}:${x}`);
      }),
    ));
  t.strictSame(outputs, [[1000, ["1000:1", "1000:10"]], [3000, ["3000:3", "3000:30"]]]);
  t.match(error?.message ?? "", /^Error generating jobs for time 2000 ms: transformWith-\d+ failed: bad batch$/);
  t.ok(log.some((line) => line.startsWith("ERROR")));

  const nulls = await runTwo([[1]], [[2]], (a, b) => pipe(a, transformWith(b, () => null as unknown as RDD<number>)));
  t.strictSame(nulls.outputs, []);
  t.match(nulls.error?.message ?? "", /transformWith's function returned null at time 1000 ms: return an RDD \(RDD.empty\(\) for no records\)/);
});

t.test("transformWith refuses streams of two contexts or two slides at build time", async (t) => {
  const one = makeContext();
  const two = makeContext();
  const a = one.ssc.queueStream<number>([]);
  const f = (x: RDD<number>) => x;
  t.throws(() => pipe(a, transformWith(two.ssc.queueStream<number>([]), f)), /transformWith needs streams of one StreamingContext/);
  t.throws(
    () => pipe(a, transformWith(pipe(one.ssc.queueStream<number>([]), window(Seconds(3), Seconds(3))), f)),
    /transformWith needs streams with the same slide duration, but queueStream-0 slides every 1000 ms and window-\d+ every 3000 ms/,
  );
  t.throws(() => pipe(a, transformWith(a, "f" as never)), { name: "TypeError", message: /transformWith needs a function/ });
  await one.ssc.stop();
  await two.ssc.stop();
});

// -------------------------------------------------------------------------------------
// a reference model for union and transformWith
// -------------------------------------------------------------------------------------

type Key = string | readonly [string, number];

/** Throws with both sides when they differ, so fast-check reports (and shrinks) the counterexample. */
const same = (actual: unknown, expected: unknown): boolean => {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`dstreams: ${a}\nmodel:    ${b}`);
  return true;
};

t.test("union and transformWith(join) match a model over plain arrays of batches", async (t) => {
  const key: fc.Arbitrary<Key> = fc.oneof(
    fc.constantFrom("a", "b"),
    fc.tuple(fc.constantFrom("a"), fc.integer({ min: 0, max: 1 })).map(([s, n]): Key => [s, n]),
  );
  const batches = fc.array(fc.array(key, { maxLength: 4 }), { maxLength: 6 });
  const at = <A>(input: ReadonlyArray<ReadonlyArray<A>>, i: number): ReadonlyArray<A> => input[i] ?? [];
  const property = fc.asyncProperty(batches, batches, async (in1, in2) => {
    const n = Math.max(in1.length, in2.length);
    const unioned = await runTwo(in1, in2, (a, b) => pipe(a, union(b)), n);
    same(unioned.outputs, Array.from({ length: n }, (_, i) => [(i + 1) * 1000, [...at(in1, i), ...at(in2, i)]]));
    const joined = await runTwo(in1, in2, (a, b) =>
      pipe(
        pipe(a, map((k: Key) => [k, 1] as const)),
        transformWith(
          pipe(b, map((k: Key) => [k, 2] as const)),
          (x: RDD<readonly [Key, 1]>, y: RDD<readonly [Key, 2]>) => x.join(y),
        ),
      ), n);
    const expectedJoin = Array.from({ length: n }, (_, i) => {
      const out: unknown[] = [];
      for (const k1 of at(in1, i)) for (const k2 of at(in2, i)) if (JSON.stringify(k1) === JSON.stringify(k2)) out.push([k1, [1, 2]]);
      return [(i + 1) * 1000, sorted(out)];
    });
    return same(joined.outputs.map(([time, records]) => [time, sorted(records)]), expectedJoin);
  });
  await t.resolves(fc.assert(property, { numRuns: 40 }), "40 random pairs of batch sequences agree with the model");
});

// -------------------------------------------------------------------------------------
// slice
// -------------------------------------------------------------------------------------

t.test("BasicOperationsSuite 'slice': the remembered RDDs between two times, both included", async (t) => {
  const { ssc, clock } = makeContext();
  ssc.remember(Seconds(10));
  const stream = ssc.queueStream([[1], [2], [3], [4]]);
  pipe(stream, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(4));
  const inputFromSlice = (from: number, to: number) => slice(stream, new Time(from), new Time(to)).flatMap((rdd) => rdd.collect());
  t.strictSame(inputFromSlice(0, 1000), [1]);
  t.strictSame(inputFromSlice(0, 2000), [1, 2]);
  t.strictSame(inputFromSlice(1000, 2000), [1, 2]);
  t.strictSame(inputFromSlice(2000, 4000), [2, 3, 4]);
  t.strictSame(pipe(stream, slice(3000, 10_000)).map((rdd) => rdd.collect()), [[3], [4]], "data-last, times in milliseconds");
  t.strictSame(slice(stream, 3000, 2000), [], "an empty range");
  await ssc.stop();
});

t.test("slice floors unaligned ends to the stream's slide, with a warning, and skips times at or before the start", async (t) => {
  const { ssc, clock, log } = makeContext();
  ssc.remember(Seconds(10));
  const input = ssc.queueStream([[1], [2], [3], [4], [5], [6]]);
  const windowed = pipe(input, window(Seconds(2), Seconds(2)));
  pipe(windowed, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(6));
  t.strictSame(slice(input, 1500, 3500).map((rdd) => rdd.collect()), [[1], [2], [3]]);
  t.ok(log.some((line) => line.includes("WARN") && line.includes("fromTime (1500 ms) is not a multiple of slideDuration (1000 ms)")));
  t.ok(log.some((line) => line.includes("toTime (3500 ms) is not a multiple of slideDuration (1000 ms)")));
  t.strictSame(slice(windowed, -5000, 5000).map((rdd) => rdd.collect()), [[1, 2], [3, 4]], "a 2 s slide: RDDs at 2000 and 4000");
  await ssc.stop();
});

t.test("slice of batches an input has forgotten throws, naming the time and ssc.remember", async (t) => {
  const { ssc, clock } = makeContext();
  const stream = ssc.queueStream([[1], [2], [3], [4]]);
  pipe(stream, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(4));
  t.strictSame(slice(stream, 4000, 4000).map((rdd) => rdd.collect()), [[4]], "one batch is remembered by default");
  t.throws(() => slice(stream, 0, 4000), {
    message: "slice cannot give queueStream-0's RDD at 1000 ms: queueStream-0 no longer remembers its batch at 1000 ms. Keep more with ssc.remember(duration) before start(), e.g. ssc.remember(Minutes(1)), or slice a later range",
  });
  await ssc.stop();
});

t.test("BasicOperationsSuite 'slice - has not been initialized': slice before start throws", async (t) => {
  const { ssc } = makeContext(Milliseconds(1000));
  const stream = ssc.queueStream([[1], [2]]);
  t.throws(() => slice(stream, new Time(0), new Time(1000)), {
    message: /^queueStream-0 has not been initialized: slice reads the RDDs a stream remembers, so call it after ssc.start\(\)/,
  });
  t.throws(() => slice(stream, "0" as never, 1000), /has not been initialized/);
  await ssc.stop();
});
