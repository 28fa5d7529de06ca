import t from "tap";
import { count, foreachRDD, map, ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { nodeOf } from "../spi.ts";
import { testContext } from "./_contexts.ts";

const silent = { print: () => {} };

t.test("a StreamingContext goes INITIALIZED → ACTIVE → STOPPED", async (t) => {
  const { ssc } = testContext();
  t.equal(ssc.getState(), "INITIALIZED");
  pipe(ssc.queueStream([[1]]), count(), pprint(10, silent));
  ssc.start();
  t.equal(ssc.getState(), "ACTIVE");
  t.equal(StreamingContext.getActive(), ssc);
  await ssc.stop();
  t.equal(ssc.getState(), "STOPPED");
  t.equal(StreamingContext.getActive(), undefined);
});

t.test("stop() before start() goes INITIALIZED → STOPPED, warns, and the context cannot start", async (t) => {
  const { ssc, log } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  await ssc.stop({ stopSparkContext: false });
  t.equal(ssc.getState(), "STOPPED");
  t.ok(log.some((line) => line.includes("StreamingContext has not been started yet")));
  t.throws(() => ssc.start(), /StreamingContext has already been stopped/);
});

t.test("start() on an active context warns and does nothing", async (t) => {
  const { ssc, log, clock } = testContext();
  const seen: number[] = [];
  pipe(ssc.queueStream([[1], [2]]), foreachRDD((rdd) => void seen.push(...rdd.collect())));
  ssc.start();
  ssc.start();
  t.ok(log.some((line) => /WARN .*StreamingContext has already been started/.test(line)));
  t.equal(ssc.getState(), "ACTIVE");
  await clock.advance(Seconds(2));
  t.same(seen, [1, 2], "batches run once, not twice");
  await ssc.stop();
});

t.test("start() on a stopped context throws and says what to do", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  ssc.start();
  await ssc.stop();
  t.throws(() => ssc.start(), { message: /already been stopped.*create a new one/ });
});

t.test("no new input, transformation or output after start()", async (t) => {
  const { ssc } = testContext();
  const input = ssc.queueStream([[1]]);
  pipe(input, pprint(10, silent));
  ssc.start();
  t.throws(() => ssc.queueStream([[2]]), /Adding new inputs, transformations, and output operations after starting a context is not supported/);
  t.throws(() => pipe(input, map((x: number) => x + 1)), /after starting a context is not supported/);
  t.throws(() => pipe(input, pprint(10, silent)), /after starting a context is not supported/);
  await ssc.stop();
  t.throws(() => pipe(input, count()), /after stopping a context is not supported/);
});

t.test("start() with no output operation throws and marks the context stopped", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), map((x: number) => x));
  t.throws(() => ssc.start(), { message: /No output operations registered, so nothing to execute/ });
  t.equal(ssc.getState(), "STOPPED");
  t.equal(StreamingContext.getActive(), undefined);
});

t.test("only one StreamingContext may be active per process", async (t) => {
  const first = testContext();
  const second = testContext();
  pipe(first.ssc.queueStream([[1]]), pprint(10, silent));
  pipe(second.ssc.queueStream([[1]]), pprint(10, silent));
  first.ssc.start();
  t.throws(() => second.ssc.start(), /Only one StreamingContext may be started in this process/);
  t.equal(second.ssc.getState(), "INITIALIZED", "the refused context can start later");
  t.equal(StreamingContext.getActiveOrCreate(() => second.ssc), first.ssc, "getActiveOrCreate returns the active one");
  await first.ssc.stop();
  t.equal(StreamingContext.getActiveOrCreate(() => second.ssc), second.ssc, "and creates when none is active");
  second.ssc.start();
  t.equal(StreamingContext.getActive(), second.ssc);
  await second.ssc.stop();
});

t.test("stop() is callable many times; it warns once stopped", async (t) => {
  const { ssc, log } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  ssc.start();
  const first = ssc.stop();
  const again = ssc.stop();
  await Promise.all([first, again]);
  await ssc.stop();
  t.equal(ssc.getState(), "STOPPED");
  t.ok(log.some((line) => line.includes("StreamingContext has already been stopped")));
});

t.test("stop() stops the SparkContext unless told not to; a live SparkContext serves a new StreamingContext", async (t) => {
  const { sc, ssc } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  ssc.start();
  await ssc.stop({ stopSparkContext: false });
  t.notOk(sc.isStopped);
  const clock = new ManualClock();
  const next = new StreamingContext(sc, Seconds(1), { clock });
  const seen: number[] = [];
  pipe(next.queueStream([[7]]), foreachRDD((rdd) => void seen.push(...rdd.collect())));
  next.start();
  await clock.advance(Seconds(1));
  await next.stop();
  t.same(seen, [7]);
  t.ok(sc.isStopped, "stop() defaults to stopping the SparkContext");
  t.throws(() => new StreamingContext(sc, Seconds(1)), /stopped SparkContext: create a new SparkContext/);
});

t.test("stop({ stopSparkContext: true }) stops the SparkContext even after an earlier stop(false)", async (t) => {
  const { sc, ssc } = testContext();
  await ssc.stop({ stopSparkContext: false });
  t.notOk(sc.isStopped);
  await ssc.stop({ stopSparkContext: true });
  t.ok(sc.isStopped);
});

t.test("awaitTermination() resolves on stop", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  ssc.start();
  let resolved = false;
  const waiting = ssc.awaitTermination().then(() => {
    resolved = true;
  });
  await Promise.resolve();
  t.notOk(resolved);
  await ssc.stop();
  await waiting;
  t.ok(resolved);
  await t.resolves(ssc.awaitTermination(), "and resolves at once when already stopped");
});

t.test("awaitTermination() rejects with the error of a failed batch; later batches still run", async (t) => {
  const { ssc, clock } = testContext();
  const seen: number[] = [];
  pipe(
    ssc.queueStream([[1], [2], [3]]),
    foreachRDD((rdd) => {
      const [x] = rdd.collect();
      if (x === 2) throw new Error("boom on two");
      seen.push(x!);
    }),
  );
  ssc.start();
  const waiting = ssc.awaitTermination();
  await clock.advance(Seconds(3));
  await t.rejects(waiting, { message: /Error running job foreachRDD \(output 0\) at time 2000 ms: Error: boom on two/ });
  const error = await waiting.catch((e: Error) => e);
  t.match(String((error as Error).cause), /boom on two/, "the original error is the cause");
  t.same(seen, [1, 3]);
  await t.rejects(ssc.awaitTermination(), /boom on two/, "later calls reject too");
  await ssc.stop();
});

t.test("awaitTerminationOrTimeout(ms) resolves false on timeout, true on stop", async (t) => {
  const { ssc } = testContext();
  pipe(ssc.queueStream([[1]]), pprint(10, silent));
  ssc.start();
  t.equal(await ssc.awaitTerminationOrTimeout(0), false);
  const waiting = ssc.awaitTerminationOrTimeout(60_000);
  await ssc.stop();
  t.equal(await waiting, true);
  t.throws(() => ssc.awaitTerminationOrTimeout(-1), /non-negative/);
});

t.test("async foreachRDD functions are awaited before the batch counts as done", async (t) => {
  const { ssc, clock } = testContext();
  const events: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  pipe(
    ssc.queueStream([[1], [2]]),
    foreachRDD(async (rdd, time) => {
      events.push(`start ${time}`);
      if (rdd.collect()[0] === 1) await gate;
      events.push(`end ${time}`);
    }),
  );
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void events.push(`completed ${batchInfo.batchTime}`) });
  ssc.start();
  const advancing = clock.advance(Seconds(2));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(events, ["start 1000 ms"], "the second batch waits for the first");
  release();
  await advancing;
  t.same(events, ["start 1000 ms", "end 1000 ms", "completed 1000 ms", "start 2000 ms", "end 2000 ms", "completed 2000 ms"]);
  await ssc.stop();
});

t.test("remember(duration) keeps RDDs longer and cannot be set twice", async (t) => {
  const { ssc, clock } = testContext();
  ssc.remember(Seconds(3));
  t.throws(() => ssc.remember(Seconds(4)), /Remember duration already set as 3000 ms. Cannot set it again./);
  const input = ssc.queueStream([[1], [2], [3], [4], [5]]);
  pipe(input, pprint(10, silent));
  ssc.start();
  await clock.advance(Seconds(5));
  t.same(nodeOf(input, "test").rememberedRDDs().map(([time]) => time.milliseconds), [3000, 4000, 5000]);
  await ssc.stop();
});

t.test("without remember(), a stream keeps only its latest RDD", async (t) => {
  const { ssc, clock } = testContext();
  const input = ssc.queueStream([[1], [2], [3]]);
  pipe(input, pprint(10, silent));
  ssc.start();
  await clock.advance(Seconds(3));
  t.same(nodeOf(input, "test").rememberedRDDs().map(([time]) => time.milliseconds), [3000]);
  await ssc.stop();
});

t.test("the SparkContext checks its own arguments", async (t) => {
  t.throws(() => new SparkContext({ master: "yarn" }), /master must be "local", "local\[n\]" or "local\[\*\]"/);
  t.throws(() => new SparkContext({ defaultParallelism: 0 }), /defaultParallelism must be a positive whole number/);
  const sc = new SparkContext({ master: "local[3]" });
  t.equal(sc.defaultParallelism, 3);
  t.same(sc.parallelize([1, 2, 3, 4, 5, 6]).collectPartitions(), [[1, 2], [3, 4], [5, 6]]);
  sc.stop();
  t.throws(() => sc.parallelize([1]), /stopped SparkContext/);
});
