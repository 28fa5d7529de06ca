/**
 * `slice` computes the RDDs a stream has not generated, or has forgotten, from its
 * parents while its inputs still remember those batches, as Spark's `DStream.slice`
 * does through `getOrCompute`; otherwise it throws, naming the time.
 */
import t from "tap";
import {
  foreachRDD,
  getOrElse,
  map,
  type Option,
  pipe,
  reduceByKey,
  Seconds,
  slice,
  some,
  union,
  updateStateByKey,
  window,
} from "../mod.ts";
import { testContext } from "./_contexts.ts";

const collected = (rdds: ReadonlyArray<{ collect(): unknown[] }>) => rdds.map((rdd) => rdd.collect());

t.test("a stream no output reads is computed from its remembered input", async (t) => {
  const { ssc, clock } = testContext();
  ssc.remember(Seconds(10));
  const input = ssc.queueStream([[1], [2], [3]]);
  let calls = 0;
  const doubled = pipe(input, map((n: number) => (calls++, n * 2)));
  pipe(input, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(3));
  t.equal(calls, 0, "nothing computed it during the batches");
  const rdds = slice(doubled, 1000, 3000);
  t.strictSame(collected(rdds), [[2], [4], [6]], "today a stream never advanced gave []");
  t.equal(calls, 3);
  t.equal(slice(doubled, 2000, 2000)[0], rdds[1], "once computed, the stream remembers the RDD");
  await ssc.stop();
});

t.test("a forgotten RDD of a stateless step is recomputed from its inputs' remembered batches", async (t) => {
  const { ssc, clock } = testContext();
  const input = ssc.queueStream([[1, 1], [2], [3], [4]]);
  const other = ssc.queueStream([[10], [20], [30], [40]]);
  const counts = pipe(input, map((n: number) => [n, 1] as const), reduceByKey((a, b) => a + b));
  const both = union(pipe(input, map((n: number) => n)), other);
  // A 2 s window makes its input remember 3 s; the other outputs keep one batch.
  pipe(input, window(Seconds(2)), foreachRDD(() => {}));
  pipe(other, window(Seconds(2)), foreachRDD(() => {}));
  pipe(counts, foreachRDD(() => {}));
  pipe(both, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(4));
  t.strictSame(collected(slice(counts, 2000, 4000)), [[[2, 1]], [[3, 1]], [[4, 1]]], "reduceByKey: 2000 and 3000 recomputed");
  t.strictSame(collected(slice(both, 2000, 3000)).map((r) => [...r].sort()), [[2, 20], [3, 30]], "union of two inputs");
  t.throws(() => slice(counts, 1000, 4000), /slice cannot give reduceByKey-\d+'s RDD at 1000 ms: queueStream-0 no longer remembers its batch at 1000 ms\. Keep more with ssc\.remember\(duration\)/);
  await ssc.stop();
});

t.test("a window is recomputed from its parent's remembered batches", async (t) => {
  const { ssc, clock } = testContext();
  ssc.remember(Seconds(5));
  const input = ssc.queueStream([[1], [2], [3], [4], [5]]);
  const windowed = pipe(input, window(Seconds(2), Seconds(1)));
  pipe(input, foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(5));
  t.strictSame(collected(slice(windowed, 1000, 5000)).map((r) => [...r].sort()), [[1], [1, 2], [2, 3], [3, 4], [4, 5]]);
  await ssc.stop();
});

t.test("times after the latest batch have no RDD yet: slice stops there", async (t) => {
  const { ssc, clock } = testContext();
  ssc.remember(Seconds(10));
  const input = ssc.queueStream([[1], [2], [3]]);
  const doubled = pipe(input, map((n: number) => n * 2));
  pipe(doubled, foreachRDD(() => {}));
  ssc.start();
  t.strictSame(slice(doubled, 0, 5000), [], "no batch yet");
  await clock.advance(Seconds(2));
  t.strictSame(collected(slice(doubled, 0, 10_000)), [[2], [4]], "only the batches that happened");
  await ssc.stop();
});

t.test("a stateful step's forgotten RDD cannot be recomputed: slice says so", async (t) => {
  const { ssc, clock } = testContext();
  const input = ssc.queueStream([["a"], ["a"], ["a"]]);
  const totals = pipe(
    input,
    map((w: string) => [w, 1] as const),
    updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) => some(values.length + pipe(state, getOrElse(() => 0)))),
  );
  pipe(totals, foreachRDD(() => {}));
  pipe(input, window(Seconds(3)), foreachRDD(() => {}));
  ssc.start();
  await clock.advance(Seconds(3));
  t.strictSame(collected(slice(totals, 3000, 3000)), [[["a", 3]]], "the remembered RDD");
  t.throws(
    () => slice(totals, 2000, 3000),
    /slice cannot give updateStateByKey-\d+'s RDD at 2000 ms: updateStateByKey-\d+ carries state from batch to batch, so its forgotten RDD at 2000 ms cannot be recomputed\. Keep more with ssc\.remember\(duration\)/,
  );
  await ssc.stop();
});
