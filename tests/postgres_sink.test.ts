/**
 * saveToPostgres and withBatchTransaction against a real PostgreSQL server (started on
 * 127.0.0.1 in a temporary directory): upserts idempotent by key, exactly-once batches
 * skipped when committed, rows the database rejects as dead letters with its message,
 * a refused login, a server down at start and one restarting mid-run.
 */
import t from "tap";
import pg from "pg";
import { foreachRDD, pipe, RDD, Seconds } from "../mod.ts";
import { saveToPostgres, withBatchTransaction } from "../postgres.ts";
import { testContext } from "./_contexts.ts";
import { freePort, startPostgres } from "./_servers.ts";

const server = await startPostgres();
t.teardown(() => server.stop());

const rowsOf = (sql: string): string[] => server.psql(sql).split("\n").filter((l) => l !== "");

interface Count {
  readonly word: string;
  readonly n: number;
}

/** Runs the batches through saveToPostgres in a fresh context, each at its batch time from 1 s on. */
const runBatches = async <A>(batches: ReadonlyArray<ReadonlyArray<A> | RDD<A>>, options: Parameters<typeof saveToPostgres<A>>[1]) => {
  const { ssc, clock, log } = testContext(Seconds(1));
  const stream = ssc.queueStream<A>(batches.map((b) => (b instanceof RDD ? b : [...b])));
  const sink = saveToPostgres(stream, options);
  const errors: unknown[] = [];
  const terminated = ssc.awaitTermination().catch((e: unknown) => void errors.push(e));
  ssc.start();
  await clock.advance(Seconds(batches.length));
  await ssc.stop();
  await terminated;
  await sink.close();
  return { sink, errors, log };
};

t.test("upsert: a batch written twice leaves the table as written once; the last record of a key wins", async (t) => {
  server.psql("CREATE TABLE counts (word text PRIMARY KEY, n integer NOT NULL)");
  // One partition per batch: the order of records of a key is the partition's.
  const batches = [
    RDD.fromPartitions<Count>([[{ word: "a", n: 1 }, { word: "b", n: 2 }, { word: "a", n: 3 }]]),
    RDD.fromPartitions<Count>([[{ word: "c", n: 4 }, { word: "b", n: 5 }]]),
  ];
  const options = { table: "counts", keyColumns: ["word"], mode: "upsert", connection: server.connectionString } as const;
  const first = await runBatches(batches, options);
  t.same(first.errors, []);
  t.same(rowsOf("SELECT word, n FROM counts ORDER BY word"), ["a|3", "b|5", "c|4"]);
  // The same batches again (a replay after a crash): the same table.
  await runBatches(batches, options);
  t.same(rowsOf("SELECT word, n FROM counts ORDER BY word"), ["a|3", "b|5", "c|4"]);
  t.equal(first.sink.written, 4, "a and b of batch 1 (a once), c and b of batch 2");
});

t.test("upsert needs keyColumns, and says so", async (t) => {
  const { ssc } = testContext();
  t.throws(() => saveToPostgres(ssc.queueStream<Count>([]), { table: "counts", mode: "upsert", connection: server.connectionString }), {
    message: /needs keyColumns .*use mode "exactly-once" to insert rows without a key/,
  });
  await ssc.stop();
});

t.test("exactly-once: a table without a key gets each batch once, however often it is written", async (t) => {
  server.psql("CREATE TABLE events (word text, n integer)");
  const batches: Count[][] = [[{ word: "x", n: 1 }, { word: "x", n: 1 }], [{ word: "y", n: 2 }]];
  const options = { table: "events", mode: "exactly-once", connection: server.connectionString } as const;
  const first = await runBatches(batches, options);
  t.same(first.errors, []);
  const second = await runBatches(batches, options);
  t.same(second.errors, []);
  t.same(rowsOf("SELECT word, n FROM events ORDER BY word"), ["x|1", "x|1", "y|2"], "both x rows of batch 1 kept, nothing doubled");
  t.ok(second.sink.skippedPartitions >= 2, `the replay skipped every partition (skipped ${second.sink.skippedPartitions})`);
  t.equal(second.sink.written, 0);
  t.same(rowsOf("SELECT count(*) FROM dstreams_progress WHERE query = 'events'"), [String(first.sink.skippedPartitions + second.sink.skippedPartitions)]);
});

t.test("a row violating a constraint becomes a dead letter with the database's message; the rest is written and counted", async (t) => {
  server.psql("CREATE TABLE checked (word text PRIMARY KEY, n integer NOT NULL CHECK (n >= 0))");
  const seen: string[] = [];
  const { sink, errors } = await runBatches<Count>([[{ word: "ok", n: 1 }, { word: "bad", n: -1 }, { word: "fine", n: 2 }]], {
    table: "checked",
    keyColumns: ["word"],
    mode: "exactly-once",
    connection: server.connectionString,
    onDeadLetter: (letter) => void seen.push(String(letter)),
  });
  t.same(errors, []);
  t.same(rowsOf("SELECT word FROM checked ORDER BY word"), ["fine", "ok"]);
  t.equal(sink.rejected, 1);
  t.equal(sink.written, 2);
  t.equal(sink.deadLetters.length, 1);
  t.same(sink.deadLetters[0]!.raw, { word: "bad", n: -1 });
  t.match(sink.deadLetters[0]!.errors[0], /violates check constraint "checked_n_check".*SQLSTATE 23514/);
  t.equal(seen.length, 1);
});

t.test("upsert: a row violating a constraint becomes a dead letter; the bulk statement wrote nothing, the good rows are written row by row", async (t) => {
  server.psql("CREATE TABLE checked_upsert (word text PRIMARY KEY, n integer NOT NULL CHECK (n >= 0)); INSERT INTO checked_upsert VALUES ('ok', 0)");
  const { sink, errors } = await runBatches<Count>([[{ word: "ok", n: 1 }, { word: "bad", n: -1 }, { word: "fine", n: 2 }], [{ word: "later", n: 3 }]], {
    table: "checked_upsert",
    keyColumns: ["word"],
    mode: "upsert",
    connection: server.connectionString,
  });
  t.same(errors, []);
  t.same(rowsOf("SELECT word || '=' || n FROM checked_upsert ORDER BY word"), ["fine=2", "later=3", "ok=1"]);
  t.equal(sink.rejected, 1);
  t.equal(sink.written, 3);
  t.same(sink.deadLetters.map((l) => l.raw), [{ word: "bad", n: -1 }]);
  t.match(sink.deadLetters[0]!.errors[0], /violates check constraint "checked_upsert_n_check"/);
});

t.test("a refused login fails the batch at once, saying what to check", async (t) => {
  const wrong = server.connectionString.replace(/:[^:@]*@/, ":wrong-password@");
  const { errors } = await runBatches<Count>([[{ word: "a", n: 1 }]], { table: "counts", keyColumns: ["word"], mode: "upsert", connection: wrong });
  t.equal(errors.length, 1);
  t.match(String((errors[0] as Error).message), /PostgreSQL refused the connection as postgres@127\.0\.0\.1:\d+\/postgres: password authentication failed for user "postgres".*Check the user, password and database/);
  t.notMatch(String((errors[0] as Error).message), /wrong-password/, "the password is not shown");
});

t.test("a server that is down: retried with a warning per attempt, then the batch fails naming the server", async (t) => {
  const port = await freePort();
  const { errors, log } = await runBatches<Count>([[{ word: "a", n: 1 }]], {
    table: "counts",
    keyColumns: ["word"],
    mode: "upsert",
    connection: `postgres://postgres:x@127.0.0.1:${port}/postgres`,
    retry: { attempts: 3, initialDelayMs: 10 },
  });
  t.equal(errors.length, 1);
  t.match(String((errors[0] as Error).message), new RegExp(`unreachable after 3 attempts .*ECONNREFUSED.*Is the server running`));
  t.equal(log.filter((l) => /unavailable writing batch 1000 ms partition 0 .*retrying in \d+ ms \(attempt \d\/3\)/.test(l)).length, 2);
});

t.test("a server restarting mid-run: the batch waits for it and nothing is lost", async (t) => {
  server.psql("CREATE TABLE restarted (word text PRIMARY KEY, n integer)");
  const { ssc, clock, log } = testContext(Seconds(1));
  const stream = ssc.queueStream<Count>([[{ word: "before", n: 1 }], [{ word: "during", n: 2 }], [{ word: "after", n: 3 }]]);
  const sink = saveToPostgres(stream, { table: "restarted", keyColumns: ["word"], mode: "exactly-once", connection: server.connectionString, retry: { initialDelayMs: 50, maxDelayMs: 200 } });
  const errors: unknown[] = [];
  const terminated = ssc.awaitTermination().catch((e: unknown) => void errors.push(e));
  ssc.start();
  await clock.advance(Seconds(1));
  await server.kill();
  const restarted = new Promise<void>((resolve, reject) => setTimeout(() => server.restart().then(resolve, reject), 600));
  await clock.advance(Seconds(2));
  await restarted;
  await ssc.stop();
  await terminated;
  await sink.close();
  t.same(errors, []);
  t.same(rowsOf("SELECT word FROM restarted ORDER BY n"), ["before", "during", "after"]);
  t.ok(log.some((l) => /WARN .*PostgreSQL at postgres@127\.0\.0\.1:\d+\/postgres unavailable writing batch 2000 ms/.test(l)), "the retry is logged");
});

t.test("withBatchTransaction in foreachPartition, a pooled connection per partition: a replayed batch is skipped", async (t) => {
  server.psql("CREATE TABLE own (word text, n integer)");
  const pool = new pg.Pool({ connectionString: server.connectionString });
  t.teardown(() => pool.end());
  const outcomes: string[] = [];
  const run = async () => {
    const { ssc, clock } = testContext(Seconds(1));
    pipe(
      ssc.queueStream<Count>([[{ word: "a", n: 1 }, { word: "b", n: 2 }, { word: "c", n: 3 }]]),
      foreachRDD((rdd, time) =>
        rdd.repartition(2).foreachPartition(async (records, partition) => {
          const client = await pool.connect();
          try {
            const done = await withBatchTransaction(client, { query: "own", batchTime: time.milliseconds, partition }, (tx) =>
              tx.query("INSERT INTO own SELECT * FROM unnest($1::text[], $2::int[])", [records.map((r) => r.word), records.map((r) => r.n)]));
            outcomes.push(`${partition}:${done.written ? "written" : "skipped"}`);
          } finally {
            client.release();
          }
        })
      ),
    );
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
  };
  await run();
  await run();
  t.same(outcomes.sort(), ["0:skipped", "0:written", "1:skipped", "1:written"]);
  t.same(rowsOf("SELECT word FROM own ORDER BY word"), ["a", "b", "c"]);
});
