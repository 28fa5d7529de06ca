/**
 * Connector throughput: records per second from each broker source to the PostgreSQL sink,
 * against the clients' raw rates in the same run (same servers, same records).
 *
 *   node --import ./bench/loader/register.mjs bench/workloads/connectors.ts [--records=N]
 *   npx tsx bench/workloads/connectors.ts --records=20000
 *
 * Starts nats-server -js, redis-server and PostgreSQL on 127.0.0.1 in temporary directories
 * (tests/_servers.ts), publishes N records (default 100 000, ~40 B each) to each broker,
 * then measures:
 * - raw consume: the client alone, in batches of 10 000 (`XREADGROUP`+`XACK`; JetStream
 *   `no_wait` pulls + one ack-all per batch);
 * - raw insert: `pg` alone, `INSERT … SELECT * FROM unnest(…)` per 10 000 rows;
 * - pipeline: `redisStream` / `jetStream` → `saveToPostgres` (upsert by id), batches of up
 *   to 10 000 on a manual clock, commit after each batch.
 * Not part of `npm run bench`'s table (that needs a line in bench/workloads/index.ts).
 */
import process from "node:process";
import pg from "pg";
import { createClient } from "redis";
import { connect, createInbox } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ManualClock, map, Seconds, SparkContext, StreamingContext, Time } from "../../mod.ts";
import { redisStream } from "../../redis.ts";
import { jetStream } from "../../nats.ts";
import { saveToPostgres } from "../../postgres.ts";
import { startNats, startPostgres, startRedis } from "../../tests/_servers.ts";

const N = Number(process.argv.find((a) => a.startsWith("--records="))?.split("=")[1] ?? 100_000);
const CHUNK = 10_000;
const rows: Array<[string, string]> = [];
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

const [redisServer, natsServer, pgServer] = await Promise.all([startRedis(), startNats(), startPostgres()]);
try {
  pgServer.psql("CREATE TABLE raw_rows (id text PRIMARY KEY, n integer); CREATE TABLE redis_rows (id text PRIMARY KEY, n integer); CREATE TABLE nats_rows (id text PRIMARY KEY, n integer)");

  // ---- Redis: fill two streams (one for the raw reader, one for the pipeline).
  const redis = createClient({ url: redisServer.url });
  await redis.connect();
  for (const key of ["raw", "pipe"]) {
    for (let i = 0; i < N; i += 1000) {
      const multi = redis.multi();
      for (let j = i; j < Math.min(N, i + 1000); j++) multi.addCommand(["XADD", key, "*", "n", String(j), "pad", "xxxxxxxxxxxxxxxx"]);
      await multi.exec();
    }
  }
  await redis.sendCommand(["XGROUP", "CREATE", "raw", "g", "0"]);
  let t0 = performance.now();
  let got = 0;
  while (got < N) {
    const reply = await redis.sendCommand(["XREADGROUP", "GROUP", "g", "c", "COUNT", String(CHUNK), "STREAMS", "raw", ">"]) as Record<string, Array<[string, string[]]>> | null;
    const entries = reply === null ? [] : Object.values(reply)[0] ?? [];
    if (entries.length === 0) break;
    got += entries.length;
    await redis.sendCommand(["XACK", "raw", "g", ...entries.map((e) => e[0])]);
  }
  rows.push(["redis raw XREADGROUP+XACK", `${rate(got, performance.now() - t0)} records/s`]);

  // ---- PostgreSQL raw insert.
  const pool = new pg.Pool({ connectionString: pgServer.connectionString });
  t0 = performance.now();
  for (let i = 0; i < N; i += CHUNK) {
    const ids: string[] = [];
    const ns: number[] = [];
    for (let j = i; j < Math.min(N, i + CHUNK); j++) {
      ids.push(`r${j}`);
      ns.push(j);
    }
    await pool.query("INSERT INTO raw_rows (id, n) SELECT * FROM unnest($1::text[], $2::integer[]) ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n", [ids, ns]);
  }
  rows.push(["pg raw unnest upsert", `${rate(N, performance.now() - t0)} rows/s`]);
  await pool.end();

  // ---- Redis → PostgreSQL.
  rows.push(["redisStream → saveToPostgres (upsert)", `${rate(N, await pipeline("redis"))} records/s`]);
  await redis.close();

  // ---- NATS: two streams.
  const nc = await connect({ servers: natsServer.servers });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  for (const name of ["RAW", "PIPE"]) {
    await jsm.streams.add({ name, subjects: [name.toLowerCase()] });
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < N; i++) {
      pending.push(js.publish(name.toLowerCase(), `{"n":${i},"pad":"xxxxxxxxxxxxxxxx"}`));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  }
  await jsm.consumers.add("RAW", { durable_name: "raw", ack_policy: AckPolicy.All, max_ack_pending: -1 });
  t0 = performance.now();
  got = 0;
  while (got < N) {
    const inbox = createInbox();
    const sub = nc.subscribe(inbox);
    nc.publish("$JS.API.CONSUMER.MSG.NEXT.RAW.raw", JSON.stringify({ batch: CHUNK, no_wait: true }), { reply: inbox });
    let last: string | undefined;
    let n = 0;
    for await (const m of sub) {
      if ((m.headers?.code ?? 0) !== 0 && m.data.length === 0) break;
      last = m.reply;
      if (++n >= CHUNK) break;
    }
    sub.unsubscribe();
    if (n === 0) break;
    got += n;
    await nc.request(last!, "+ACK");
  }
  rows.push(["nats raw pull+ack", `${rate(got, performance.now() - t0)} records/s`]);
  await nc.close();
  rows.push(["jetStream → saveToPostgres (upsert)", `${rate(N, await pipeline("nats"))} records/s`]);
} finally {
  await Promise.all([redisServer.stop(), natsServer.stop(), pgServer.stop()]);
}

console.log(`connectors, ${N} records (batches of up to ${CHUNK}):`);
for (const [what, figure] of rows) console.log(`  ${what.padEnd(40)} ${figure}`);

/** Milliseconds for a source → saveToPostgres pipeline to write all N records. */
async function pipeline(kind: "redis" | "nats"): Promise<number> {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench", logLevel: "WARN" }), Seconds(1), { clock });
  let commit: (t: Time) => Promise<void>;
  let records;
  if (kind === "redis") {
    const source = redisStream(ssc, { url: redisServer.url, stream: "pipe", group: "g", consumer: "c", maxPerBatch: CHUNK, backpressure: false });
    commit = (t) => source.input.commit(t);
    records = map((e: { id: string; fields: Readonly<Record<string, string>> }) => ({ id: e.id, n: Number(e.fields.n) }))(source.records);
  } else {
    const source = jetStream(ssc, { servers: natsServer.servers, stream: "PIPE", durable: "pipe", maxPerBatch: CHUNK, backpressure: false, decode: (m) => JSON.parse(m.text) as { n: number } });
    commit = (t) => source.input.commit(t);
    records = map((o: { n: number }) => ({ id: `n${o.n}`, n: o.n }))(source.records);
  }
  const sink = saveToPostgres(records, { table: `${kind}_rows`, keyColumns: ["id"], mode: "upsert", connection: pgServer.connectionString });
  ssc.start();
  const t0 = performance.now();
  for (let b = 1; sink.written < N && b < 10_000; b++) {
    await clock.advance(Seconds(1));
    await commit(new Time(b * 1000));
  }
  const ms = performance.now() - t0;
  await ssc.stop();
  await sink.close();
  return ms;
}
