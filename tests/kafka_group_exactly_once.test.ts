/**
 * Exactly-once under crashes with scale-out, in the shape of Kafka Streams' EOS system
 * test scaled to this machine: a producer writes 200 000 keyed records (key, per-key
 * sequence number) to a 6-partition topic while 3 worker processes, members of one
 * consumer group, keep per-key counts and the last sequence seen and upsert them into
 * PostgreSQL; each worker is killed with SIGKILL and restarted 3 times at random moments.
 * At the end every key's count equals its number of records, every key's sequence
 * advanced by exactly 1 at each step (Flink's SemanticsCheckMapper), and the table equals
 * the one a failure-free run (one worker, another group) writes. Prints the rebalance time
 * (a member hearing of a rebalance → its new assignment applied) and the processing pause
 * (per partition: the gap between its last batch under one owner and its first under the
 * next), p50/p99.
 *
 * Not run under Deno (listed in deno.json "test.exclude"): it spawns Node worker processes
 * through tsx and starts PostgreSQL, which the Deno test run does not provide.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Producer } from "@platformatic/kafka";
import pg from "pg";
import tap from "tap";
import { kafkaPartitionOf } from "../kafka.ts";
import { root } from "./_examples.ts";
import { kafkaTests } from "./_kafka_broker.ts";
import { startPostgres } from "./_servers.ts";

// The whole file: about 25 s of producing with kills, the drain, a failure-free run.
tap.setTimeout(170_000);

const PARTITIONS = 6;
const KEYS = 1000;
const PER_KEY = 200;
const WORKERS = 3;
const KILLS_PER_WORKER = 3;
const PRODUCE_MS = 25_000;

interface Event {
  readonly ev: string;
  readonly pid: number;
  readonly t?: number;
  readonly parts?: number[];
  readonly gen?: number;
  readonly startedAt?: number;
  readonly appliedAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

class Worker {
  child: ChildProcess | undefined;
  stderr = "";
  readonly args: ReadonlyArray<string>;
  readonly events: Event[];
  constructor(args: ReadonlyArray<string>, events: Event[]) {
    this.args = args;
    this.events = events;
  }
  start(): void {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/_kafka_group_worker.ts", ...this.args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let rest = "";
    child.stdout!.on("data", (d: Buffer) => {
      const lines = (rest + d.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.events.push(JSON.parse(line) as Event);
    });
    child.stderr!.on("data", (d: Buffer) => void (this.stderr += d.toString()));
    this.child = child;
  }
  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }
}

const rowsOf = async (pool: pg.Pool, table: string) =>
  (await pool.query<{ key: string; count: number; last: number; bad: number }>(`SELECT key, count, last, bad FROM ${table} ORDER BY key`)).rows;

kafkaTests("scale-out: 3 members killed with SIGKILL 3 times each keep exactly-once state", async (t, broker) => {
  const postgres = await startPostgres();
  t.teardown(() => postgres.stop());
  const pool = new pg.Pool({ connectionString: postgres.connectionString, max: 2 });
  t.teardown(() => pool.end());
  for (const table of ["eos_crashes", "eos_clean"]) await pool.query(`CREATE TABLE ${table} (key text PRIMARY KEY, count int NOT NULL, last int NOT NULL, bad int NOT NULL)`);
  const topic = await broker.topic("group-eos", PARTITIONS);
  const dir = await mkdtemp(join(tmpdir(), "dstreams-group-eos-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const events: Event[] = [];
  const workers = Array.from({ length: WORKERS }, () => new Worker([broker.brokers, topic, `eos-${topic}`, join(dir, "store"), postgres.connectionString, "eos_crashes", "2000"], events));
  t.teardown(() => Promise.all(workers.map((w) => w.kill("SIGKILL"))));
  for (const w of workers) w.start();

  // The producer: PER_KEY rounds over the keys, paced over PRODUCE_MS, each record in the partition Kafka's default partitioner gives its key.
  const producer = new Producer({ clientId: "eos-producer", bootstrapBrokers: [broker.brokers], idempotent: true, acks: -1 });
  t.teardown(() => producer.close());
  const keys = Array.from({ length: KEYS }, (_, k) => `key-${k}`);
  const partitionOf = keys.map((k) => kafkaPartitionOf(k, PARTITIONS));
  const producing = (async () => {
    const begin = Date.now();
    for (let seq = 1; seq <= PER_KEY; seq++) {
      await producer.send({ messages: keys.map((key, k) => ({ topic, key: Buffer.from(key), value: Buffer.from(String(seq)), partition: partitionOf[k]! })) });
      const due = begin + (seq / PER_KEY) * PRODUCE_MS;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();

  // Kills: each worker 3 times, at random moments while the producer writes; restarted at once.
  const kills: Array<{ at: number; worker: number }> = [];
  const plan = workers.flatMap((_, w) => Array.from({ length: KILLS_PER_WORKER }, () => ({ worker: w, at: 4000 + Math.random() * (PRODUCE_MS - 4000) }))).sort((a, b) => a.at - b.at);
  const started = Date.now();
  for (const { worker, at } of plan) {
    if (started + at > Date.now()) await sleep(started + at - Date.now());
    kills.push({ at: Date.now(), worker });
    await workers[worker]!.kill("SIGKILL");
    workers[worker]!.start();
  }
  await producing;
  t.pass(`produced ${KEYS * PER_KEY} records to ${PARTITIONS} partitions; ${kills.length} SIGKILLs`);

  // Done when every key reached its last sequence in the table.
  const deadline = Date.now() + 90_000;
  let rows = await rowsOf(pool, "eos_crashes");
  while (Date.now() < deadline && !(rows.length === KEYS && rows.every((r) => r.last === PER_KEY))) {
    await sleep(500);
    rows = await rowsOf(pool, "eos_crashes");
  }
  await Promise.all(workers.map((w) => w.kill("SIGTERM")));
  const wrong = rows.filter((r) => r.count !== PER_KEY || r.last !== PER_KEY || r.bad !== 0);
  t.equal(rows.length, KEYS, "every key in the table");
  t.same(wrong.slice(0, 5), [], `every key's count is ${PER_KEY} and its sequence advanced by exactly 1 at each step (${wrong.length} wrong)`);
  if (wrong.length > 0 || rows.length !== KEYS) t.comment(workers.map((w) => w.stderr).join("\n").slice(-3000));

  // A failure-free run over the same topic: one worker, its own group and store.
  const clean = new Worker([broker.brokers, topic, `clean-${topic}`, join(dir, "clean-store"), postgres.connectionString, "eos_clean", "2000"], []);
  t.teardown(() => clean.kill("SIGKILL"));
  clean.start();
  const cleanDeadline = Date.now() + 60_000;
  let cleanRows = await rowsOf(pool, "eos_clean");
  while (Date.now() < cleanDeadline && !(cleanRows.length === KEYS && cleanRows.every((r) => r.last === PER_KEY))) {
    await sleep(500);
    cleanRows = await rowsOf(pool, "eos_clean");
  }
  await clean.kill("SIGTERM");
  t.same(rows, cleanRows, "the table equals the failure-free run's");

  // Rebalance time per applied assignment (after the first ones), and per-partition processing pauses across owner changes.
  const rebalances = events.filter((e) => e.ev === "rebalance" && e.startedAt !== undefined && e.appliedAt !== undefined);
  const rebalanceMs = rebalances.map((e) => e.appliedAt! - e.startedAt!);
  const pauses: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const batches = events.filter((e) => e.ev === "batch" && e.parts!.includes(p)).sort((a, b) => a.t! - b.t!);
    for (let i = 1; i < batches.length; i++) {
      const [a, b] = [batches[i - 1]!, batches[i]!];
      if (a.pid !== b.pid || a.gen !== b.gen) pauses.push(b.t! - a.t!);
    }
  }
  const summary = `EOS: ${KEYS * PER_KEY} records, ${PARTITIONS} partitions, ${WORKERS} workers, ${kills.length} SIGKILLs (session timeout 2000 ms); ` +
    `rebalance time p50 ${percentile(rebalanceMs, 50)} ms p99 ${percentile(rebalanceMs, 99)} ms over ${rebalanceMs.length} assignments; ` +
    `processing pause p50 ${percentile(pauses, 50)} ms p99 ${percentile(pauses, 99)} ms over ${pauses.length} partition moves`;
  console.log(summary);
  t.comment(summary);
  t.ok(pauses.length >= kills.length, "partitions moved at least once per kill");
});
