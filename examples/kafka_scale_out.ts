/**
 * A running word count spread over several processes with a Kafka consumer group: every
 * process runs this same program with the same group. Lines are read in scale-out mode
 * (each process reads the partitions Kafka assigns it), split into words, re-keyed through
 * a repartition topic so that each word lives in one partition, and counted with
 * `updateStateByKey`, whose state is kept per partition in a shared store and moves with
 * its partition when a process joins, leaves or dies.
 *
 *   bash scripts/kafka/broker.sh start 9092 .kafka
 *   npx tsx examples/kafka_scale_out.ts 127.0.0.1:9092 lines --create --produce 20000 &
 *   npx tsx examples/kafka_scale_out.ts 127.0.0.1:9092 lines &     # a second process: the partitions split
 *   # Ctrl-C (or kill) either one: the other takes its partitions and their counts over.
 *
 * Options: [--store <dir>] (default .dstreams-scale-out, shared by the processes)
 * [--batches N] (stop after N batches) [--create] (topics `<topic>` and `<topic>-by-word`,
 * 4 partitions each) [--produce N] (write N lines first).
 */
import process from "node:process";
import { Admin, Producer, stringSerializers } from "@platformatic/kafka";
import { flatMap, foreachRDD, getOrElse, pipe, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";
import { createDirectStream, repartitionThrough } from "../kafka.ts";

const usage = "Usage: kafka_scale_out.ts <brokers> <topic> [--store <dir>] [--batches N] [--create] [--produce N]";
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !["--store", "--batches", "--produce"].includes(args[i - 1] ?? ""));
if (positional.length < 2) {
  console.error(usage);
  process.exit(1);
}
const [brokers, topic] = positional as [string, string];
const store = option("--store") ?? ".dstreams-scale-out";
const stopAfterBatches = Number(option("--batches") ?? Infinity);
const byWord = `${topic}-by-word`;

if (args.includes("--create")) {
  const admin = new Admin({ clientId: "scale-out-admin", bootstrapBrokers: brokers.split(",") });
  const existing = new Set(await admin.listTopics());
  const missing = [topic, byWord].filter((t) => !existing.has(t));
  if (missing.length > 0) await admin.createTopics({ topics: missing, partitions: 4, replicas: 1 });
  await admin.close();
}
const produce = Number(option("--produce") ?? 0);
if (produce > 0) {
  const producer = new Producer({ clientId: "scale-out-lines", bootstrapBrokers: brokers.split(","), serializers: stringSerializers, idempotent: true });
  const words = ["to", "be", "or", "not", "that", "is", "the", "question", "whether", "tis", "nobler"];
  const lines = Array.from({ length: produce }, (_, i) => Array.from({ length: 5 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "));
  for (let i = 0; i < lines.length; i += 1000) await producer.send({ messages: lines.slice(i, i + 1000).map((value) => ({ topic, value })) });
  await producer.close();
}

const ssc = new StreamingContext(new SparkContext({ appName: "KafkaScaleOut", logLevel: "INFO" }), Seconds(1));
const scaleOut = { store, sessionTimeoutMs: 6000 };
// The lines are not keyed: any process may read any line, so the words are re-keyed through a topic.
const lines = createDirectStream(ssc, { brokers, topics: [topic], groupId: `${topic}-lines`, startingOffsets: "earliest", scaleOut });
const words = pipe(
  lines,
  flatMap((record) => (record.value ?? "").split(" ").filter((w) => w !== "").map((w) => [w, 1] as const)),
  repartitionThrough<string, number>({ brokers, topic: byWord, scaleOut }),
);
const counts = pipe(words, updateStateByKey<string, number, number>((ones, total) => some(getOrElse(() => 0)(total) + ones.length)));
let batches = 0;
pipe(
  counts,
  foreachRDD(async (rdd, time) => {
    const top = rdd.collect().sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`${time} partitions ${words.source.partitions.join(",") || "none"}: ${top.map(([w, n]) => `${w}=${n}`).join(" ")}`);
    if (++batches >= stopAfterBatches) await ssc.stop({ stopGracefully: true });
  }),
);
ssc.start();
process.once("SIGINT", () => void ssc.stop({ stopGracefully: true }));
process.once("SIGTERM", () => void ssc.stop({ stopGracefully: true }));
await ssc.awaitTermination();
