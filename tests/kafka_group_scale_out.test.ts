/**
 * createDirectStream's scale-out mode against a real broker: the stream joins the group
 * as a member; a second member (a plain client in the same group) takes half the
 * partitions and the stream gives up their state, written to the shared store; when the
 * second member leaves, the stream loads that state back and goes on from the stored
 * offsets. Also the refusals: windows, ssc.checkpoint, a key in a partition that does not own it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Consumer } from "@platformatic/kafka";
import { some } from "fp-ts/lib/Option.js";
import { foreachRDD, map, mapWithState, type Option, pipe, Seconds, type State, StateSpec, stateSnapshots, updateStateByKey, window } from "../mod.ts";
import { createDirectStream, kafkaPartitionOf } from "../kafka.ts";
import { PartitionStore } from "../lib/kafka/_partition_store.ts";
import { testContext } from "./_contexts.ts";
import { kafkaTests } from "./_kafka_broker.ts";

const PARTITIONS = 4;
const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);
const keyed = (perKey: number) => KEYS.flatMap((key) => Array.from({ length: perKey }, () => ({ key, value: "1", partition: kafkaPartitionOf(key, PARTITIONS) })));
const realTime = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

kafkaTests("createDirectStream with scaleOut on a real broker", async (t, broker) => {
  await t.test("partitions move between members and their state moves with them", async (t) => {
    const topic = await broker.topic("scale", PARTITIONS);
    const groupId = `g-${topic}`;
    const store = await mkdtemp(join(tmpdir(), "dstreams-scale-"));
    t.teardown(() => rm(store, { recursive: true, force: true }));
    await broker.produce(topic, keyed(4));
    const { ssc, clock } = testContext();
    const events: Array<{ partitions: ReadonlyArray<number>; gained: ReadonlyArray<number>; lost: ReadonlyArray<number> }> = [];
    const stream = createDirectStream(ssc, {
      brokers: broker.brokers,
      topics: [topic],
      groupId,
      startingOffsets: "earliest",
      scaleOut: { store, sessionTimeoutMs: 3000, heartbeatIntervalMs: 200, onRebalance: (e) => void events.push(e) },
    });
    let latest = new Map<string, number>();
    pipe(
      stream,
      map((r) => [r.key!, 1] as const),
      updateStateByKey<string, number, number>((values, state) => some((state._tag === "Some" ? state.value : 0) + values.length)),
      foreachRDD((rdd) => void (latest = new Map(rdd.collect()))),
    );
    // A second stateful node below the same stream: mapWithState's state moves too.
    let sums = new Map<string, number>();
    pipe(
      stream,
      map((r) => [r.key!, 1] as const),
      mapWithState(StateSpec.function((key: string, one: Option<number>, state: State<number>) => {
        state.update((state.exists() ? state.get() : 0) + (one._tag === "Some" ? one.value : 0));
        return key;
      })),
      stateSnapshots(),
      foreachRDD((rdd) => void (sums = new Map(rdd.collect()))),
    );
    ssc.start();
    t.teardown(() => ssc.stop());
    /** Advances batch by batch (waiting a little real time between) until `done`. */
    const until = async (what: string, done: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !done(); i++) {
        await clock.advance(Seconds(1));
        if (!done()) await realTime(50);
      }
      if (!done()) t.fail(`timed out waiting until ${what}`);
    };
    await until("the first assignment", () => stream.partitions.length === PARTITIONS);
    await clock.advance(Seconds(1));
    t.same(stream.partitions, [0, 1, 2, 3], "alone in the group: every partition");
    t.same(new Map(KEYS.map((k) => [k, 4])), latest, "every key counted");

    const other = new Consumer({ clientId: "other", groupId, bootstrapBrokers: [broker.brokers], sessionTimeout: 3000, rebalanceTimeout: 3000, heartbeatInterval: 200 });
    other.topics.trackAll(topic);
    t.teardown(() => new Promise<void>((resolve) => other.close(true, () => resolve())));
    let otherPartitions: number[] = [];
    other.on("consumer:group:join", (e: { assignments: Array<{ partitions: number[] }> | null }) => void (otherPartitions = (e.assignments ?? []).flatMap((a) => a.partitions)));
    void other.joinGroup({});
    await until("a second member took half", () => stream.partitions.length === PARTITIONS / 2 && otherPartitions.length === PARTITIONS / 2);
    const mine = new Set(stream.partitions);
    t.same([...mine, ...otherPartitions].sort(), [0, 1, 2, 3], "the two members share the partitions");
    await clock.advance(Seconds(1));
    const owned = KEYS.filter((k) => mine.has(kafkaPartitionOf(k, PARTITIONS)));
    t.same([...latest.keys()].sort(), owned.sort(), "the state holds only the keys of the partitions owned");
    const files = new PartitionStore(store, groupId);
    for (const p of otherPartitions) {
      const file = (await files.read(topic, p))!;
      const inPartition = KEYS.filter((k) => kafkaPartitionOf(k, PARTITIONS) === p);
      t.equal(file.offset, inPartition.length * 4, `partition ${p}'s file: its next offset`);
      t.equal(Object.keys(file.state).length, 2, "both stateful nodes in the file");
      for (const entries of Object.values(file.state)) t.same(entries.map(([k, s]) => [k, s]).sort(), inPartition.map((k) => [k, 4]).sort(), `partition ${p}'s file: its keys' state`);
    }

    await broker.produce(topic, keyed(2));
    await clock.advance(Seconds(1));
    await clock.advance(Seconds(1));
    t.same([...latest].filter(([k]) => mine.has(kafkaPartitionOf(k, PARTITIONS))).map(([, n]) => n), owned.map(() => 6), "owned keys go on");

    await new Promise<void>((resolve) => other.leaveGroup(true, () => resolve()));
    await until("the partitions came back", () => stream.partitions.length === PARTITIONS);
    await clock.advance(Seconds(1));
    await clock.advance(Seconds(1));
    t.same(new Map(KEYS.map((k) => [k, 6])), latest, "regained partitions: state loaded from the store, then their new records counted once");
    t.same(new Map([...sums].sort()), new Map(KEYS.map((k) => [k, 6] as const).sort()), "mapWithState's state too");
    t.ok(events.length >= 3, `three assignments applied (${events.map((e) => `[${e.partitions.join(",")}]`).join(" ")})`);
  });

  await t.test("a key whose records sit in a partition that does not own it is an error naming the fixes", async (t) => {
    const topic = await broker.topic("misplaced", PARTITIONS);
    const groupId = `g-${topic}`;
    const store = await mkdtemp(join(tmpdir(), "dstreams-scale-"));
    t.teardown(() => rm(store, { recursive: true, force: true }));
    // Another member first, so that this one owns only some partitions.
    const other = new Consumer({ clientId: "other", groupId, bootstrapBrokers: [broker.brokers], sessionTimeout: 3000, rebalanceTimeout: 3000, heartbeatInterval: 200 });
    other.topics.trackAll(topic);
    t.teardown(() => new Promise<void>((resolve) => other.close(true, () => resolve())));
    await other.joinGroup({});
    const { ssc, clock } = testContext();
    const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId, startingOffsets: "earliest", scaleOut: { store, sessionTimeoutMs: 3000, heartbeatIntervalMs: 200 } });
    pipe(
      stream,
      map((r) => [r.key!, 1] as const),
      updateStateByKey<string, number, number>((values, state) => some((state._tag === "Some" ? state.value : 0) + values.length)),
      foreachRDD(() => undefined),
    );
    ssc.start();
    t.teardown(() => ssc.stop().catch(() => undefined));
    const failed = ssc.awaitTermination().then(() => undefined, (error: Error) => error);
    for (let i = 0; i < 200 && stream.partitions.length !== PARTITIONS / 2; i++) {
      await clock.advance(Seconds(1));
      await realTime(50);
    }
    const mine = stream.partitions;
    t.equal(mine.length, PARTITIONS / 2, `owns ${mine.join(", ")}`);
    // A producer that placed a key by hand in a partition of this member, though the key belongs to the other's.
    const wrong = KEYS.find((k) => !mine.includes(kafkaPartitionOf(k, PARTITIONS)))!;
    await broker.produce(topic, [{ key: wrong, value: "1", partition: mine[0]! }]);
    await clock.advance(Seconds(1));
    await clock.advance(Seconds(1));
    const error = await Promise.race([failed, realTime(5000).then(() => undefined)]);
    t.match(error?.message, new RegExp(`key "${wrong}", which belongs to partition ${topic}-${kafkaPartitionOf(wrong, PARTITIONS)}[\\s\\S]*Kafka's default partitioner[\\s\\S]*repartitionThrough`));
  });

  await t.test("windows and ssc.checkpoint are refused at start", async (t) => {
    const topic = await broker.topic("refuse", 2);
    const store = await mkdtemp(join(tmpdir(), "dstreams-scale-"));
    t.teardown(() => rm(store, { recursive: true, force: true }));
    {
      const { ssc } = testContext();
      const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g-${topic}`, scaleOut: { store } });
      pipe(stream, window(Seconds(3)), foreachRDD(() => undefined));
      t.throws(() => ssc.start(), /windows are not supported in scale-out mode/);
    }
    {
      const { ssc } = testContext();
      ssc.checkpoint(join(store, "local"));
      const stream = createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: `g2-${topic}`, scaleOut: { store } });
      pipe(stream, foreachRDD(() => undefined));
      t.throws(() => ssc.start(), /remove the ssc.checkpoint call/);
    }
    {
      const { ssc } = testContext();
      t.throws(() => createDirectStream(ssc, { brokers: broker.brokers, topics: [topic, "other"], groupId: "g", scaleOut: { store } }), /exactly one topic/);
      t.throws(() => createDirectStream(ssc, { brokers: broker.brokers, topics: [topic], groupId: "g", scaleOut: { store, sessionTimeoutMs: 5000, rebalanceTimeoutMs: 1000 } }), /at least sessionTimeoutMs/);
    }
  });
});
