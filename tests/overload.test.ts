/**
 * Under overload: batches that take longer than the interval delay the next ones
 * (listeners see the scheduling delay grow), at most `maxPendingBatches` batches wait,
 * inputs take less while the job is behind, nothing is dropped, and the event loop
 * keeps running.
 */
import t from "tap";
import { setImmediate } from "node:timers";
import { foreachRDD, ManualClock, Milliseconds, pipe, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { RDD } from "../mod.ts";
import type { BatchInfo } from "../mod.ts";
import { graphOf, InputDStream } from "../spi.ts";

const quietSpark = () => new SparkContext({ appName: "overload", logLevel: "ERROR", log: () => {} });

/** Lets pending promise callbacks and event-loop turns run (no time passes on a manual clock). */
const settle = async (turns = 20) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

t.test("a batch whose own work outlasts the interval delays the next ones; the scheduling delay shows it", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
  const completed: BatchInfo[] = [];
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void completed.push(batchInfo) });
  pipe(
    ssc.queueStream<number>([[1], [2], [3], [4]]),
    foreachRDD((_rdd, time) => {
      // The first two batches are busy for 1.5 intervals each (the clock moves on meanwhile).
      if (time.milliseconds <= 2000) void clock.advance(1500);
    }),
  );
  ssc.start();
  await clock.advance(Seconds(1));
  await settle();
  t.same(completed.map((info) => info.batchTime.milliseconds), [1000, 2000, 3000, 4000]);
  t.same(completed.map((info) => info.submissionTime), [1000, 2000, 3000, 4000], "submitted at their batch times, though generated late");
  t.same(completed.map((info) => info.schedulingDelay), [0, 500, 1000, 0], "the wait behind the slow batches");
  t.same(completed.map((info) => info.numRecords), [1, 1, 1, 1], "none skipped or merged");
  await ssc.stop();
});

t.test("at most maxPendingBatches batches wait; while backlogged a queue stream takes one batch; none is dropped", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock, maxPendingBatches: 2 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => void (release = resolve));
  const submitted: number[] = [];
  ssc.addStreamingListener({ onBatchSubmitted: ({ batchInfo }) => void submitted.push(batchInfo.batchTime.milliseconds) });
  const queue = ssc.queueStream<string>([], { oneAtATime: false });
  const seen: Array<[number, string[]]> = [];
  pipe(
    queue,
    foreachRDD(async (rdd, time) => {
      seen.push([time.milliseconds, rdd.collect()]);
      if (time.milliseconds === 1000) await gate;
    }),
  );
  ssc.start();
  const first = clock.advance(Seconds(1));
  await settle();
  queue.enqueue(["a"], ["b"], ["c"]);
  const advancing = clock.advance(Seconds(4));
  await settle();
  t.same(submitted, [1000, 2000], "the third batch waits for a free place");
  t.equal(queue.size, 2, "the backlogged batch took one queued batch, not all three");
  release();
  await first;
  await advancing;
  t.same(seen, [[1000, []], [2000, ["a"]], [3000, ["b"]], [4000, ["c"]], [5000, []]], "every batch time, every record");
  await ssc.stop();
});

t.test("maxPendingBatches must be a positive whole number", async (t) => {
  t.throws(() => new StreamingContext(quietSpark(), Seconds(1), { maxPendingBatches: 0 }), /maxPendingBatches must be a positive whole number of batches, got number 0/);
});

t.test("await ssc.stop() inside foreachRDD completes, and a new context can start after it", async (t) => {
  for (const stopGracefully of [false, true]) {
    const clock = new ManualClock();
    const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
    const events: string[] = [];
    pipe(
      ssc.queueStream<number>([[1], [2], [3]]),
      foreachRDD(async (rdd) => {
        events.push(`batch ${rdd.collect().join()}`);
        await ssc.stop({ stopGracefully, stopSparkContext: false });
        events.push("stopped");
      }),
    );
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.awaitTermination();
    t.same(events, ["batch 1", "stopped"], `stopGracefully: ${stopGracefully}`);
    t.equal(ssc.getState(), "STOPPED");
    const next = new StreamingContext(ssc.sparkContext, Seconds(1), { clock });
    const later: number[] = [];
    pipe(next.queueStream<number>([[7]]), foreachRDD((rdd) => void later.push(...rdd.collect())));
    next.start();
    await clock.advance(Seconds(1));
    t.same(later, [7], "the new context runs");
    await next.stop();
  }
});

t.test("await ssc.stop() after an await inside foreachRDD completes too, and the batch ends", async (t) => {
  for (const stopGracefully of [false, true]) {
    const clock = new ManualClock();
    const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
    const events: string[] = [];
    pipe(
      ssc.queueStream<number>([[1], [2]]),
      foreachRDD(async (rdd) => {
        events.push(`batch ${rdd.collect().join()}`);
        await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        await ssc.stop({ stopGracefully, stopSparkContext: false });
        events.push("stopped");
      }),
    );
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.awaitTermination();
    t.same(events, ["batch 1", "stopped"], `stopGracefully: ${stopGracefully}`);
    t.equal(StreamingContext.getActive(), undefined, "another context may start");
  }
});

t.test("a stop() called from elsewhere while a batch runs waits for that batch", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => void (release = resolve));
  const events: string[] = [];
  pipe(ssc.queueStream<number>([[1]]), foreachRDD(async () => {
    await gate;
    events.push("batch done");
  }));
  ssc.start();
  const advancing = clock.advance(Seconds(1));
  await settle();
  const stopped = ssc.stop({ stopSparkContext: false }).then(() => events.push("stop resolved"));
  await settle();
  t.same(events, [], "stop() waits while the batch runs");
  release();
  await stopped;
  await advancing;
  t.same(events, ["batch done", "stop resolved"]);
});

t.test("start() of a new context right after an un-awaited stop() works, even while a batch still runs", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(quietSpark(), Seconds(1), { clock });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => void (release = resolve));
  pipe(ssc.queueStream<number>([[1]]), foreachRDD(() => gate));
  ssc.start();
  const first = clock.advance(Seconds(1));
  await settle();
  const stopping = ssc.stop({ stopSparkContext: false });
  t.equal(StreamingContext.getActive(), undefined, "no context is active once stop() is called");
  const next = new StreamingContext(ssc.sparkContext, Seconds(1), { clock: new ManualClock() });
  pipe(next.queueStream<number>([[1]]), foreachRDD(() => {}));
  t.doesNotThrow(() => next.start());
  t.equal(StreamingContext.getActive(), next);
  release();
  await first;
  await stopping;
  await next.stop();
});

t.test("a graceful stop waits on the context's clock and gives up after ten intervals without progress", async (t) => {
  const log: string[] = [];
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "overload", log: (line) => log.push(line) }), Seconds(1), { clock });
  /** An input that always says records wait, and never gives a batch any. */
  class Stuck extends InputDStream<number> {
    override hasPendingRecords(): Promise<boolean> {
      return Promise.resolve(true);
    }
    protected override take() {
      return Promise.resolve({ rdd: RDD.empty<number>(), count: 0 });
    }
  }
  pipe(new Stuck(graphOf(ssc), "stuck"), foreachRDD(() => {}));
  ssc.start();
  let stopped = false;
  const stopping = ssc.stop({ stopGracefully: true }).then(() => void (stopped = true));
  await settle();
  t.notOk(stopped, "waits while records wait");
  for (let i = 0; i < 9; i++) await clock.advance(Seconds(1));
  await settle();
  t.notOk(stopped, "still waiting after nine intervals");
  for (let i = 0; i < 2 && !stopped; i++) await clock.advance(Seconds(1)).then(() => settle());
  await stopping;
  t.ok(stopped, "gave up after ten batch intervals of the manual clock, no real time");
  t.match(log.join("\n"), /Graceful stop gave up after 10000 ms/);
});

t.test("with a real clock, batches that each take longer than the interval leave timers running and stop promptly", async (t) => {
  const ssc = new StreamingContext(quietSpark(), Milliseconds(20));
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* the batch's own synchronous work */ }
  };
  let batches = 0;
  pipe(ssc.queueStream<number>([], { defaultBatch: [1] }), foreachRDD(() => void (busy(40), batches++)));
  ssc.start();
  const asked = performance.now();
  const fired = await new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 10));
  t.ok(fired - asked < 200, `a 10 ms timer fired after ${Math.round(fired - asked)} ms while batches ran behind`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopAsked = performance.now();
  t.equal(await Promise.race([ssc.stop().then(() => true), new Promise((r) => setTimeout(() => r(false), 1000))]), true, "stop() resolved");
  t.ok(performance.now() - stopAsked < 200, `stopped within ${Math.round(performance.now() - stopAsked)} ms`);
  t.ok(batches >= 2, `${batches} batches ran`);
  t.equal(await ssc.awaitTerminationOrTimeout(Seconds(1)), true);
});
