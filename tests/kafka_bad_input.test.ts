/**
 * The Kafka source under bad input, each with a clear outcome and nothing skipped
 * silently: a broker unreachable at start and lost mid-run, an unknown topic, values that
 * do not decode (dead letters, counted), an offset out of range (an error naming the
 * partition and the policy), and a rebalance of the group during a batch.
 */
import * as t from "io-ts";
import { Consumer, stringDeserializers } from "@platformatic/kafka";
import { foreachRDD, pipe, Seconds } from "../mod.ts";
import { createDirectStream, jsonValues, type KafkaRecord } from "../kafka.ts";
import { testContext } from "./_contexts.ts";
import { type Broker, kafkaTests } from "./_kafka_broker.ts";

const errorsIn = (log: ReadonlyArray<string>): string[] => log.filter((line) => line.startsWith("ERROR"));

const values = (rdd: { collect(): ReadonlyArray<KafkaRecord> }) => rdd.collect().map((r) => r.value);

kafkaTests("the Kafka source under bad input", async (test, broker: Broker) => {
  await test.test("an unreachable broker at start fails each batch, saying which broker; nothing is read or committed", async (tt) => {
    const { ssc, clock, log } = testContext();
    const stream = createDirectStream(ssc, { brokers: "127.0.0.1:1", topics: ["nowhere"], groupId: "g-unreachable", timeoutMs: 500 });
    const batches: unknown[] = [];
    pipe(stream, foreachRDD((rdd) => void batches.push(rdd.collect())));
    ssc.start();
    tt.teardown(() => ssc.stop());
    const failed = ssc.awaitTermination();
    await clock.advance(Seconds(1));
    await tt.rejects(failed, /Kafka broker 127\.0\.0\.1:1 is unreachable .*start the broker or fix the brokers option/);
    tt.same(batches, [], "no batch ran");
    tt.match(errorsIn(log).join("\n"), /Error generating jobs for time 1000 ms: KafkaSourceError: Kafka broker 127\.0\.0\.1:1 is unreachable/);
  });

  await test.test("an unknown topic fails the batch naming the topic; once it exists, reading starts", async (tt) => {
    const { ssc, clock, log } = testContext();
    const name = `missing-${Date.now()}`;
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [name], groupId: `g-${name}`, startingOffsets: "earliest" });
    const batches: unknown[][] = [];
    pipe(stream, foreachRDD((rdd) => void batches.push(values(rdd))));
    ssc.start();
    tt.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    tt.match(errorsIn(log).join("\n"), new RegExp(`Kafka topic ${name} does not exist on ${broker.brokers}: create it`));
    tt.same(batches, []);
    await broker.admin.createTopics({ topics: [name], partitions: 1, replicas: 1 });
    await broker.produce(name, [{ value: "first" }]);
    await clock.advance(Seconds(1));
    tt.same(batches, [["first"]]);
  });

  await test.test("values that are not JSON or do not decode become dead letters, counted, with their position", async (tt) => {
    const topic = await broker.topic("json", 1);
    await broker.produce(topic, [{ value: '{"user":"ann","n":1}' }, { value: "{not json" }, { value: '{"user":"bob","n":"two"}' }, { value: '{"user":"cy","n":3}' }]);
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest" });
    const { valid, rejected, counts } = pipe(stream, jsonValues(t.type({ user: t.string, n: t.number })));
    const good: unknown[] = [];
    const dead: Array<[number, ReadonlyArray<string>]> = [];
    const tally: string[] = [];
    pipe(valid, foreachRDD((rdd) => void good.push(...rdd.collect().map((r) => [r.offset, r.value]))));
    pipe(rejected, foreachRDD((rdd) => void dead.push(...rdd.collect().map((d) => [d.raw.offset, d.errors] as [number, ReadonlyArray<string>]))));
    pipe(counts, foreachRDD((rdd) => void tally.push(...rdd.collect().map(String))));
    ssc.start();
    tt.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    tt.same(good, [[0, { user: "ann", n: 1 }], [3, { user: "cy", n: 3 }]]);
    tt.equal(dead.length, 2);
    tt.equal(dead[0]![0], 1);
    tt.match(dead[0]![1][0], new RegExp(`^Invalid JSON at ${topic}-0@1: `));
    tt.same(dead[1], [2, ['Expecting number at n but instead got: "two"']]);
    tt.same(tally, ["received 4, valid 2, rejected 2"]);
  });

  await test.test("an offset out of range fails naming the partition and the policy; \"earliest\" skips ahead and says how far", async (tt) => {
    const topic = await broker.topic("range", 1);
    await broker.produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })));
    // Retention deleted offsets 0–5.
    await broker.admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 6n }] }] });
    const strict = testContext();
    const failing = createDirectStream(strict.ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: { offsets: { [`${topic}-0`]: 2 } } });
    const none: unknown[] = [];
    pipe(failing, foreachRDD((rdd) => void none.push(...values(rdd))));
    strict.ssc.start();
    tt.teardown(() => strict.ssc.stop());
    await strict.clock.advance(Seconds(1));
    tt.match(
      errorsIn(strict.log).join("\n"),
      new RegExp(`Kafka partition ${topic}-0: offset 2 is out of range .*onOffsetOutOfRange is "fail": choose onOffsetOutOfRange "earliest" or "latest"`),
    );
    tt.same(none, []);
    await strict.ssc.stop();

    const lenient = testContext();
    const skipping = createDirectStream(lenient.ssc, {
      brokers: broker.brokers,
      topics: [topic],
      groupId: `g2-${topic}`,
      startingOffsets: { offsets: { [`${topic}-0`]: 2 } },
      onOffsetOutOfRange: "earliest",
    });
    const got: unknown[] = [];
    pipe(skipping, foreachRDD((rdd) => void got.push(...values(rdd))));
    lenient.ssc.start();
    tt.teardown(() => lenient.ssc.stop());
    await lenient.clock.advance(Seconds(1));
    tt.same(got, ["r6", "r7", "r8", "r9"]);
    tt.match(lenient.log.join("\n"), new RegExp(`WARN .*offsets out of range, moved \\(onOffsetOutOfRange "earliest"\\): ${topic}-0 from 2 to 6 \\(4 offsets skipped\\)`));
  });

  await test.test("a rebalance during a batch: the batch completes with its fixed ranges; the refused commit is reported, nothing skipped", async (tt) => {
    const topic = await broker.topic("rebalance", 2);
    const groupId = `g-${topic}`;
    await broker.produce(topic, [{ value: "a", partition: 0 }, { value: "b", partition: 1 }]);
    const { ssc, clock, log } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId, startingOffsets: "earliest" });
    const other = new Consumer({ clientId: "other", groupId, bootstrapBrokers: [broker.brokers], deserializers: stringDeserializers, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 });
    tt.teardown(() => other.close(true));
    const seen: unknown[][] = [];
    pipe(stream, foreachRDD(async (rdd) => {
      // Another consumer joins the same group while the batch runs: the group rebalances.
      if (seen.length === 0) await (await other.consume({ topics: [topic], mode: "committed", fallbackMode: "earliest" })).close();
      seen.push(values(rdd).sort());
    }));
    ssc.start();
    tt.teardown(() => ssc.stop());
    await clock.advance(Seconds(1));
    tt.same(seen, [["a", "b"]], "the batch read its ranges in full");
    const deadline = Date.now() + 5000;
    while (!log.some((l) => l.includes("refused the commit")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    tt.match(log.join("\n"), new RegExp(`WARN .*Kafka group ${groupId} refused the commit of .*the group has active members.*nothing is skipped`));
    await broker.produce(topic, [{ value: "c", partition: 0 }]);
    await clock.advance(Seconds(1));
    tt.same(seen[1], ["c"], "the stream goes on from its own positions");
  });
});

kafkaTests("a broker lost mid-run", async (test, broker: Broker) => {
  const topic = await broker.topic("lost", 1);
  await broker.produce(topic, [{ value: "before" }]);
  const { ssc, clock, log } = testContext();
  const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, startingOffsets: "earliest", timeoutMs: 1000 });
  const batches: unknown[][] = [];
  pipe(stream, foreachRDD((rdd) => void batches.push(values(rdd))));
  ssc.start();
  test.teardown(() => ssc.stop());
  await clock.advance(Seconds(1));
  test.same(batches, [["before"]]);
  await broker.kill!();
  await clock.advance(Seconds(1));
  test.match(errorsIn(log).join("\n"), /Error generating jobs for time 2000 ms: KafkaSourceError: Kafka broker .* is unreachable .*the next batch tries again from the same offsets/);
  test.same(batches, [["before"]], "the failed batch took nothing");
  await broker.restart!();
  await broker.produce(topic, [{ value: "after" }]);
  await clock.advance(Seconds(1));
  test.same(batches, [["before"], ["after"]], "back: on from the same offsets, nothing lost or read twice");
}, { own: true });
