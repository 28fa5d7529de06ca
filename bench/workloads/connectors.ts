/**
 * Connector throughput (issue 13): records per second from a broker source to the
 * PostgreSQL sink, against the broker client's raw consume rate in the same run. Part of
 * `npm run bench` as the `connectors` scenario (bench/workloads/_broker_scenario.ts):
 * `--only=connectors`, or `--only=connectors-nats` / `--only=connectors-redis`.
 *
 * Each workload starts its servers on 127.0.0.1 in temporary directories (tests/_servers.ts:
 * nats-server -js or redis-server, and PostgreSQL), writes N records (≈ 40 B each) to the
 * broker once, and every run reads all of them again through a fresh consumer (a new
 * JetStream durable / Redis consumer group from the stream's start) into an emptied table:
 * - hand loop: the client's raw consume rate, written as its docs recommend: JetStream's
 *   `consume()` (pull requests kept ahead of the reader) with one ack per 10,000 messages
 *   (ack policy "all"); Redis `XREADGROUP COUNT 10000` with the batch's `XACK` pipelined
 *   with the next read. No sink: this is the rate the pipeline is compared with.
 * - tuned loop: the same pipeline by hand with the clients: a batch of 10,000 read, one
 *   `INSERT … SELECT * FROM unnest(…) ON CONFLICT … DO UPDATE` per batch, then the ack:
 *   the limit for a pipeline with this sink.
 * - dstreams: `jetStream` / `redisStream` → `map` → `saveToPostgres` (upsert), batches of up
 *   to 10,000 on a manual clock advanced as soon as a batch is done; the context commits
 *   (acks) after each batch.
 * Each run times itself from creating its clients to the last record written (acked, for
 * the raw consumer); then hands the sink the record numbers it consumed (hand loop) or
 * finds in the table (the others), so every row is checked to hold every record once.
 */
import pg from "pg";
import { createClient } from "redis";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ManualClock, map, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import { redisStream } from "../../redis.ts";
import { jetStream } from "../../nats.ts";
import { saveToPostgres } from "../../postgres.ts";
import { type NatsServer, type PostgresServer, type RedisServer, startNats, startPostgres, startRedis } from "../../tests/_servers.ts";
import { mix } from "../_data.ts";
import type { Mode, RunExtras, Workload } from "../harness.ts";
import { size } from "./_common.ts";

/** Records per batch in every contender. */
export const CHUNK = 10_000;
const PAD = "xxxxxxxxxxxxxxxx";
const UPSERT = (table: string) => `INSERT INTO ${table} (n, pad) SELECT * FROM unnest($1::integer[], $2::text[]) ON CONFLICT (n) DO UPDATE SET pad = EXCLUDED.pad`;

interface Servers<B> {
  readonly broker: B;
  readonly postgres: PostgresServer;
  readonly records: number;
  /** Fresh consumer names, one per run. */
  next(): number;
}

/** Starts the broker and PostgreSQL; a server that cannot start stops the other and says which. */
const startBoth = async <B extends { stop(): Promise<void> }>(what: string, start: () => Promise<B>): Promise<{ broker: B; postgres: PostgresServer }> => {
  const [broker, postgres] = await Promise.allSettled([start(), startPostgres()]);
  if (broker.status === "fulfilled" && postgres.status === "fulfilled") return { broker: broker.value, postgres: postgres.value };
  if (broker.status === "fulfilled") await broker.value.stop();
  if (postgres.status === "fulfilled") await postgres.value.stop();
  const reasons = [broker.status === "rejected" ? `${what}: ${(broker.reason as Error)?.message ?? broker.reason}` : "", postgres.status === "rejected" ? `PostgreSQL: ${(postgres.reason as Error)?.message ?? postgres.reason}` : ""];
  throw new Error(`cannot start the servers on 127.0.0.1 (${reasons.filter((r) => r !== "").join("; ")})`);
};

/** Starts the servers, creates the table, writes `records` records to the broker with `fill`. */
const prepareServers = async <B extends { stop(): Promise<void> }>(
  mode: Mode,
  what: string,
  start: () => Promise<B>,
  fill: (broker: B, records: number) => Promise<void>,
): Promise<Servers<B>> => {
  const records = size(mode, 100_000, 2_000);
  const { broker, postgres } = await startBoth(what, start);
  try {
    postgres.psql(`CREATE TABLE ${TABLE} (n integer PRIMARY KEY, pad text)`);
    await fill(broker, records);
  } catch (error) {
    await Promise.all([broker.stop(), postgres.stop()]);
    throw error;
  }
  let run = 0;
  return { broker, postgres, records, next: () => ++run };
};

/**
 * A run that writes into the table: emptied first, `run` times itself (ms), then the
 * table's record numbers go to the sink.
 */
const intoTable = async (s: Servers<unknown>, sink: (records: ReadonlyArray<number>) => void, run: () => Promise<number>): Promise<RunExtras> => {
  const pool = new pg.Pool({ connectionString: s.postgres.connectionString });
  try {
    await pool.query(`TRUNCATE ${TABLE}`);
    const ms = await run();
    sink((await pool.query<{ n: number }>(`SELECT n FROM ${TABLE}`)).rows.map((r) => r.n));
    return { elapsedMs: ms };
  } finally {
    await pool.end();
  }
};

/** The table emptied before a run, read back after it. */
const TABLE = "bench_rows";

const digest = (n: number): number => mix(n, 0x9e37);

const common = {
  unit: "records",
  runs: 5,
  warmups: 1,
  digest,
  light: (n: number) => n,
  dispose: async ({ broker, postgres }: Servers<{ stop(): Promise<void> }>) => void (await Promise.all([broker.stop(), postgres.stop()])),
  records: (s: Servers<unknown>) => s.records,
};

/** A dstreams pipeline on a manual clock, advanced until the sink has written `n` records; ms from start to then. */
const runPipeline = async (
  build: (ssc: StreamingContext) => { readonly written: number; close(): Promise<void> },
  n: number,
): Promise<number> => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench-connectors", logLevel: "WARN" }), Seconds(1), { clock });
  const t0 = performance.now();
  const sink = build(ssc);
  ssc.start();
  // A bound on batches, in case records go missing: the check then fails instead of hanging.
  for (let b = 0; sink.written < n && b < 4 * Math.ceil(n / CHUNK) + 20; b++) await clock.advance(Seconds(1));
  const ms = performance.now() - t0;
  await ssc.stop();
  await sink.close();
  return ms;
};

const unavailable = (what: string) => ({ unavailable: `not measured: ${what} is a connector figure (the raw client and a hand-written pipeline are the comparison)` });

// -------------------------------------------------------------------------------------
// NATS JetStream → PostgreSQL
// -------------------------------------------------------------------------------------

const STREAM = "BENCH";

export const natsToPostgres: Workload<Servers<NatsServer>, number> = {
  ...common,
  id: "connectors-nats",
  title: "C1. NATS → PostgreSQL",
  prepare: (mode: Mode) =>
    prepareServers(mode, "nats-server -js", () => startNats(), async (broker, records) => {
      const nc = await connect({ servers: broker.servers });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: STREAM, subjects: ["bench"] });
        const js = jetstream(nc);
        const pending: Array<Promise<unknown>> = [];
        for (let i = 0; i < records; i++) {
          pending.push(js.publish("bench", `{"n":${i},"pad":"${PAD}"}`));
          if (pending.length >= 1000) await Promise.all(pending.splice(0));
        }
        await Promise.all(pending);
      } finally {
        await nc.close();
      }
    }),
  fingerprint: (s) => `${s.records} JetStream messages`,
  contenders: {
    "hand loop": async (s, sink): Promise<RunExtras> => {
      const durable = `raw${s.next()}`;
      const t0 = performance.now();
      const nc = await connect({ servers: s.broker.servers });
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add(STREAM, { durable_name: durable, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: -1 });
      const consumer = await jetstream(nc).consumers.get(STREAM, durable);
      const messages = await consumer.consume({ max_messages: CHUNK });
      const got: number[] = [];
      for await (const m of messages) {
        got.push(m.seq - 1);
        // Ack policy "all": one ack covers everything before it.
        if (got.length % CHUNK === 0 || got.length === s.records) await m.ackAck();
        if (got.length >= s.records) break;
      }
      await messages.close();
      const ms = performance.now() - t0;
      await nc.close();
      sink(got);
      return { elapsedMs: ms };
    },
    "tuned loop": (s, sink) => intoTable(s, sink, async () => {
      const durable = `hand${s.next()}`;
      const pool = new pg.Pool({ connectionString: s.postgres.connectionString });
      const t0 = performance.now();
      const nc = await connect({ servers: s.broker.servers });
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add(STREAM, { durable_name: durable, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: -1 });
      const consumer = await jetstream(nc).consumers.get(STREAM, durable);
      let done = 0;
      while (done < s.records) {
        const batch = await consumer.fetch({ max_messages: Math.min(CHUNK, s.records - done), expires: 2000 });
        const ns: number[] = [];
        const pads: string[] = [];
        let last;
        for await (const m of batch) {
          const o = m.json<{ n: number; pad: string }>();
          ns.push(o.n);
          pads.push(o.pad);
          last = m;
        }
        if (last === undefined) break;
        await pool.query(UPSERT(TABLE), [ns, pads]);
        await last.ackAck();
        done += ns.length;
      }
      const ms = performance.now() - t0;
      await Promise.all([nc.close(), pool.end()]);
      return ms;
    }),
    dstreams: (s, sink) => intoTable(s, sink, () => {
      const durable = `pipe${s.next()}`;
      return runPipeline((ssc) => {
        const source = jetStream(ssc, {
          servers: s.broker.servers,
          stream: STREAM,
          durable,
          maxPerBatch: CHUNK,
          backpressure: false,
          decode: (m) => JSON.parse(m.text) as { n: number; pad: string },
        });
        return saveToPostgres(source.records, { table: TABLE, keyColumns: ["n"], mode: "upsert", connection: s.postgres.connectionString });
      }, s.records);
    }),
    RxJS: unavailable("NATS → PostgreSQL"),
    Effect: unavailable("NATS → PostgreSQL"),
  },
};

// -------------------------------------------------------------------------------------
// Redis Streams → PostgreSQL
// -------------------------------------------------------------------------------------

const KEY = "bench";

/** The one call of node-redis's client the loops make (raw commands, as RESP gives replies). */
interface RedisClient {
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>;
}

/** XREADGROUP's reply as RESP gives it: `[[key, [[id, [field, value, …]], …]]]` or a map (RESP3). */
const entriesOf = (reply: unknown): Array<[string, string[]]> => {
  if (reply === null || reply === undefined) return [];
  const streams = Array.isArray(reply) ? reply.map((s) => (s as [string, unknown])[1]) : Object.values(reply as Record<string, unknown>);
  return (streams[0] ?? []) as Array<[string, string[]]>;
};

const readGroup = async (client: RedisClient, group: string, count: number): Promise<Array<[string, string[]]>> =>
  entriesOf(await client.sendCommand(["XREADGROUP", "GROUP", group, "c", "COUNT", String(count), "STREAMS", KEY, ">"]));

export const redisToPostgres: Workload<Servers<RedisServer>, number> = {
  ...common,
  id: "connectors-redis",
  title: "C2. Redis → PostgreSQL",
  prepare: (mode: Mode) =>
    prepareServers(mode, "redis-server", () => startRedis(), async (broker, records) => {
      const client = createClient({ url: broker.url });
      await client.connect();
      try {
        for (let i = 0; i < records; i += 1000) {
          const multi = client.multi();
          for (let j = i; j < Math.min(records, i + 1000); j++) multi.addCommand(["XADD", KEY, "*", "n", String(j), "pad", PAD]);
          await multi.exec();
        }
      } finally {
        await client.close();
      }
    }),
  fingerprint: (s) => `${s.records} stream entries`,
  contenders: {
    "hand loop": async (s, sink): Promise<RunExtras> => {
      const group = `raw${s.next()}`;
      const t0 = performance.now();
      const client = createClient({ url: s.broker.url });
      await client.connect();
      await client.sendCommand(["XGROUP", "CREATE", KEY, group, "0"]);
      const got: number[] = [];
      const acks: Array<Promise<unknown>> = [];
      while (got.length < s.records) {
        const entries = await readGroup(client, group, CHUNK);
        if (entries.length === 0) break;
        for (const [, fields] of entries) got.push(Number(fields[1]));
        // Pipelined: the XACK goes out with the next XREADGROUP, one round trip for both.
        acks.push(client.sendCommand(["XACK", KEY, group, ...entries.map((e) => e[0])]));
      }
      await Promise.all(acks);
      const ms = performance.now() - t0;
      await client.close();
      sink(got);
      return { elapsedMs: ms };
    },
    "tuned loop": (s, sink) => intoTable(s, sink, async () => {
      const group = `hand${s.next()}`;
      const pool = new pg.Pool({ connectionString: s.postgres.connectionString });
      const t0 = performance.now();
      const client = createClient({ url: s.broker.url });
      await client.connect();
      await client.sendCommand(["XGROUP", "CREATE", KEY, group, "0"]);
      let done = 0;
      while (done < s.records) {
        const entries = await readGroup(client, group, CHUNK);
        if (entries.length === 0) break;
        const ns: number[] = [];
        const pads: string[] = [];
        for (const [, fields] of entries) {
          ns.push(Number(fields[1]));
          pads.push(fields[3]!);
        }
        await pool.query(UPSERT(TABLE), [ns, pads]);
        await client.sendCommand(["XACK", KEY, group, ...entries.map((e) => e[0])]);
        done += entries.length;
      }
      const ms = performance.now() - t0;
      await Promise.all([client.close(), pool.end()]);
      return ms;
    }),
    dstreams: (s, sink) => intoTable(s, sink, () => {
      const group = `pipe${s.next()}`;
      return runPipeline((ssc) => {
        const source = redisStream(ssc, { url: s.broker.url, stream: KEY, group, consumer: "c", maxPerBatch: CHUNK, backpressure: false });
        const rows = map((e: { fields: Readonly<Record<string, string>> }) => ({ n: Number(e.fields.n), pad: e.fields.pad }))(source.records);
        return saveToPostgres(rows, { table: TABLE, keyColumns: ["n"], mode: "upsert", connection: s.postgres.connectionString });
      }, s.records);
    }),
    RxJS: unavailable("Redis → PostgreSQL"),
    Effect: unavailable("Redis → PostgreSQL"),
  },
};
