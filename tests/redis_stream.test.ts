/**
 * redisStream against a real redis-server (127.0.0.1, temporary directory): batches from a
 * consumer group, XACK only in commit, own pending entries first after a restart, a dead
 * consumer's entries claimed, two consumers sharing a stream, maxRate, dead letters,
 * recovery by recorded entry ids, and a server that is down, refuses the login or restarts.
 */
import t from "tap";
import { createClient } from "redis";
import { foreachRDD, pipe, Seconds, Time } from "../mod.ts";
import { type RedisEntry, redisStream, type RedisStreamOptions } from "../redis.ts";
import { testContext } from "./_contexts.ts";
import { freePort, startRedis } from "./_servers.ts";

const server = await startRedis();
t.teardown(() => server.stop());

const admin = createClient({ url: server.url });
admin.on("error", () => {});
await admin.connect();
t.teardown(() => admin.close().catch(() => {}));

let streamNo = 0;
/** A fresh stream key with `n` entries `{ n: "<i>" }`, i from `from`. */
const freshStream = async (n: number, from = 1): Promise<string> => {
  const key = `s${++streamNo}`;
  await add(key, n, from);
  return key;
};
const add = async (key: string, n: number, from = 1) => {
  for (let i = from; i < from + n; i++) await admin.sendCommand(["XADD", key, "*", "n", String(i)]);
};
const pending = async (key: string, group: string): Promise<number> => Number(((await admin.sendCommand(["XPENDING", key, group])) as unknown[])[0]);

interface Run {
  readonly batches: number[][];
  readonly dead: string[];
  readonly errors: unknown[];
  readonly log: string[];
  readonly source: ReturnType<typeof redisStream<number>>;
}

/** Runs `batches` batches of a redisStream decoding field n as a number; commits after each unless told not to. */
const run = async (options: Partial<RedisStreamOptions<number>> & { stream: string }, batches: number, opts: { commit?: boolean; between?: (i: number, snapshot: () => unknown) => Promise<void>; restore?: unknown; stateTime?: number } = {}): Promise<Run> => {
  const { ssc, clock, log } = testContext(Seconds(1));
  const source = redisStream<number>(ssc, {
    url: server.url,
    group: "g",
    consumer: "c1",
    decode: (e: RedisEntry) => {
      const n = Number(e.fields.n);
      if (!Number.isInteger(n)) throw new Error(`field n is not an integer: ${e.fields.n}`);
      return n;
    },
    ...options,
  });
  const out: number[][] = [];
  const dead: string[] = [];
  pipe(source.records, foreachRDD((rdd) => void out.push(rdd.collect().sort((a, b) => a - b))));
  pipe(source.deadLetters, foreachRDD((rdd) => void dead.push(...rdd.collect().map(String))));
  if (opts.restore !== undefined) await source.input.restore(opts.restore as never, new Time(0), new Time(opts.stateTime ?? 0));
  // A run that "crashes" before acknowledging: the context's commit after each batch does nothing.
  if (opts.commit === false) Object.assign(source.input, { commit: async () => {} });
  const errors: unknown[] = [];
  const terminated = ssc.awaitTermination().catch((e: unknown) => void errors.push(e));
  ssc.start();
  for (let i = 1; i <= batches; i++) {
    await opts.between?.(i, () => source.input.snapshot(new Time((i - 1) * 1000), new Time(0)));
    await clock.advance(Seconds(1));
    // The context commits after each batch too; awaiting it here makes the test's view of the broker exact.
    if (opts.commit !== false) await source.input.commit(new Time(i * 1000));
  }
  await ssc.stop();
  await terminated;
  return { batches: out, dead, errors, log, source };
};

t.test("a batch takes the group's new entries; they stay pending until commit, then are acknowledged", async (t) => {
  const key = await freshStream(3);
  const r = await run({ stream: key }, 1, { commit: false });
  t.same(r.batches, [[1, 2, 3]]);
  t.equal(await pending(key, "g"), 3, "not acknowledged before commit");
  t.same(r.errors, []);
  const again = await run({ stream: key, consumer: "c1" }, 1);
  t.same(again.batches, [[1, 2, 3]], "after a restart, the consumer's own pending entries come first");
  t.equal(await pending(key, "g"), 0, "acknowledged by commit");
  const nothing = await run({ stream: key }, 1);
  t.same(nothing.batches, [[]], "nothing left");
});

t.test("entries that do not decode are dead letters, counted, and acknowledged with their batch", async (t) => {
  const key = await freshStream(2);
  await admin.sendCommand(["XADD", key, "*", "n", "oops"]);
  const r = await run({ stream: key }, 1);
  t.same(r.batches, [[1, 2]]);
  t.equal(r.dead.length, 1);
  t.match(r.dead[0], /redisStreams:s\d+:g: decode threw: field n is not an integer: oops; raw/);
  t.equal(await pending(key, "g"), 0);
});

t.test("entries a dead consumer left pending are claimed by another (XAUTOCLAIM)", async (t) => {
  const key = await freshStream(4);
  await run({ stream: key, consumer: "dead" }, 1, { commit: false });
  const r = await run({ stream: key, consumer: "alive", claimIdleMs: 0 }, 1);
  t.same(r.batches, [[1, 2, 3, 4]]);
  t.ok(r.log.some((l) => /claimed 4 entries left pending by other consumers of g/.test(l)));
  t.equal(await pending(key, "g"), 0);
});

t.test("two consumers of one group share the stream: every entry once", async (t) => {
  const key = await freshStream(10);
  const a = await run({ stream: key, consumer: "a", maxPerBatch: 4 }, 1);
  const b = await run({ stream: key, consumer: "b", maxPerBatch: 4 }, 2);
  const all = [...a.batches.flat(), ...b.batches.flat()].sort((x, y) => x - y);
  t.same(all, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.same(a.batches, [[1, 2, 3, 4]]);
});

t.test("maxRate bounds a batch; the rest waits in Redis", async (t) => {
  const key = await freshStream(5);
  const r = await run({ stream: key, maxRate: 2, backpressure: false }, 3);
  t.same(r.batches, [[1, 2], [3, 4], [5]]);
});

t.test("recovery: a restored batch holds the same entries, later batches go on after them", async (t) => {
  const key = await freshStream(3);
  const first = await run({ stream: key, maxPerBatch: 2 }, 2, { commit: false });
  t.same(first.batches, [[1, 2], [3]]);
  const state = first.source.input.snapshot(new Time(2000), new Time(0));
  // Meanwhile new entries arrive; the regenerated batches must not take them.
  await add(key, 2, 4);
  const second = await run({ stream: key, maxPerBatch: 2 }, 3, { restore: state, stateTime: 0 });
  t.same(second.batches, [[1, 2], [3], [4, 5]]);
  t.equal(await pending(key, "g"), 0);
});

t.test("recovery after a crash between a batch's outputs and its checkpoint: that batch takes its entries again from the pending list", async (t) => {
  const key = await freshStream(7);
  let checkpointed: unknown;
  const first = await run({ stream: key, maxPerBatch: 2 }, 3, { commit: false, between: async (i, snapshot) => void (i === 3 && (checkpointed = snapshot())) });
  t.same(first.batches, [[1, 2], [3, 4], [5, 6]]);
  const second = await run({ stream: key, maxPerBatch: 2 }, 4, { restore: checkpointed });
  t.same(second.batches, [[1, 2], [3, 4], [5, 6], [7]]);
  t.equal(await pending(key, "g"), 0);
});

t.test("a server that is down at start: the batch fails naming the server", async (t) => {
  const port = await freePort();
  const r = await run({ stream: "x", url: `redis://127.0.0.1:${port}` }, 1, { commit: false });
  t.equal(r.errors.length, 1);
  t.match(String((r.errors[0] as Error).message), new RegExp(`cannot connect to Redis at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\): is redis-server running there\\?`));
});

t.test("a refused login says what to check, without the password", async (t) => {
  const secured = await startRedis({ password: "right" });
  t.teardown(() => secured.stop());
  const r = await run({ stream: "x", url: `redis://:wrong@127.0.0.1:${secured.port}` }, 1, { commit: false });
  t.equal(r.errors.length, 1);
  t.match(String((r.errors[0] as Error).message), /refused the login \(.*WRONGPASS.*\): check the user and password/);
  t.notMatch(String((r.errors[0] as Error).message), /wrong/);
});

t.test("a server restarting mid-run: a batch takes nothing and warns, the next one gets the entries", async (t) => {
  const key = await freshStream(1);
  const r = await run({ stream: key }, 3, {
    commit: false,
    between: async (i) => {
      if (i === 2) await server.kill();
      if (i === 3) {
        await server.restart();
        await admin.connect().catch(() => {});
        await add(key, 1, 2);
      }
    },
  });
  t.same(r.errors, []);
  t.same(r.batches.flat(), [1, 2]);
  t.ok(r.log.some((l) => /WARN .*Redis at redis:\/\/127\.0\.0\.1:\d+ unavailable at batch 2000 ms/.test(l)), "the outage is logged");
});
