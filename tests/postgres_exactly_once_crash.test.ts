/**
 * Exactly once across crashes: for each source (Redis Streams, NATS JetStream) the consuming
 * process writes to PostgreSQL in "exactly-once" mode, with a checkpoint directory, and is
 * killed with SIGKILL three times at random moments, restarted with getOrCreate each time,
 * then left to finish. The table (no key: a duplicate would show) must equal a failure-free
 * run's: every record once, none lost.
 */
import t from "tap";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { runAndKill } from "./_crash.ts";
import { run } from "./_examples.ts";
import { startNats, startPostgres, startRedis } from "./_servers.ts";

const N = 1500;
const CHILD = "tests/_connectors_crash_child.ts";
const [pgServer, redisServer, natsServer] = await Promise.all([startPostgres(), startRedis(), startNats()]);
t.teardown(() => Promise.all([pgServer.stop(), redisServer.stop(), natsServer.stop()]));

const redis = createClient({ url: redisServer.url });
await redis.connect();
for (let i = 0; i < N; i++) await redis.sendCommand(["XADD", "crash", "*", "n", String(i)]);
await redis.close();
const nc = await connect({ servers: natsServer.servers });
await (await jetstreamManager(nc)).streams.add({ name: "CRASH", subjects: ["crash"] });
const js = jetstream(nc);
for (let i = 0; i < N; i++) await js.publish("crash", String(i));
await nc.close();

const tableOf = (table: string): string[] => pgServer.psql(`SELECT n FROM ${table} ORDER BY n`).split("\n").filter((l) => l !== "");
const countOf = (table: string): number => Number(pgServer.psql(`SELECT count(*) FROM ${table}`).trim());

/** Runs the child to the end: it stops once the table holds N rows. */
const finish = async (args: string[]) => {
  const result = await run("node", ["--import", "tsx", CHILD, ...args]);
  if (result.code !== 0 || !result.stdout.includes("done")) throw new Error(`the child did not finish (code ${result.code}): ${result.stderr}`);
};

for (const kind of ["redis", "nats"] as const) {
  t.test(`${kind}: killed with SIGKILL 3 times while writing to PostgreSQL exactly once, the table equals a failure-free run's`, { timeout: 180_000 }, async (t) => {
    const broker = kind === "redis" ? redisServer.url : natsServer.servers;
    const clean = `clean_${kind}`;
    const crashed = `crashed_${kind}`;
    pgServer.psql(`CREATE TABLE ${clean} (n integer, batch_ms bigint); CREATE TABLE ${crashed} (n integer, batch_ms bigint)`);
    const dirs = [mkdtempSync(join(tmpdir(), "dstreams-crash-")), mkdtempSync(join(tmpdir(), "dstreams-crash-"))];
    t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    await finish([kind, dirs[0]!, broker, pgServer.connectionString, clean, String(N), "clean"]);
    const expected = tableOf(clean);
    t.equal(expected.length, N);

    const args = [kind, dirs[1]!, broker, pgServer.connectionString, crashed, String(N), "crashed"];
    const progress: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      // Killed 0–700 ms after it sees rows in the table: it writes 25 rows per 100 ms batch, so mid-run.
      const killed = await runAndKill(CHILD, args, { minMs: 0, maxMs: 700, after: "writing" });
      t.notOk(killed.lines.includes("done"), `killed before it finished (after ${killed.killedAfterMs} ms)`);
      progress.push(countOf(crashed));
    }
    t.comment(`rows after each kill: ${progress.join(", ")}`);
    t.ok(progress[2]! > 0 && progress[0]! < N, `the kills came while it wrote (rows after each kill: ${progress.join(", ")})`);
    await finish(args);
    const got = tableOf(crashed);
    t.equal(got.length, N, "0 lost, 0 duplicated: as many rows as records");
    t.same(got, expected, "the same rows as the failure-free run");
  });
}
