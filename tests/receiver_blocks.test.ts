// A receiver's batch has one partition per block, as Spark's BlockRDD: records stored
// within one block interval (spark.streaming.blockInterval, 200 ms by default) make one
// block. The partitions are what local[n]'s worker threads share, so a receiver stream's
// batches can use more than one core; whatever the partitioning, every record arrives
// once and in order.
import t from "tap";
import { type Duration, foreachRDD, ManualClock, map, Milliseconds, pipe, Receiver, reduceByKey, Seconds, SparkContext, StreamingContext } from "../mod.ts";

class Probe extends Receiver<string> {
  onStart(): void {}
  onStop(): void {}
  put(...records: string[]): void {
    for (const record of records) this.store(record);
  }
}

const setup = (options: { readonly context?: Duration; readonly receiver?: Duration } = {}) => {
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "blocks", master: "local[2]", logLevel: "ERROR" });
  const ssc = new StreamingContext(sc, Seconds(1), { clock, ...(options.context === undefined ? {} : { blockInterval: options.context }) });
  const probe = new Probe();
  const input = ssc.receiverStream(probe, options.receiver === undefined ? {} : { blockInterval: options.receiver });
  const partitions: Array<ReadonlyArray<ReadonlyArray<string>>> = [];
  pipe(input, foreachRDD((rdd) => void partitions.push(rdd.glom().collect())));
  const counts: Array<ReadonlyArray<readonly [string, number]>> = [];
  pipe(input, map((w: string) => [w, 1] as const), reduceByKey((a: number, b: number) => a + b), foreachRDD((rdd) => void counts.push(rdd.collect())));
  return { clock, ssc, probe, partitions, counts };
};

t.test("records stored in different block intervals of one batch are different partitions", async (t) => {
  const { clock, ssc, probe, partitions, counts } = setup();
  ssc.start();
  probe.put("a", "b");
  await clock.advance(Milliseconds(300));
  probe.put("c", "a");
  await clock.advance(Milliseconds(300));
  probe.put("d");
  await clock.advance(Milliseconds(400));
  // The second batch: everything stored within one interval.
  probe.put("e", "e");
  await clock.advance(Seconds(1));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(partitions, [[["a", "b"], ["c", "a"], ["d"]], [["e", "e"]], [[]]], "blocks of 200 ms (the default): 0–200, 200–400, 600–800 ms");
  t.same(counts.map((c) => Object.fromEntries(c)), [{ a: 2, b: 1, c: 1, d: 1 }, { e: 2 }, {}]);
});

t.test("the context's blockInterval sets every receiver's; a receiver's own wins", async (t) => {
  /** One batch: "a" at 0 ms, "b" at 500 ms. */
  const partitionsWith = async (options: { readonly context?: Duration; readonly receiver?: Duration }) => {
    const { clock, ssc, probe, partitions } = setup(options);
    ssc.start();
    probe.put("a");
    await clock.advance(Milliseconds(500));
    probe.put("b");
    await clock.advance(Milliseconds(500));
    await ssc.stop();
    return partitions;
  };
  t.same(await partitionsWith({ context: Milliseconds(1000) }), [[["a", "b"]]], "one block per second: one partition");
  t.same(await partitionsWith({ context: Milliseconds(1000), receiver: Milliseconds(100) }), [[["a"], ["b"]]]);
});

t.test("a blockInterval that is not a positive Duration is refused, naming Spark's setting", async (t) => {
  const sc = new SparkContext({ appName: "blocks", master: "local[2]", logLevel: "ERROR" });
  t.throws(
    () => new StreamingContext(sc, Seconds(1), { clock: new ManualClock(), blockInterval: Milliseconds(0) }),
    /StreamingContext's blockInterval must be a positive Duration such as Milliseconds\(50\) \(Spark's spark.streaming.blockInterval\)/,
  );
  const ssc = new StreamingContext(sc, Seconds(1), { clock: new ManualClock() });
  t.throws(
    () => ssc.receiverStream(new Probe(), { blockInterval: 50 as unknown as Duration }),
    /receiverStream's blockInterval must be a positive Duration/,
  );
  await ssc.stop();
});
