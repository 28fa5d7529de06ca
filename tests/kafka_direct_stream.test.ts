/**
 * createDirectStream against a real broker (scripts/kafka/broker.sh, or the one .ci/run
 * started): fixed offset ranges per partition at batch time, records with their
 * metadata, rate caps (SPARK-18580), commits after the batch, new partitions, and the
 * checkpoint seam's snapshot/restore regenerating the same batches.
 */
import { foreachRDD, pipe, type RDD, Seconds, Time } from "../mod.ts";
import { createDirectStream, headerText, type KafkaRecord, type OffsetRange, offsetRanges } from "../kafka.ts";
import { graphOf } from "../lib/context/streaming_context.ts";
import type { Recoverable } from "../lib/checkpoint/recoverable.ts";
import { testContext } from "./_contexts.ts";
import { type Broker, kafkaTests } from "./_kafka_broker.ts";

let broker: Broker;

const records = (n: number, partition: number, prefix = "v") =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `${prefix}${partition}-${i}`, partition }));

/** The context's registered recoverable parts (the seam's registry). */
const recoverablesOf = (ssc: ReturnType<typeof testContext>["ssc"]): ReadonlyArray<Recoverable<unknown>> =>
  (graphOf(ssc) as unknown as { recoverables: Recoverable<unknown>[] }).recoverables;

const committed = async (groupId: string, topic: string, partitions: number): Promise<number[]> => {
  const groups = await broker.admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, i) => i) }] }] });
  const found = groups[0]?.topics.find((x) => x.name === topic)?.partitions ?? [];
  return Array.from({ length: partitions }, (_, i) => Number(found.find((p) => p.partitionIndex === i)?.committedOffset ?? -1n));
};

kafkaTests("createDirectStream on a real broker", async (t, started) => {
  broker = started;
  await t.test("each batch is one offset range per partition, fixed at batch time; records carry their metadata", async (t) => {
    const topic = await broker.topic("direct", 2);
    await broker.produce(topic, [{ key: "a", value: "hello", partition: 0, headers: { trace: "t-1" } }, { value: "world", partition: 1 }]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest" });
    const batches: Array<{ time: number; records: KafkaRecord[]; ranges: ReadonlyArray<OffsetRange> }> = [];
    let rdd2: RDD<KafkaRecord> | undefined;
    pipe(stream, foreachRDD((rdd, time) => {
      rdd2 = rdd;
      batches.push({ time: time.milliseconds, records: rdd.collect(), ranges: offsetRanges(rdd) });
    }));
    ssc.start();
    t.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    // Written after batch 1 was fixed: batch 2's.
    await broker.produce(topic, [{ value: "again", partition: 0 }]);
    await clock.advance(Seconds(1));
    await clock.advance(Seconds(1));
    t.equal(batches.length, 3);
    const [first, second, third] = batches;
    t.same(first!.ranges, [
      { topic, partition: 0, fromOffset: 0, untilOffset: 1 },
      { topic, partition: 1, fromOffset: 0, untilOffset: 1 },
    ]);
    const hello = first!.records.find((r) => r.value === "hello")!;
    t.match(hello, { topic, partition: 0, offset: 0, key: "a", value: "hello" });
    t.equal(headerText(hello, "trace"), "t-1");
    t.ok(Math.abs(hello.timestamp - Date.now()) < 60_000, "timestamp is the broker's, in ms since the epoch");
    t.match(first!.records.find((r) => r.value === "world"), { partition: 1, key: null });
    t.same(second!.records.map((r) => [r.partition, r.offset, r.value]), [[0, 1, "again"]]);
    t.same(second!.ranges.map((r) => [r.partition, r.fromOffset, r.untilOffset]), [[0, 1, 2], [1, 1, 1]]);
    t.same(third!.records, [], "nothing new: an empty batch");
    t.same(stream.offsetRangesAt(new Time(3000)), third!.ranges);
    t.same(stream.offsetRangesAt(new Time(1000)), [], "forgotten with the batch");
    t.throws(() => offsetRanges(rdd2!.map((r) => r.value)), /not a batch of a Kafka direct stream/);
  });

  await t.test("maxRatePerPartition caps every partition's range; the rest waits for later batches", async (t) => {
    const topic = await broker.topic("rate", 2);
    await broker.produce(topic, [...records(25, 0), ...records(5, 1)]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest", maxRatePerPartition: 10, backpressure: false });
    const sizes: number[][] = [];
    pipe(stream, foreachRDD((rdd) => void sizes.push(offsetRanges(rdd).map((r) => r.untilOffset - r.fromOffset))));
    ssc.start();
    t.teardown(() => ssc.stop());
    for (let i = 0; i < 4; i++) await clock.advance(Seconds(1));
    t.same(sizes, [[10, 5], [10, 0], [5, 0], [0, 0]]);
  });

  await t.test("SPARK-18580: the first batch over a large backlog is capped by initialRate and maxRatePerPartition", async (t) => {
    const topic = await broker.topic("backlog", 2);
    await broker.produce(topic, [...records(600, 0), ...records(400, 1)]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest", initialRate: 100 });
    const capped = createDirectStream(ssc, {
      brokers: broker.brokers,
      topics: [topic],
      groupId: `g2-${topic}`,
      startingOffsets: "earliest",
      initialRate: 1000,
      maxRatePerPartition: 30,
    });
    const first: number[][] = [];
    pipe(stream, foreachRDD((rdd) => void first.push(offsetRanges(rdd).map((r) => r.untilOffset - r.fromOffset))));
    pipe(capped, foreachRDD((rdd) => void first.push(offsetRanges(rdd).map((r) => r.untilOffset - r.fromOffset))));
    ssc.start();
    t.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    // initialRate 100/s over 1 s, shared in proportion to each partition's lag (600:400).
    t.same(first[0], [60, 40]);
    // maxRatePerPartition caps each partition even when the initial rate would allow more.
    t.same(first[1], [30, 30]);
  });

  await t.test("offsets are committed to the group after the batch's outputs; commitAsync when auto commit is off", async (t) => {
    const topic = await broker.topic("commit", 2);
    await broker.produce(topic, [...records(3, 0), ...records(2, 1)]);
    const { ssc, clock } = testContext();
    const auto = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `auto-${topic}`, startingOffsets: "earliest" });
    const manual = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `manual-${topic}`, startingOffsets: "earliest", autoCommit: false });
    let seenCommitted: number[] | undefined;
    pipe(auto, foreachRDD(async () => {
      // Inside the batch's output: not committed yet.
      seenCommitted = await committed(`auto-${topic}`, topic, 2);
    }));
    const toCommit: OffsetRange[][] = [];
    pipe(manual, foreachRDD((rdd) => void toCommit.push([...offsetRanges(rdd)])));
    ssc.start();
    t.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    t.same(seenCommitted, [-1, -1], "nothing committed while the batch runs");
    let after: number[] = [];
    for (let i = 0; i < 50 && after[0] !== 3; i++) {
      after = await committed(`auto-${topic}`, topic, 2);
      if (after[0] !== 3) await new Promise((r) => setTimeout(r, 50));
    }
    t.same(after, [3, 2], "the batch's until-offsets, once it completed");
    t.same(await committed(`manual-${topic}`, topic, 2), [-1, -1], "autoCommit false: nothing");
    await manual.commitAsync(toCommit[0]!);
    t.same(await committed(`manual-${topic}`, topic, 2), [3, 2]);
    // A new stream of the same group starts where the group committed.
    await ssc.stop();
    await broker.produce(topic, [{ value: "new", partition: 1 }]);
    const next = testContext();
    const resumed = createDirectStream(next.ssc, { brokers: broker.brokers, topics: [topic], groupId: `auto-${topic}`, startingOffsets: "earliest" });
    const got: string[] = [];
    pipe(resumed, foreachRDD((rdd) => void got.push(...rdd.collect().map((r) => `${r.partition}:${r.offset}:${r.value}`))));
    next.ssc.start();
    t.teardown(() => next.ssc.stop());
    await next.clock.advance(Seconds(1));
    t.same(got, ["1:2:new"]);
  });

  await t.test("partitions added to a topic are picked up, from their first offset", async (t) => {
    const topic = await broker.topic("grow", 1);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest" });
    const seen: string[][] = [];
    pipe(stream, foreachRDD((rdd) => void seen.push(rdd.collect().map((r) => `${r.partition}:${r.value}`).sort())));
    ssc.start();
    t.teardown(() => ssc.stop());
    await broker.produce(topic, [{ value: "a", partition: 0 }]);
    await clock.advance(Seconds(1));
    await broker.admin.createPartitions({ topics: [{ name: topic, count: 3, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }] });
    await broker.produce(topic, [{ value: "b", partition: 1 }, { value: "c", partition: 2 }]);
    await clock.advance(Seconds(1));
    t.same(seen, [["0:a"], ["1:b", "2:c"]]);
  });

  await t.test("topicPattern reads every matching topic, and topics created later from their first offset", async (t) => {
    const prefix = `pattern${Date.now()}`;
    const a = `${prefix}-a`;
    await broker.admin.createTopics({ topics: [a, `other${Date.now()}`], partitions: 1, replicas: 1 });
    await broker.produce(a, [{ value: "in a" }]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topicPattern: new RegExp(`^${prefix}-`), groupId: `g-${prefix}`, startingOffsets: "earliest" });
    const seen: string[][] = [];
    pipe(stream, foreachRDD((rdd) => void seen.push(rdd.collect().map((r) => `${r.topic.slice(prefix.length)}:${r.value}`).sort())));
    ssc.start();
    t.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    await broker.admin.createTopics({ topics: [`${prefix}-b`], partitions: 1, replicas: 1 });
    await broker.produce(`${prefix}-b`, [{ value: "in b" }]);
    await broker.produce(a, [{ value: "again a" }]);
    await clock.advance(Seconds(1));
    t.same(seen, [["-a:in a"], ["-a:again a", "-b:in b"]]);
  });

  await t.test("snapshot and restore: a rebuilt pipeline reads the recorded ranges again, then goes on", async (t) => {
    const topic = await broker.topic("recover", 2);
    await broker.produce(topic, [...records(4, 0), ...records(2, 1)]);
    const build = (startTime = 0) => {
      const ctx = testContext(Seconds(1), startTime);
      const stream = createDirectStream(ctx.ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest", maxRatePerPartition: 3, backpressure: false });
      const batches: Array<[number, string[]]> = [];
      pipe(stream, foreachRDD((rdd, time) => void batches.push([time.milliseconds, rdd.collect().map((r) => r.value ?? "").sort()])));
      const part = recoverablesOf(ctx.ssc).find((p) => p.role === "input")!;
      return { ...ctx, stream, batches, part };
    };
    const first = build();
    t.equal(first.part.name, `kafkaDirectStream(${topic}:g-${topic})`);
    t.equal(first.part.kind, "kafka");
    // The context snapshots right after a batch's outputs, before it commits: as if batch 2
    // had been fixed and run but the durable checkpoint held only batch 1's state.
    let bytes: Uint8Array | undefined;
    pipe(first.stream, foreachRDD((_rdd, time) => {
      if (time.milliseconds === 2000) bytes = first.part.codec.encode(first.part.snapshot(time, new Time(1000)), first.part.name);
    }));
    first.ssc.start();
    await first.clock.advance(Seconds(2));
    await first.ssc.stop();
    t.same(first.batches.map(([, v]) => v.length), [5, 1]);
    // Written meanwhile: must not change batch 2 when it is regenerated.
    await broker.produce(topic, [{ value: "later", partition: 1 }]);

    // Recovery generates every batch after the state's time (1000) again: start there.
    const second = build(1000);
    t.equal(second.part.name, first.part.name, "the same name across runs");
    await second.part.restore(second.part.codec.decode(bytes!, first.part.codec.version, first.part.name), new Time(2000), new Time(1000));
    second.ssc.start();
    t.teardown(() => second.ssc.stop());
    await second.clock.advance(Seconds(1));
    t.same(second.batches[0], first.batches[1], "batch 2 regenerated with the same records");
    await second.clock.advance(Seconds(1));
    t.same(second.batches[1], [3000, ["later"]], "then on from where the recorded batches end");
  });
});
