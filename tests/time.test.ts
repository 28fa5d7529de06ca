import t from "tap";
import { Duration, foreachRDD, ManualClock, Milliseconds, Minutes, pipe, Seconds, SystemClock, Time } from "../mod.ts";
import type { BatchInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";

t.test("Milliseconds, Seconds and Minutes make whole-millisecond durations", async (t) => {
  t.equal(Milliseconds(250).milliseconds, 250);
  t.equal(Seconds(10).milliseconds, 10_000);
  t.equal(Seconds(0.5).milliseconds, 500);
  t.equal(Minutes(2).milliseconds, 120_000);
  t.equal(Seconds(1).toString(), "1000 ms", "Spark's form");
  t.ok(Seconds(4).isMultipleOf(Seconds(2)));
  t.notOk(Seconds(3).isMultipleOf(Seconds(2)));
  t.ok(Seconds(1).plus(Milliseconds(500)).equals(Milliseconds(1500)));
  t.throws(() => Milliseconds(1.5), /whole number of milliseconds/);
  t.throws(() => new Duration(Number.NaN), /whole number of milliseconds/);
});

t.test("Time floors to a duration and prints as Spark does", async (t) => {
  const time = new Time(12_345);
  t.equal(time.floor(Seconds(1)).milliseconds, 12_000);
  t.equal(time.floor(Seconds(10), new Time(5_000)).milliseconds, 5_000);
  t.equal(time.plus(Seconds(1)).toString(), "13345 ms");
  t.equal(time.since(new Time(10_000)).milliseconds, 2_345);
});

t.test("the first batch falls at the next multiple of the batch interval after start", async (t) => {
  for (const [start, batch, first] of [[0, 1000, 1000], [1_234, 1000, 2000], [15_000, 10_000, 20_000], [19_999, 10_000, 20_000]] as const) {
    const { ssc, clock } = testContext(Milliseconds(batch), start);
    const times: number[] = [];
    pipe(ssc.queueStream<number>([]), foreachRDD((_, time) => void times.push(time.milliseconds)));
    ssc.start();
    await clock.setTime(first + 2 * batch);
    await ssc.stop();
    t.same(times, [first, first + batch, first + 2 * batch], `clock at ${start}, batch ${batch} ms`);
  }
});

t.test("ManualClock.advance resolves only after the batches it triggered have finished", async (t) => {
  const { ssc, clock } = testContext();
  const done: number[] = [];
  pipe(
    ssc.queueStream([[1], [2], [3]]),
    foreachRDD(async (rdd) => {
      await new Promise((resolve) => setImmediate(resolve));
      done.push(...rdd.collect());
    }),
  );
  ssc.start();
  await clock.advance(Milliseconds(999));
  t.same(done, [], "no batch before the first batch time");
  await clock.advance(Milliseconds(1));
  t.same(done, [1]);
  await clock.advance(Seconds(2));
  t.same(done, [1, 2, 3], "several batches in one advance, in order");
  await ssc.stop();
  t.throws(() => clock.setTime(0), /cannot go back in time/);
  t.throws(() => clock.advance(-1), /non-negative/);
});

t.test("a batch that runs longer than the interval delays the next ones; none is skipped", async (t) => {
  const { ssc, clock } = testContext();
  const infos: BatchInfo[] = [];
  let release!: () => void;
  const slow = new Promise<void>((resolve) => {
    release = resolve;
  });
  pipe(
    ssc.queueStream([[1], [2], [3]]),
    foreachRDD(async (rdd) => {
      if (rdd.collect()[0] === 1) await slow;
    }),
  );
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
  ssc.start();
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const first = clock.advance(Seconds(1)); // batch 1000 starts and blocks
  await tick();
  const second = clock.advance(Seconds(1)); // batch 2000 is generated at 2000 and waits
  await tick();
  const third = clock.advance(Seconds(1)); // batch 3000 is generated at 3000
  await tick();
  release();
  await Promise.all([first, second, third]);
  t.same(infos.map((info) => info.batchTime.milliseconds), [1000, 2000, 3000], "every batch ran, in order");
  t.same(infos.map((info) => info.submissionTime), [1000, 2000, 3000]);
  t.same(infos.map((info) => info.schedulingDelay), [0, 1000, 0], "the batch generated while the slow one ran waited for it");
  t.same(infos.map((info) => info.numRecords), [1, 1, 1]);
  await ssc.stop();
});

t.test("SystemClock sleeps until a time, and wakes early on abort", async (t) => {
  const clock = new SystemClock();
  const start = clock.now();
  t.equal(await clock.sleepUntil(start + 20, new AbortController().signal), true);
  t.ok(clock.now() >= start + 20);
  const abort = new AbortController();
  const sleeping = clock.sleepUntil(start + 60_000, abort.signal);
  abort.abort();
  t.equal(await sleeping, false);
});

t.test("SystemClock.sleep waits that many milliseconds, and wakes early on abort", async (t) => {
  const clock = new SystemClock();
  const start = clock.now();
  t.equal(await clock.sleep(15), true);
  t.ok(clock.now() >= start + 15);
  const abort = new AbortController();
  abort.abort();
  t.equal(await clock.sleep(60_000, abort.signal), false, "an aborted signal: at once");
  t.throws(() => clock.sleep(-1), /non-negative number of milliseconds/);
});

t.test("ManualClock.sleep wakes when the clock is advanced that far, or on abort", async (t) => {
  const clock = new ManualClock(1000);
  const woken: string[] = [];
  void clock.sleep(100).then((reached) => void woken.push(`100: ${reached}`));
  void clock.sleep(300).then((reached) => void woken.push(`300: ${reached}`));
  const abort = new AbortController();
  void clock.sleep(200, abort.signal).then((reached) => void woken.push(`200: ${reached}`));
  await clock.advance(Milliseconds(99));
  t.same(woken, [], "nothing before its time");
  await clock.advance(Milliseconds(1));
  t.same(woken, ["100: true"]);
  abort.abort();
  await Promise.resolve();
  t.same(woken, ["100: true", "200: false"]);
  await clock.advance(Milliseconds(200));
  t.same(woken, ["100: true", "200: false", "300: true"]);
  t.equal(await clock.sleep(0), true, "zero: at once");
});

t.test("a context on the system clock runs real batches", async (t) => {
  const { SparkContext, StreamingContext } = await import("../mod.ts");
  const ssc = new StreamingContext(new SparkContext({ logLevel: "OFF" }), Milliseconds(20));
  const seen: number[] = [];
  pipe(ssc.queueStream([[1], [2]]), foreachRDD((rdd, time) => {
    t.equal(time.milliseconds % 20, 0, "batch times are multiples of the interval");
    seen.push(...rdd.collect());
    if (seen.length === 2) void ssc.stop();
  }));
  ssc.start();
  await ssc.awaitTermination();
  t.same(seen, [1, 2]);
});

t.test("ManualClock rejects a bad start time", async (t) => {
  t.throws(() => new ManualClock(0.5), /whole number of milliseconds/);
});
