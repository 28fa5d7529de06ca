/**
 * Kafka scale-out: 1 vs 2 processes in one consumer group on a CPU-bound pipeline.
 * A 6-partition topic; each record costs about 240 µs of hashing in `map`, then a keyed
 * running count (`updateStateByKey`, its state per partition in the shared store). For each
 * contender (1 or 2 worker processes, started together, in a fresh group) the workers
 * join and split the partitions; then 30 000 records are produced and the time from the
 * first produce to the last record processed is the figure. Contenders are interleaved,
 * `ROUNDS` rounds each; the best round of each is compared (2 processes should be ≥ 1.6×
 * on 2 free cores). Needs a broker: `DSTREAMS_KAFKA_BROKERS` (or `scripts/kafka/broker.sh start`).
 *
 *   node --import tsx bench/workloads/kafka_group.ts            # the comparison
 *   (exported: runKafkaGroup / formatKafkaGroup, for bench/run.ts's scenarios)
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Admin, Producer } from "@platformatic/kafka";
import { some } from "fp-ts/lib/Option.js";
import { foreachRDD, map, Milliseconds, pipe, SparkContext, StreamingContext, updateStateByKey } from "../../mod.ts";
import { createDirectStream, kafkaPartitionOf } from "../../kafka.ts";

const PARTITIONS = 6;
const KEYS = 2000;
const WORK = 24_000; // hash rounds per record: about 240 µs on this machine

/** The CPU-bound step: a few thousand multiply-xor rounds over the value. */
const burn = (value: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < WORK; i++) h = Math.imul(h ^ value.charCodeAt(i % value.length), 16777619);
  return h >>> 0;
};

const runWorker = async ([brokers, topic, groupId, store]: ReadonlyArray<string>): Promise<void> => {
  const say = (event: Record<string, unknown>) => void process.stdout.write(`${JSON.stringify(event)}\n`);
  const ssc = new StreamingContext(new SparkContext({ appName: "kafka-group-bench", logLevel: "INFO", log: (line) => /WARN|ERROR|generation/.test(line) && console.error(`[worker ${process.pid}] ${line}`) }), Milliseconds(200));
  const stream = createDirectStream(ssc, {
    brokers: brokers!,
    topics: [topic!],
    groupId: groupId!,
    startingOffsets: "latest",
    maxRatePerPartition: 2_500,
    backpressure: false,
    scaleOut: { store: store!, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, onRebalance: (e) => say({ ev: "assigned", parts: e.partitions }) },
  });
  let records = 0;
  pipe(
    stream,
    map((r) => {
      records++;
      return [r.key!, burn(r.value!)] as const;
    }),
    updateStateByKey<string, number, number>((hashes, total) => some((total._tag === "Some" ? total.value : 0) + hashes.length)),
    foreachRDD((rdd) => {
      rdd.count();
      if (records > 0) say({ ev: "batch", n: records, t: Date.now() });
      records = 0;
    }),
  );
  ssc.start();
  // Bounded: a stop() that lands while a batch runs can stay pending (seen with the plain
  // direct stream too, in lib/context's shutdown); the store has every finished batch anyway.
  process.on("SIGTERM", () => void Promise.race([ssc.stop(), new Promise((r) => setTimeout(r, 3000))]).finally(() => process.exit(0)));
  await ssc.awaitTermination();
};

interface Round {
  readonly processes: number;
  readonly ms: number;
  readonly recordsPerSecond: number;
}

const here = fileURLToPath(import.meta.url);

const oneRound = async (brokers: string, processes: number, records: number, round: number, log: (line: string) => void): Promise<Round> => {
  const admin = new Admin({ clientId: "bench-admin", bootstrapBrokers: [brokers] });
  const topic = `bench-group-${process.pid}-${processes}-${round}-${Date.now().toString(36)}`;
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  await admin.close();
  const store = await mkdtemp(join(tmpdir(), "dstreams-bench-group-"));
  const owned = new Map<number, number[]>();
  let processed = 0;
  let lastAt = 0;
  const children = Array.from({ length: processes }, (_, i) => {
    const child = spawn(process.execPath, ["--import", "tsx", here, "--worker", brokers, topic, `bench-${topic}`, store], { stdio: ["ignore", "pipe", "inherit"] });
    let rest = "";
    child.stdout.on("data", (d: Buffer) => {
      const lines = (rest + d.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const e = JSON.parse(line) as { ev: string; parts?: number[]; n?: number; t?: number };
        if (e.ev === "assigned") owned.set(i, e.parts!);
        if (e.ev === "batch") {
          processed += e.n!;
          lastAt = Math.max(lastAt, e.t!);
        }
      }
    });
    return child;
  });
  try {
    const split = () => owned.size === processes && [...owned.values()].every((p) => p.length === PARTITIONS / processes);
    for (let i = 0; i < 600 && !split(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!split()) throw new Error(`the ${processes} workers did not split the ${PARTITIONS} partitions within 60 s`);
    log(`[kafka-group] ${processes} process(es) joined: ${[...owned.values()].map((p) => `[${p.join(",")}]`).join(" ")}`);
    await new Promise((r) => setTimeout(r, 1000)); // every worker past its first empty batches
    const producer = new Producer({ clientId: "bench-producer", bootstrapBrokers: [brokers], acks: 1 });
    const keys = Array.from({ length: KEYS }, (_, k) => `key-${k}`);
    const start = Date.now();
    for (let i = 0; i < records; i += 5000) {
      await producer.send({
        messages: Array.from({ length: Math.min(5000, records - i) }, (_, j) => {
          const key = keys[(i + j) % KEYS]!;
          return { topic, key: Buffer.from(key), value: Buffer.from(`value-${i + j}-${key}`), partition: kafkaPartitionOf(key, PARTITIONS) };
        }),
      });
    }
    await producer.close();
    log(`[kafka-group] produced ${records} records in ${Date.now() - start} ms`);
    for (let i = 0; i < 3000 && processed < records; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (i % 50 === 49) log(`[kafka-group] ${processed} of ${records} processed`);
    }
    if (processed !== records) throw new Error(`${processes} workers processed ${processed} of ${records} records`);
    const ms = lastAt - start;
    return { processes, ms, recordsPerSecond: Math.round((records / ms) * 1000) };
  } finally {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    })));
    await rm(store, { recursive: true, force: true });
  }
};

/** Rounds of 1 and 2 processes, interleaved; the best of each. */
export const runKafkaGroup = async (options: { readonly brokers: string; readonly records?: number; readonly rounds?: number; readonly log?: (line: string) => void }) => {
  const records = options.records ?? Number(process.env.KAFKA_GROUP_RECORDS ?? 30_000);
  const rounds: Round[] = [];
  const load = loadavg()[0]!;
  for (let r = 0; r < (options.rounds ?? 2); r++) {
    for (const processes of [1, 2]) {
      const round = await oneRound(options.brokers, processes, records, r, options.log ?? (() => undefined));
      options.log?.(`[kafka-group] round ${r + 1}: ${processes} process(es): ${round.ms} ms, ${round.recordsPerSecond} records/s (load ${loadavg()[0]!.toFixed(2)})`);
      rounds.push(round);
    }
  }
  const best = (n: number) => rounds.filter((r) => r.processes === n).reduce((a, b) => (b.ms < a.ms ? b : a));
  const one = best(1);
  const two = best(2);
  return { records, rounds, one, two, speedup: one.ms / two.ms, loadAverage: { start: load, end: loadavg()[0]! } };
};

export const formatKafkaGroup = (result: Awaited<ReturnType<typeof runKafkaGroup>>): string =>
  `Kafka scale-out, ${result.records.toLocaleString("en")} records over ${PARTITIONS} partitions, ~240 µs CPU per record, keyed counts: ` +
  `1 process ${result.one.ms} ms (${result.one.recordsPerSecond}/s), 2 processes ${result.two.ms} ms (${result.two.recordsPerSecond}/s): ` +
  `${result.speedup.toFixed(2)}× (target ≥ 1.6×; load average ${result.loadAverage.start.toFixed(2)} → ${result.loadAverage.end.toFixed(2)})`;

if (process.argv[1] === here) {
  if (process.argv[2] === "--worker") await runWorker(process.argv.slice(3));
  else {
    const brokers = process.env.DSTREAMS_KAFKA_BROKERS;
    if (brokers === undefined) {
      console.error("Set DSTREAMS_KAFKA_BROKERS=host:port (a broker: scripts/kafka/broker.sh start)");
      process.exit(2);
    }
    const result = await runKafkaGroup({ brokers, log: (line) => console.error(line) });
    console.log(formatKafkaGroup(result));
  }
}
