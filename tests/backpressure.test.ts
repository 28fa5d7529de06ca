/**
 * Backpressure end to end, on a manual clock: after each completed batch the PID
 * estimator sets how many records per second a receiver's next batch takes, and the
 * buffer admits about two batches at that rate. Spark's bugs as regression tests: the
 * first batch honours initialRate (SPARK-18580), the rate never reaches 0 (SPARK-9966),
 * rounding never gives an oversized batch (SPARK-18371). Nothing is dropped.
 */
import t from "tap";
import { foreachRDD, ManualClock, Milliseconds, pipe, Receiver, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import type { BatchInfo, RDD, StreamingContextOptions, Time } from "../mod.ts";
import { graphOf, InputDStream, type StreamingGraph } from "../spi.ts";
import { RDD as RDDs } from "../lib/rdd/rdd.ts";

class Manual<T> extends Receiver<T> {
  onStart(): void {}
  onStop(): void {}
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * A pipeline whose processing costs `msPerRecord` of the manual clock per record (its
 * output moves the clock on as it "works"), fed by a receiver holding `backlog` records.
 */
const slowPipeline = (msPerRecord: number, backlog: number, options: StreamingContextOptions = {}, receiverOptions = {}) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "backpressure", logLevel: "OFF" }), Seconds(1), { clock, ...options });
  const receiver = new Manual<number>();
  const input = ssc.receiverStream(receiver, receiverOptions);
  const batches: number[][] = [];
  const rates: Array<number | undefined> = [];
  pipe(input, foreachRDD((rdd) => {
    const records = rdd.collect();
    batches.push(records);
    // The work takes clock time; not awaited here, as a batch cannot await the clock it runs on.
    void clock.advance(Milliseconds(Math.round(records.length * msPerRecord)));
  }));
  const infos: BatchInfo[] = [];
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      infos.push(batchInfo);
      rates.push(input.rate);
    },
  });
  ssc.start();
  receiver.storeRecords(range(0, backlog));
  /** Runs the batches up to `seconds`, one batch time after another (never going back). */
  const runTo = async (seconds: number) => {
    for (let k = 1; k <= seconds; k++) await clock.setTime(Math.max(clock.now(), k * 1000));
  };
  return { ssc, clock, receiver, input, batches, rates, infos, runTo };
};

t.test("the first batches honour initialRate; then the rate follows what a batch can process, and nothing is lost (SPARK-18580)", async (t) => {
  // 1 ms per record: the pipeline sustains 1000 records per second.
  const { ssc, input, batches, rates, runTo } = slowPipeline(1, 20_000, { initialRate: 500 });
  t.equal(input.backpressure, true, "on by default");
  t.equal(input.rate, 500, "before any estimate: initialRate");
  await runTo(12);
  t.same(batches.slice(0, 2).map((b) => b.length), [500, 500], "initialRate until the estimator has two batches to go by");
  t.same(batches.slice(2, 8).map((b) => b.length), [1000, 1000, 1000, 1000, 1000, 1000], "then the sustainable rate");
  t.equal(rates.at(-1), 1000);
  t.ok(batches.every((b) => b.length <= 1000), "no batch larger than the pipeline can process in an interval");
  t.same(batches.flat(), range(0, batches.flat().length), "in order, none lost");
  t.equal(input.bufferedRecords + batches.flat().length, 20_000, "what did not go to a batch still waits");
  await ssc.stop();
});

t.test("under backpressure the buffer admits two batches at the estimated rate: store says when to pause", async (t) => {
  const { ssc, receiver, input, runTo } = slowPipeline(1, 0, { initialRate: 600 });
  t.equal(receiver.storeRecords(range(0, 1199)), true, "two batches at 600/s are 1200 records");
  t.equal(receiver.store(1199), false, "the 1200th fills the buffer");
  t.ok(receiver.isBufferFull());
  let room = false;
  void receiver.waitForSpace().then(() => void (room = true));
  await runTo(1);
  t.ok(room, "a batch took 600 and made room");
  t.equal(input.bufferedRecords, 600);
  t.equal(input.maxBufferedRecords, 1_000_000, "the hard bound stays: the admission follows the rate below it");
  await ssc.stop();
});

t.test("a pipeline far slower than minRate still gets minRate records per batch: the rate never reaches 0 (SPARK-9966)", async (t) => {
  // 20 ms per record: 50 records per second sustainable, below the default minRate of 100.
  const { ssc, batches, rates, runTo } = slowPipeline(20, 10_000, { initialRate: 1000 });
  // Each batch's work moves the clock past the next batch times, so this runs until the
  // backlog is drained.
  await runTo(60);
  t.ok(rates.every((rate) => rate !== undefined && rate >= 100), "never below 100/s");
  t.equal(rates.at(-1), 100, "settles at minRate");
  const sizes = batches.slice(3).map((b) => b.length).filter((n) => n > 0);
  t.ok(sizes.length > 10 && sizes.every((n) => n === 100), "after the first estimate, every batch takes 100 records: the input never stops");
  t.same(batches.flat(), range(0, 10_000), "the whole backlog, in order, none lost");
  await ssc.stop();
});

t.test("rounding never makes a batch larger than the rate allows, and a small rate still moves records (SPARK-18371)", async (t) => {
  // No processing time on the manual clock, so no estimate: the rate stays initialRate.
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "rounding", logLevel: "OFF" }), Milliseconds(400), { clock, initialRate: 2.5 });
  const receiver = new Manual<number>();
  const tiny = new Manual<number>();
  const input = ssc.receiverStream(receiver);
  const small = ssc.receiverStream(tiny, { initialRate: 0.3 });
  const sizes: number[] = [];
  const smallSizes: number[] = [];
  pipe(input, foreachRDD((rdd) => void sizes.push(rdd.count())));
  pipe(small, foreachRDD((rdd) => void smallSizes.push(rdd.count())));
  ssc.start();
  receiver.storeRecords(range(0, 1000));
  tiny.storeRecords(range(0, 1000));
  for (let i = 0; i < 20; i++) await clock.advance(Milliseconds(400));
  t.ok(sizes.every((n) => n <= 1), `2.5/s over 0.4 s is one record a batch at most: ${sizes.join(",")}`);
  t.equal(sizes.reduce((a, b) => a + b, 0), 20, "and 2.5/s × 8 s = 20 in all");
  t.ok(smallSizes.every((n) => n <= 1), "0.3/s never yields a batch of the whole backlog");
  t.equal(smallSizes.reduce((a, b) => a + b, 0), 2, "0.3/s × 8 s: 2 records (2.4 rounded down), not 0");
  await ssc.stop();
});

t.test("backpressure can be turned off, for the context or for one stream; maxRate caps the rate either way", async (t) => {
  const off = slowPipeline(1, 5_000, { backpressure: false });
  t.equal(off.input.backpressure, false);
  t.equal(off.input.rate, undefined, "no limit");
  await off.runTo(1);
  t.equal(off.batches[0]!.length, 5_000, "the batch takes all that waits");
  await off.ssc.stop();
  const own = slowPipeline(1, 5_000, {}, { backpressure: false, maxRate: 2000 });
  t.equal(own.input.backpressure, false);
  await own.runTo(2);
  t.same(own.batches.slice(0, 2).map((b) => b.length), [2000, 2000], "maxRate alone");
  await own.ssc.stop();
  const capped = slowPipeline(0.1, 50_000, { receiverMaxRate: 3000 });
  await capped.runTo(6);
  t.ok(capped.batches.every((b) => b.length <= 3000), "the estimate (10,000/s) is capped by maxRate");
  t.equal(capped.rates.at(-1), 3000);
  await capped.ssc.stop();
});

t.test("backpressure options are checked, on the context and on a stream", async (t) => {
  const sc = new SparkContext({ appName: "bad", logLevel: "OFF" });
  t.throws(() => new StreamingContext(sc, Seconds(1), { initialRate: 0 }), /StreamingContext's initialRate must be a positive, finite number of records per second, got 0/);
  t.throws(() => new StreamingContext(sc, Seconds(1), { minRate: -5 }), /StreamingContext's minRate must be a positive/);
  t.throws(
    () => new StreamingContext(sc, Seconds(1), { backpressure: "yes" as unknown as boolean }),
    /StreamingContext's backpressure must be true or false, got "yes"/,
  );
  const ssc = new StreamingContext(sc, Seconds(1), { clock: new ManualClock() });
  t.throws(() => ssc.receiverStream(new Manual<number>(), { initialRate: Number.POSITIVE_INFINITY }), /receiverStream's initialRate must be a positive, finite number/);
  t.throws(() => ssc.socketTextStream("127.0.0.1", 9, { minRate: 0 }), /socketTextStream's minRate must be a positive/);
  await ssc.stop();
});

t.test("a direct input reads the same estimate through the graph's rateControl hook", async (t) => {
  /** A direct input with an endless backlog: each batch takes what the rate allows. */
  class Backlog extends InputDStream<number> {
    readonly control;
    #next = 0;
    #batches = 0;
    constructor(graph: StreamingGraph) {
      super(graph, "backlog");
      this.control = graph.rateControl?.(this, { initialRate: 200 });
    }
    protected take(_time: Time): { readonly rdd: RDD<number>; readonly count: number } {
      // Four batches, then nothing: with processing as long as the interval, the clock the
      // outputs move would otherwise keep generating batches.
      const n = this.#batches++ < 4 ? Math.floor(this.control?.rate() ?? 1000) : 0;
      const records = range(this.#next, this.#next + n);
      this.#next += n;
      return { rdd: RDDs.fromArray(records), count: n };
    }
  }
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "direct", logLevel: "OFF" }), Seconds(1), { clock });
  const input = new Backlog(graphOf(ssc));
  const sizes: number[] = [];
  pipe(input, foreachRDD((rdd) => {
    sizes.push(rdd.count());
    void clock.advance(Milliseconds(rdd.count())); // 1 ms per record: 1000 records/s
  }));
  ssc.start();
  for (let k = 1; k <= 6; k++) await clock.setTime(Math.max(clock.now(), k * 1000));
  await ssc.stop();
  t.same(sizes.slice(0, 4), [200, 200, 1000, 1000], "initialRate, then the estimate");
  const off = new StreamingContext(new SparkContext({ appName: "direct-off", logLevel: "OFF" }), Seconds(1), { clock: new ManualClock(), backpressure: false });
  t.equal(graphOf(off).rateControl(new Backlog(graphOf(off))), undefined, "no control when backpressure is off");
  await off.stop();
});
