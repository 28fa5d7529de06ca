/**
 * Kafka throughput (issue 11): Kafka → word count → sink, records per second end to end,
 * against the client's raw consume rate in the same run, with 100 B and 4 KB messages.
 * Part of `npm run bench` as the `kafka` scenario (bench/workloads/_broker_scenario.ts):
 * `--only=kafka`, or `--only=kafka-100b` / `--only=kafka-4kb`.
 *
 * The broker is `DSTREAMS_KAFKA_BROKERS`, else one started on a free loopback port with
 * scripts/kafka/broker.sh (Java 17+ and Maven). Each workload writes N messages of lines
 * of Zipf words (bench/_data.ts's vocabulary) to a fresh 2-partition topic once; every run
 * reads all of them again from the earliest offsets through a fresh consumer group:
 * - hand loop: `@platformatic/kafka`'s `Consumer.consume()` stream, as its docs show, values
 *   left as the `Buffer`s fetched (no decoding), no commits: the raw consume rate. It
 *   checks it got every offset of both partitions and the bytes written, then hands the
 *   input's word counts (computed untimed in `prepare`) so its row compares with the others.
 * - tuned loop: the same consumer, plus the word count by hand over the same records (UTF-8
 *   decode, then the word count workload's tuned loop, `countBatchTuned`: words cut with
 *   indexOf/slice into a `Map`, one per batch of the pipeline's size): the
 *   cost of decoding and tokenizing is a floor under any word count, so this row is the
 *   highest ratio a word count can reach against the raw rate.
 * - dstreams: `createDirectStream` (batches of `perBatch` records: `maxRatePerPartition`
 *   at 1 s batches, backpressure off) → `flatMap(split)` → `map([w, 1])` →
 *   `reduceByKey(+)` → each batch's counts collected (`rdd.collect()`), on a manual clock
 *   advanced as soon as a batch is done; the context commits the offsets after each batch.
 * Each run times itself from its consumer's start to the last record counted; the per-batch
 * counts are merged afterwards (untimed) and handed to the sink, so every row is checked.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Admin, Consumer, Producer, stringSerializers } from "@platformatic/kafka";
import { flatMap, foreachRDD, ManualClock, map, pipe, reduceByKey, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import { createDirectStream, offsetRanges } from "../../kafka.ts";
import { hashString, mix, Prng, Zipf } from "../_data.ts";
import type { Mode, RunExtras, Workload } from "../harness.ts";
import { countBatchTuned, size, theVocabulary, type WordCount, wordCountDigest, wordCountLight } from "./_common.ts";

const PARTITIONS = 2;

interface Broker {
  readonly brokers: string;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL("../../scripts/kafka/broker.sh", import.meta.url));

const portPairFree = async (port: number): Promise<boolean> => {
  const free = (p: number) => new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(p, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  return (await free(port)) && (await free(port + 1));
};

const brokerScript = (args: string[]): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    execFile("bash", [script, ...args], { timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, output: `${stdout}${stderr}` });
    });
  });

/** `DSTREAMS_KAFKA_BROKERS`, or a broker started here (stopped by `stop`). */
export const kafkaBroker = async (): Promise<Broker> => {
  const given = process.env["DSTREAMS_KAFKA_BROKERS"];
  if (given !== undefined && given !== "") return { brokers: given, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "dstreams-bench-kafka-"));
  let port = 0;
  for (let i = 0; i < 50 && port === 0; i++) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    if (await portPairFree(p)) port = p;
  }
  const { code, output } = port === 0 ? { code: 1, output: "no two free loopback ports" } : await brokerScript(["start", String(port), dir]);
  if (code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `cannot start a Kafka broker on 127.0.0.1 (scripts/kafka/broker.sh start ${port}: ${output.trim().split("\n").slice(-3).join(" | ")}): install Java 17+ and Maven, or set DSTREAMS_KAFKA_BROKERS=host:port`,
    );
  }
  const pid = Number(await readFile(join(dir, "broker.pid"), "utf8"));
  const kill = () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  };
  process.on("exit", kill);
  return {
    brokers: `127.0.0.1:${port}`,
    async stop() {
      await brokerScript(["stop", dir]);
      process.off("exit", kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
};

interface KafkaInput {
  readonly broker: Broker;
  readonly topic: string;
  readonly records: number;
  readonly bytes: number;
  /** Records per batch (the pipeline's and the tuned loop's). */
  readonly perBatch: number;
  /** Every message's word counts together (computed once, untimed). */
  readonly totals: ReadonlyArray<WordCount>;
  readonly fingerprint: string;
  /** A fresh group id per run. */
  next(): string;
}

/** Distinct messages of about `bytes` bytes: Zipf words joined by spaces. */
const messagePool = (count: number, bytes: number): string[] => {
  const vocab = theVocabulary();
  const prng = new Prng(20_261_202 + bytes);
  const zipf = new Zipf(vocab.length);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const words: string[] = [];
    let length = -1;
    while (length + 1 < bytes) {
      const w = vocab[zipf.sample(prng)]!;
      if (length + 1 + w.length > bytes && words.length > 0) break;
      words.push(w);
      length += 1 + w.length;
    }
    out.push(words.join(" "));
  }
  return out;
};

/** Per-batch counts merged into one array (after a run, untimed). */
const merged = (batches: ReadonlyArray<ReadonlyArray<WordCount>>): WordCount[] => {
  const all = new Map<string, number>();
  for (const b of batches) for (const [w, n] of b) all.set(w, (all.get(w) ?? 0) + n);
  return Array.from(all);
};

const unavailable = { unavailable: "not measured: the Kafka throughput ratio is a dstreams figure (the raw consumer and the hand word count are the comparison)" };

const consumerOf = (input: KafkaInput) =>
  new Consumer({ clientId: "dstreams-bench", bootstrapBrokers: input.broker.brokers.split(","), groupId: input.next(), autocommit: false });

const kafkaWordCount = (id: string, title: string, messageBytes: number, full: number, perBatch: number): Workload<KafkaInput, WordCount> => ({
  id,
  title,
  unit: "records",
  runs: 5,
  warmups: 1,
  digest: wordCountDigest,
  light: wordCountLight,
  async prepare(mode: Mode): Promise<KafkaInput> {
    const records = size(mode, full, 400);
    const batch = mode.quick ? 100 : perBatch;
    const pool = messagePool(Math.min(records, 2_000), messageBytes);
    const broker = await kafkaBroker();
    const list = broker.brokers.split(",");
    const topic = `bench-${id}-${process.pid}-${Date.now().toString(36)}`;
    const admin = new Admin({ clientId: "dstreams-bench-admin", bootstrapBrokers: list, retries: 5, retryDelay: 200 });
    const producer = new Producer({ clientId: "dstreams-bench-producer", bootstrapBrokers: list, serializers: stringSerializers, retries: 5, retryDelay: 200 });
    try {
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
      const chunk = Math.max(1, Math.floor((1 << 20) / messageBytes));
      for (let i = 0; i < records; i += chunk) {
        const messages = [];
        for (let j = i; j < Math.min(records, i + chunk); j++) messages.push({ topic, value: pool[j % pool.length]!, partition: j % PARTITIONS });
        await producer.send({ messages });
      }
    } catch (error) {
      await broker.stop();
      throw new Error(`cannot write the bench's topic to Kafka at ${broker.brokers} (${(error as Error).message}): is a broker running there? (DSTREAMS_KAFKA_BROKERS names it; unset, one is started with scripts/kafka/broker.sh)`, { cause: error });
    } finally {
      await Promise.all([admin.close().catch(() => {}), producer.close().catch(() => {})]);
    }
    const all: string[] = [];
    let bytes = 0;
    let h = 0;
    for (let j = 0; j < records; j++) {
      const m = pool[j % pool.length]!;
      all.push(m);
      bytes += Buffer.byteLength(m);
      if (j < pool.length) h = mix(h, hashString(m));
    }
    let run = 0;
    return {
      broker,
      topic,
      records,
      bytes,
      perBatch: batch,
      totals: Array.from(countBatchTuned(all)),
      fingerprint: `${records} × ${messageBytes} B, ${bytes} bytes, pool ${h.toString(16)}`,
      next: () => `bench-${topic}-${++run}`,
    };
  },
  dispose: (input) => input.broker.stop(),
  records: (input) => input.records,
  fingerprint: (input) => input.fingerprint,
  contenders: {
    "hand loop": async (input, sink): Promise<RunExtras> => {
      const consumer = consumerOf(input);
      const stream = await consumer.consume({ topics: [input.topic], mode: "earliest", autocommit: false, maxWaitTime: 100 });
      const t0 = performance.now();
      const seen = new Array<number>(PARTITIONS).fill(0);
      let n = 0;
      let bytes = 0;
      for await (const m of stream) {
        // Offsets come in order per partition: each one once.
        if (Number(m.offset) !== seen[m.partition]) throw new Error(`partition ${m.partition}: offset ${m.offset} where ${seen[m.partition]} was due`);
        seen[m.partition]!++;
        bytes += (m.value as Buffer).length;
        if (++n >= input.records) break;
      }
      const ms = performance.now() - t0;
      await stream.close();
      await consumer.close(true);
      if (bytes !== input.bytes) throw new Error(`the raw consumer read ${bytes} bytes of ${input.bytes}`);
      sink(input.totals);
      return { elapsedMs: ms };
    },
    "tuned loop": async (input, sink): Promise<RunExtras> => {
      const consumer = consumerOf(input);
      const stream = await consumer.consume({ topics: [input.topic], mode: "earliest", autocommit: false, maxWaitTime: 100 });
      const t0 = performance.now();
      const batches: WordCount[][] = [];
      let lines: string[] = [];
      let n = 0;
      for await (const m of stream) {
        lines.push((m.value as Buffer).toString("utf8"));
        if (++n % input.perBatch === 0 || n >= input.records) {
          // The word count workload's tuned loop: words cut with indexOf/slice into a Map.
          batches.push(Array.from(countBatchTuned(lines)));
          lines = [];
        }
        if (n >= input.records) break;
      }
      const ms = performance.now() - t0;
      await stream.close();
      await consumer.close(true);
      sink(merged(batches));
      return { elapsedMs: ms };
    },
    dstreams: async (input, sink): Promise<RunExtras> => {
      const clock = new ManualClock();
      const ssc = new StreamingContext(new SparkContext({ appName: "bench-kafka", logLevel: "WARN" }), Seconds(1), { clock });
      const stream = createDirectStream(ssc, {
        brokers: input.broker.brokers,
        topics: [input.topic],
        groupId: input.next(),
        startingOffsets: "earliest",
        maxRatePerPartition: Math.ceil(input.perBatch / PARTITIONS),
        backpressure: false,
      });
      const batches: Array<ReadonlyArray<WordCount>> = [];
      let counted = 0;
      // How far the batches got, from their offset ranges (no pass over the records).
      pipe(stream, foreachRDD((rdd) => void (counted += offsetRanges(rdd).reduce((n, r) => n + r.untilOffset - r.fromOffset, 0))));
      pipe(
        stream,
        flatMap((r: { value: string | null }) => (r.value === null ? [] : r.value.split(" "))),
        map((w: string) => [w, 1] as const),
        reduceByKey((a: number, b: number) => a + b),
        foreachRDD((rdd) => void batches.push(rdd.collect())),
      );
      const t0 = performance.now();
      ssc.start();
      for (let b = 0; counted < input.records && b < 4 * Math.ceil(input.records / input.perBatch) + 20; b++) await clock.advance(Seconds(1));
      const ms = performance.now() - t0;
      await ssc.stop();
      sink(merged(batches));
      return { elapsedMs: ms };
    },
    RxJS: unavailable,
    Effect: unavailable,
  },
});

export const kafka100B = kafkaWordCount("kafka-100b", "K1. Kafka → word count, 100 B", 100, 200_000, 20_000);
export const kafka4KB = kafkaWordCount("kafka-4kb", "K2. Kafka → word count, 4 KB", 4096, 20_000, 2_000);
