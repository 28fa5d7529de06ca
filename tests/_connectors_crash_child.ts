/**
 * The child of tests/postgres_exactly_once_crash.test.ts: a source (Redis Streams or NATS
 * JetStream) written to PostgreSQL in "exactly-once" mode, with a checkpoint directory,
 * resumed with getOrCreate. Prints `ready` once started and `done` once the table holds
 * `expected` rows (then stops cleanly); `writing` once it sees rows it wrote (this run or an
 * earlier one).
 *
 *   node --import tsx tests/_connectors_crash_child.ts <redis|nats> <checkpointDir> <brokerUrl> <pgUrl> <table> <expected> <group>
 */
import process from "node:process";
import pg from "pg";
import { Milliseconds, SparkContext, StreamingContext } from "../mod.ts";
import { redisStream } from "../redis.ts";
import { jetStream } from "../nats.ts";
import { saveToPostgres } from "../postgres.ts";

const [kind, dir, broker, pgUrl, table, expectedText, group] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const expected = Number(expectedText);
const sc = new SparkContext({ appName: "crash", master: "local[2]", logLevel: "WARN" });
const ssc = await StreamingContext.getOrCreate(dir, () => {
  const ssc = new StreamingContext(sc, Milliseconds(100));
  ssc.checkpoint(dir);
  const records = kind === "redis"
    ? redisStream(ssc, { url: broker, stream: "crash", group, consumer: "c1", maxPerBatch: 25, backpressure: false, decode: (e) => Number(e.fields.n) }).records
    : jetStream(ssc, { servers: broker, stream: "CRASH", durable: group, maxPerBatch: 25, backpressure: false, decode: (m) => Number(m.text) }).records;
  saveToPostgres(records, { table, mode: "exactly-once", connection: pgUrl, query: table, row: (n, time) => ({ n, batch_ms: time.milliseconds }) });
  return ssc;
});
ssc.start();
console.log("ready");
const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
let writing = false;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  // The parent kills a while after this: mid-write even when a loaded machine starts slowly.
  if (!writing && Number(rows[0]!.n) > 0) {
    writing = true;
    console.log("writing");
  }
  if (Number(rows[0]!.n) >= expected) break;
}
// Bounded: the proof is the table; a stop that hangs is reported, not waited for.
const stopped = await Promise.race([ssc.stop().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000))]);
if (!stopped) console.error("ssc.stop() did not finish within 5 s");
await pool.end();
console.log("done");
process.exit(0);
