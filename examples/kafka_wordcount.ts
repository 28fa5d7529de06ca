/**
 * The course notebook's word count, reading its lines from a Kafka topic (Spark's
 * DirectKafkaWordCount): one offset range per partition per batch, the group's offsets
 * committed after each batch, the counts printed and, with --out, written to a topic.
 *
 *   bash scripts/kafka/broker.sh start 9092 .kafka      # a local broker (Java 17, mvn)
 *   npx tsx examples/kafka_wordcount.ts 127.0.0.1:9092 lines --create --demo-lines
 *   npx deno run -A examples/kafka_wordcount.ts 127.0.0.1:9092 lines [groupId] [--out counts] [--batches N]
 *   bash scripts/kafka/broker.sh stop .kafka
 *
 * --create makes the topics (2 partitions) if missing; --demo-lines writes a few lines of
 * the notebook's text to the topic before starting. Ctrl-C stops the job cleanly.
 */
import process from "node:process";
import { Admin, Producer, stringSerializers } from "@platformatic/kafka";
import { flatMap, map, pipe, pprint, reduceByKey, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { createDirectStream, saveToKafka } from "../kafka.ts";
import { runUntilStopped } from "./_run.ts";

const usage = "Usage: kafka_wordcount.ts <brokers> <topic> [groupId] [--out <topic>] [--batches N] [--create] [--demo-lines]";
const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !["--out", "--batches"].includes(args[i - 1] ?? ""));
if (positional.length < 2) {
  console.error(usage);
  process.exit(1);
}
const [brokers, topic, groupId = "kafka-wordcount"] = positional as [string, string, string?];
const out = option("--out");
const stopAfterBatches = Number(option("--batches") ?? Infinity);

if (flag("--create")) {
  const admin = new Admin({ clientId: "kafka-wordcount-admin", bootstrapBrokers: brokers.split(",") });
  const existing = new Set(await admin.listTopics());
  const missing = [topic, ...(out === undefined ? [] : [out])].filter((t) => !existing.has(t));
  if (missing.length > 0) await admin.createTopics({ topics: missing, partitions: 2, replicas: 1 });
  await admin.close();
}
if (flag("--demo-lines")) {
  const producer = new Producer({ clientId: "kafka-wordcount-lines", bootstrapBrokers: brokers.split(","), serializers: stringSerializers, idempotent: true });
  const lines = ["to be or not to be", "that is the question", "whether tis nobler in the mind to suffer"];
  await producer.send({ messages: lines.map((value) => ({ topic, value })) });
  await producer.close();
}

const sc = new SparkContext({ appName: "KafkaWordCount", master: "local[2]" });
const ssc = new StreamingContext(sc, Seconds(1));

// "earliest": a new group reads the topic from its start; a known group goes on from its commits.
const lines = createDirectStream(ssc, { brokers, topics: [topic], groupId, startingOffsets: "earliest" });
const counts = pipe(
  lines,
  flatMap((record) => (record.value ?? "").split(" ").filter((w) => w !== "")),
  map((word) => [word, 1] as const),
  reduceByKey((a, b) => a + b),
);
pipe(counts, pprint());
if (out !== undefined) pipe(counts, saveToKafka({ brokers, topic: out, key: ([word]) => word, value: ([, n]) => String(n) }));

// Stops after --batches or on Ctrl-C; rejects if a batch failed.
await runUntilStopped(ssc, { stopAfterBatches });
