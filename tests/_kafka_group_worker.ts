/**
 * The worker of tests/kafka_group_exactly_once.test.ts: one member of a consumer group in
 * scale-out mode, keeping per key how many records it saw, the last sequence number and
 * every step where the sequence did not advance by exactly 1 (Flink's
 * SemanticsCheckMapper), and upserting each batch's changed keys into PostgreSQL. The
 * upsert is idempotent and monotone (a row moves only forward in its sequence), so a
 * batch replayed after a crash, or the last batch of a member that lost its partition
 * in a rebalance, never moves a row back.
 *
 * Prints one JSON line per event: `{"ev":"ready"}`, `{"ev":"rebalance",…}` per applied
 * assignment, `{"ev":"batch","t":…,"parts":[…]}` per batch with records. SIGTERM stops it.
 *
 *   node --import tsx tests/_kafka_group_worker.ts <brokers> <topic> <groupId> <store> <pgUrl> <table> [sessionMs]
 */
import process from "node:process";
import pg from "pg";
import { foreachRDD, map, Milliseconds, type Option, pipe, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";
import { createDirectStream } from "../kafka.ts";

const [brokers, topic, groupId, store, pgUrl, table, sessionArg] = process.argv.slice(2) as [string, string, string, string, string, string, string | undefined];
const sessionTimeoutMs = Number(sessionArg ?? 2000);

interface Seen {
  readonly count: number;
  readonly last: number;
  readonly bad: number;
}

const step = (seqs: ReadonlyArray<number>, state: Option<Seen>): Option<Seen> => {
  if (seqs.length === 0 && state._tag === "Some") return state;
  let { count, last, bad } = state._tag === "Some" ? state.value : { count: 0, last: 0, bad: 0 };
  for (const seq of seqs) {
    if (seq !== last + 1) bad++;
    last = seq;
    count++;
  }
  return some({ count, last, bad });
};

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
const ssc = new StreamingContext(new SparkContext({ appName: "kafka-group-eos", defaultParallelism: 2, log: () => {} }), Milliseconds(200));
const stream = createDirectStream(ssc, {
  brokers,
  topics: [topic],
  groupId,
  startingOffsets: "earliest",
  maxRatePerPartition: 20_000,
  scaleOut: {
    store,
    sessionTimeoutMs,
    heartbeatIntervalMs: Math.floor(sessionTimeoutMs / 5),
    onRebalance: (e) => say({ ev: "rebalance", pid: process.pid, gen: e.generation, parts: e.partitions, gained: e.gained, lost: e.lost, startedAt: e.startedAt, appliedAt: e.appliedAt }),
  },
});
const changed = new Set<string>();
pipe(
  stream,
  foreachRDD((rdd) => {
    const parts = [...new Set(rdd.collect().map((r) => r.partition))].sort();
    if (parts.length > 0) say({ ev: "batch", pid: process.pid, t: Date.now(), parts, gen: stream.generation });
  }),
);
const state = pipe(
  stream,
  map((r) => {
    changed.add(r.key!);
    return [r.key!, Number(r.value)] as const;
  }),
  updateStateByKey<string, number, Seen>(step),
);
pipe(
  state,
  foreachRDD(async (rdd) => {
    if (changed.size === 0) return;
    const rows = rdd.collect().filter(([k]) => changed.has(k));
    changed.clear();
    if (rows.length === 0) return;
    await pool.query(
      `INSERT INTO ${table} (key, count, last, bad) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[])
       ON CONFLICT (key) DO UPDATE SET count = excluded.count, last = excluded.last, bad = excluded.bad WHERE ${table}.last < excluded.last`,
      [rows.map(([k]) => k), rows.map(([, s]) => s.count), rows.map(([, s]) => s.last), rows.map(([, s]) => s.bad)],
    );
  }),
);
ssc.start();
say({ ev: "ready", pid: process.pid });
process.on("SIGTERM", () => {
  // Bounded: a stop() that lands while a batch runs can stay pending (lib/context's shutdown).
  void Promise.race([ssc.stop(), new Promise((r) => setTimeout(r, 3000))]).finally(() => process.exit(0));
});
await ssc.awaitTermination().catch((error: Error) => {
  process.stderr.write(`worker failed: ${error.message}\n`);
  process.exit(1);
});
