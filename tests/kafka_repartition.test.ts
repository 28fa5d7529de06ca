/**
 * repartitionThrough against a real broker: words read from any partition of a topic are
 * re-keyed through a repartition topic, each word to the partition Kafka's default
 * partitioner gives it, and read back in scale-out mode; the keyed count after it holds
 * only the words of the partitions this member owns, each counted once, and takes the
 * others over when the other member leaves.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Consumer } from "@platformatic/kafka";
import { some } from "fp-ts/lib/Option.js";
import { flatMap, foreachRDD, pipe, Seconds, updateStateByKey } from "../mod.ts";
import { createDirectStream, kafkaPartitionOf, repartitionThrough } from "../kafka.ts";
import { testContext } from "./_contexts.ts";
import { kafkaTests } from "./_kafka_broker.ts";

const realTime = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WORDS = ["apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel", "ivy", "juniper"];

kafkaTests("repartitionThrough on a real broker", async (t, broker) => {
  await t.test("re-keys a pair stream through a topic: each key in the partition that owns it, counted once", async (t) => {
    const lines = await broker.topic("lines", 3);
    const byWord = await broker.topic("by-word", 4);
    const groupId = `${byWord}-readers`;
    const store = await mkdtemp(join(tmpdir(), "dstreams-repartition-"));
    t.teardown(() => rm(store, { recursive: true, force: true }));
    // Lines land in partitions with no regard to their words.
    const text = Array.from({ length: 30 }, (_, i) => WORDS.slice(i % 7, (i % 7) + 4).join(" "));
    await broker.produce(lines, text.map((value, i) => ({ value, partition: i % 3 })));
    const expected = new Map<string, number>();
    for (const line of text) for (const w of line.split(" ")) expected.set(w, (expected.get(w) ?? 0) + 1);

    const other = new Consumer({ clientId: "other", groupId, bootstrapBrokers: [broker.brokers], sessionTimeout: 3000, rebalanceTimeout: 3000, heartbeatInterval: 200 });
    other.topics.trackAll(byWord);
    t.teardown(() => new Promise<void>((resolve) => other.close(true, () => resolve())));
    await other.joinGroup({});

    const { ssc, clock } = testContext();
    const input = createDirectStream(ssc, { brokers: broker.brokers, topics: [lines], groupId: `g-${lines}`, startingOffsets: "earliest" });
    const rekeyed = pipe(
      input,
      flatMap((r) => r.value!.split(" ").map((w) => [w, 1] as const)),
      repartitionThrough<string, number>({ brokers: broker.brokers, topic: byWord, scaleOut: { store, sessionTimeoutMs: 3000, heartbeatIntervalMs: 200 } }),
    );
    let counts = new Map<string, number>();
    pipe(
      rekeyed,
      updateStateByKey<string, number, number>((ones, total) => some((total._tag === "Some" ? total.value : 0) + ones.length)),
      foreachRDD((rdd) => void (counts = new Map(rdd.collect()))),
    );
    const placed: Array<[number, string]> = [];
    pipe(rekeyed.source, foreachRDD((rdd) => void placed.push(...rdd.collect().map((r) => [r.partition, r.key!] as [number, string]))));
    ssc.start();
    t.teardown(() => ssc.stop());
    const until = async (what: string, done: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !done(); i++) {
        await clock.advance(Seconds(1));
        if (!done()) await realTime(50);
      }
      t.ok(done(), what);
    };
    await until("this member owns half the repartition topic", () => rekeyed.source.partitions.length === 2);
    const mine = rekeyed.source.partitions;
    const owned = WORDS.filter((w) => mine.includes(kafkaPartitionOf(w, 4)));
    await until("the owned words are counted", () => owned.every((w) => counts.get(w) === expected.get(w)));
    await clock.advance(Seconds(1));
    t.same(new Map([...counts].sort()), new Map(owned.map((w) => [w, expected.get(w)!] as const).sort()), "only the owned partitions' words, each counted once");
    t.same(placed.filter(([p, w]) => p !== kafkaPartitionOf(w, 4)), [], "every word was written to the partition Kafka's default partitioner gives it");

    await new Promise<void>((resolve) => other.leaveGroup(true, () => resolve()));
    await until("the other partitions came over", () => rekeyed.source.partitions.length === 4);
    await until("every word counted", () => WORDS.every((w) => counts.get(w) === expected.get(w)));
    t.same(new Map([...counts].sort()), new Map([...expected].sort()), "all the words, each counted once");
  });
});
