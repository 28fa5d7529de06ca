/**
 * NATS JetStream → PostgreSQL, exactly once: orders (JSON on subject `orders`) read through
 * the durable consumer "totals", summed per customer per batch, and written with
 * `saveToPostgres` in "exactly-once" mode: each batch and partition in one transaction with
 * its progress row, so a batch generated again after a crash is not written twice. Orders
 * that are not valid JSON become dead letters.
 *
 *   npx tsx examples/nats_to_postgres.ts --demo     # temporary nats-server -js and PostgreSQL, 3 batches
 *   NATS_SERVERS=127.0.0.1:4222 PG_URL=postgres://app:secret@127.0.0.1:5432/app npx tsx examples/nats_to_postgres.ts
 *   npx deno run -A examples/nats_to_postgres.ts --demo
 */
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pg from "pg";
import { foreachRDD, ManualClock, map, pipe, reduceByKey, Seconds, SparkContext, StreamingContext, SystemClock } from "../mod.ts";
import { jetStream } from "../nats.ts";
import { saveToPostgres } from "../postgres.ts";
import { runUntilStopped } from "./_run.ts";

interface Order {
  readonly customer: string;
  readonly amount: number;
}

const demo = process.argv.includes("--demo");
let servers = process.env.NATS_SERVERS ?? "127.0.0.1:4222";
let pgUrl = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const cleanups: Array<() => Promise<void>> = [];

if (demo) {
  const { startNats, startPostgres } = await import("../tests/_servers.ts");
  const [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  cleanups.push(() => nats.stop(), () => postgres.stop());
  servers = nats.servers;
  pgUrl = postgres.connectionString;
  const nc = await connect({ servers });
  await (await jetstreamManager(nc)).streams.add({ name: "ORDERS", subjects: ["orders"] });
  const js = jetstream(nc);
  const orders = [["ada", 12], ["bob", 5], ["ada", 30], ["cy", 7], ["bob", 1]] as const;
  for (const [customer, amount] of orders) await js.publish("orders", JSON.stringify({ customer, amount }));
  await js.publish("orders", "{not json");
  await nc.close();
}

// The table the totals go to (the example creates it; usually it exists already).
const admin = new pg.Pool({ connectionString: pgUrl, max: 1 });
await admin.query("CREATE TABLE IF NOT EXISTS order_totals (batch_ms bigint NOT NULL, customer text NOT NULL, total numeric NOT NULL)");

const clock = demo ? new ManualClock() : new SystemClock();
const ssc = new StreamingContext(new SparkContext({ appName: "NatsToPostgres" }), Seconds(1), { clock });
const { records, deadLetters } = jetStream<Order>(ssc, {
  servers,
  stream: "ORDERS",
  durable: "totals",
  maxPerBatch: 3,
  decode: (m) => JSON.parse(m.text) as Order,
});
const totals = pipe(
  records,
  map((o: Order) => [o.customer, o.amount] as const),
  reduceByKey((a: number, b: number) => a + b),
);
const sink = saveToPostgres(totals, {
  table: "order_totals",
  mode: "exactly-once",
  row: ([customer, total], time) => ({ batch_ms: time.milliseconds, customer, total }),
  connection: pgUrl,
});
pipe(deadLetters, foreachRDD((rdd) => rdd.collect().forEach((letter) => console.log(`dead letter: ${letter}`))));

if (demo && clock instanceof ManualClock) {
  ssc.start();
  for (let i = 0; i < 3; i++) await clock.advance(Seconds(1));
  await ssc.stop();
} else {
  await runUntilStopped(ssc);
}
await sink.close();
const { rows } = await admin.query<{ batch_ms: string; customer: string; total: string }>("SELECT batch_ms, customer, total FROM order_totals ORDER BY batch_ms, customer");
console.log("order_totals:");
for (const r of rows) console.log(`  batch ${r.batch_ms} ms  ${r.customer.padEnd(4)} ${r.total}`);
console.log(`written ${sink.written}, rejected ${sink.rejected}`);
await admin.end();
for (const c of cleanups) await c();
