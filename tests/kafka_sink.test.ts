/**
 * saveToKafka against a real broker: batches written with the idempotent producer, keys
 * and headers kept, one transaction per batch with `transactional`, the producer closed
 * when the context stops, and a word count from a topic to a topic end to end.
 */
import { foreachRDD, pipe, reduceByKey, Seconds } from "../mod.ts";
import { flatMap, map } from "../mod.ts";
import { createDirectStream, headerText, type KafkaRecord, saveToKafka } from "../kafka.ts";
import { testContext } from "./_contexts.ts";
import { type Broker, kafkaTests } from "./_kafka_broker.ts";
import { blocksOf, runExample } from "./_examples.ts";

/** Everything in `topic`, read with a fresh direct stream. */
const readAll = async (broker: Broker, topic: string): Promise<KafkaRecord[]> => {
  const { ssc, clock } = testContext();
  const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `reader-${topic}-${Date.now()}`, startingOffsets: "earliest", autoCommit: false });
  const out: KafkaRecord[] = [];
  pipe(stream, foreachRDD((rdd) => void out.push(...rdd.collect())));
  ssc.start();
  await clock.advance(Seconds(1));
  await ssc.stop();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
};

kafkaTests("saveToKafka on a real broker", async (test, broker) => {
  await test.test("writes every batch, with keys and headers; the batch completes once the broker has them", async (t) => {
    const topic = await broker.topic("sink", 1);
    const { ssc, clock } = testContext();
    const input = ssc.queueStream([[{ id: "a", n: 1 }, { id: "b", n: 2 }], [{ id: "a", n: 3 }]]);
    const sink = pipe(input, saveToKafka<{ id: string; n: number }>({
      brokers: broker.brokers,
      topic,
      key: (r) => r.id,
      value: (r) => JSON.stringify(r),
      headers: (r) => ({ source: `test-${r.n}` }),
    }));
    ssc.start();
    await clock.advance(Seconds(1));
    t.equal(sink.written, 2, "batch 1 acknowledged when its output completed");
    await clock.advance(Seconds(1));
    await ssc.stop();
    const got = await readAll(broker, topic);
    t.same(got.map((r) => [r.key, r.value]), [["a", '{"id":"a","n":1}'], ["b", '{"id":"b","n":2}'], ["a", '{"id":"a","n":3}']]);
    t.equal(headerText(got[2]!, "source"), "test-3");
  });

  await test.test("transactional: one transaction per batch; offsets have gaps for the commit markers and the reader skips them", async (t) => {
    const topic = await broker.topic("sink-tx", 1);
    const { ssc, clock } = testContext();
    const input = ssc.queueStream([["x", "y"], ["z"]]);
    const sink = pipe(input, saveToKafka<string>({ brokers: broker.brokers, topic, value: (v) => v, transactional: { transactionalId: `tx-${topic}` } }));
    ssc.start();
    await clock.advance(Seconds(2));
    await ssc.stop();
    t.equal(sink.written, 3);
    const got = await readAll(broker, topic);
    t.same(got.map((r) => [r.offset, r.value]), [[0, "x"], [1, "y"], [3, "z"]], "offset 2 is batch 1's commit marker");
  });

  await test.test("word count from a topic to a topic", async (t) => {
    const lines = await broker.topic("lines", 2);
    const counts = await broker.topic("counts", 1);
    await broker.produce(lines, [{ value: "to be or", partition: 0 }, { value: "not to be", partition: 1 }]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [lines], groupId: `wc-${lines}`, startingOffsets: "earliest" });
    const wordCounts = pipe(
      stream,
      flatMap((r: KafkaRecord) => (r.value ?? "").split(" ")),
      map((w: string) => [w, 1] as const),
      reduceByKey((a: number, b: number) => a + b),
    );
    pipe(wordCounts, saveToKafka<readonly [string, number]>({ brokers: broker.brokers, topic: counts, key: ([w]) => w, value: ([, n]) => String(n) }));
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
    const got = await readAll(broker, counts);
    t.same(Object.fromEntries(got.map((r) => [r.key, Number(r.value)])), { to: 2, be: 2, or: 1, not: 1 });
  });

  await test.test("examples/kafka_wordcount.ts counts the words of a topic and writes them to another", async (t) => {
    const lines = `example-lines-${Date.now()}`;
    const out = `example-counts-${Date.now()}`;
    const result = await runExample(["examples/kafka_wordcount.ts", broker.brokers, lines, `g-${lines}`, "--out", out, "--create", "--demo-lines", "--batches", "1"]);
    t.equal(result.code, 0, result.stderr);
    const block = blocksOf(result.stdout)[0] ?? "";
    t.match(block, /\(to,3\)/);
    t.match(block, /\(be,2\)/);
    const written = await readAll(broker, out);
    t.equal(written.find((r) => r.key === "to")?.value, "3");
  });
});
