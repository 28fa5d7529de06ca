/**
 * Recovery of a Kafka pipeline with `StreamingContext.getOrCreate`: a run "crashes" (stops
 * without a graceful stop, its checkpoint directory left as it was), a new context built
 * by the same code resumes it, and the outputs of both runs together equal, batch by
 * batch, a run without the crash; the group's committed offsets never run ahead of what
 * the checkpoint holds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpoint, foreachRDD, ManualClock, map, type Option, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";
import { createDirectStream } from "../kafka.ts";
import { type Broker, kafkaTests } from "./_kafka_broker.ts";

type Outputs = Array<readonly [number, ReadonlyArray<unknown>]>;

const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

const BATCHES = 8;

kafkaTests("recovering a Kafka pipeline from its checkpoint", async (test, broker: Broker) => {
  const topic = await broker.topic("recovery", 3);
  // 60 keyed records over 3 partitions; 4 per partition per batch: 5 batches of input.
  await broker.produce(topic, Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 7}`, value: `k${i % 7}`, partition: i % 3 })));

  const committedOf = async (groupId: string): Promise<number> => {
    const groups = await broker.admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [0, 1, 2] }] }] });
    return (groups[0]?.topics[0]?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.committedOffset)), 0);
  };

  const build = (ssc: StreamingContext, groupId: string, out: Outputs, seenCommitted?: number[]) => {
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId, startingOffsets: "earliest", maxRatePerPartition: 4, backpressure: false });
    const counts = pipe(stream, map((r) => [r.value ?? "", 1] as const), updateStateByKey(sum), checkpoint(Seconds(2)));
    pipe(counts, foreachRDD(async (rdd, time) => {
      out.push([time.milliseconds, [...rdd.collect()].sort()]);
      if (seenCommitted !== undefined) seenCommitted.push(await committedOf(groupId));
    }));
  };
  const quiet = () => new SparkContext({ appName: "kafka-recovery", defaultParallelism: 2, log: () => {} });

  const expected: Outputs = [];
  {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
    build(ssc, `reference-${topic}`, expected);
    ssc.start();
    await clock.advance(Seconds(BATCHES));
    await ssc.stop();
  }

  for (const crashAfter of [1, 3]) {
    await test.test(`a crash after batch ${crashAfter}: the same outputs, batch by batch; commits never ahead of the checkpoint`, async (t) => {
      const directory = await mkdtemp(join(tmpdir(), "dstreams-kafka-recovery-"));
      t.teardown(() => rm(directory, { recursive: true, force: true }));
      const groupId = `crash${crashAfter}-${topic}`;
      const out: Outputs = [];
      const committed: number[] = [];
      const factory = (clock: ManualClock) => () => {
        const ssc = new StreamingContext(quiet(), Seconds(1), { clock });
        ssc.checkpoint(directory);
        build(ssc, groupId, out, committed);
        return ssc;
      };
      const clock1 = new ManualClock(0);
      const first = await StreamingContext.getOrCreate(directory, factory(clock1));
      first.start();
      await clock1.advance(Seconds(crashAfter));
      await first.stop();
      const clock2 = new ManualClock(crashAfter * 1000);
      const second = await StreamingContext.getOrCreate(directory, factory(clock2));
      second.start();
      await clock2.advance(Seconds(BATCHES - crashAfter));
      await second.stop();
      t.same(out, expected);
      // State is checkpointed every 2 s: while batch t runs, at most the batches up to the
      // last state time before t may be committed (4 records per partition per batch).
      committed.forEach((n, i) => {
        const batch = i + 1;
        t.ok(n <= 12 * Math.max(0, batch - 1), `batch ${batch}: ${n} offsets committed, none past what a durable checkpoint holds`);
      });
      t.equal(await committedOf(groupId), 60, "everything committed at the end");
    });
  }
});
