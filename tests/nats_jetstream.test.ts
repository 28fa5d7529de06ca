/**
 * jetStream against a real nats-server -js (127.0.0.1, temporary store): batches from a
 * durable consumer, acked only in commit, redeliveries dropped by stream sequence, maxRate,
 * dead letters, recovery by recorded sequences, and a server that is down, refuses the
 * login or restarts.
 */
import t from "tap";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { foreachRDD, pipe, Seconds, Time } from "../mod.ts";
import { jetStream, type JetStreamOptions, type NatsMessage } from "../nats.ts";
import { testContext } from "./_contexts.ts";
import { freePort, startNats } from "./_servers.ts";

const server = await startNats();
t.teardown(() => server.stop());

let admin: NatsConnection = await connect({ servers: server.servers, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
t.teardown(() => admin.close());

let streamNo = 0;
/** A fresh stream `S<k>` on subject `s<k>` with messages "1".."n". */
const freshStream = async (n: number): Promise<string> => {
  const name = `S${++streamNo}`;
  const jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name, subjects: [`s${streamNo}`] });
  await publish(name, 1, n);
  return name;
};
const publish = async (stream: string, from: number, n: number, payload?: string) => {
  const js = jetstream(admin);
  for (let i = from; i < from + n; i++) await js.publish(`s${stream.slice(1)}`, payload ?? String(i));
};
const ackPending = async (stream: string, durable: string) => (await (await jetstreamManager(admin)).consumers.info(stream, durable)).num_ack_pending;

const decode = (m: NatsMessage): number => {
  const n = Number(m.text);
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${m.text}`);
  return n;
};

const run = async (
  options: Partial<JetStreamOptions<number>> & { stream: string },
  batches: number,
  opts: { commit?: boolean; between?: (i: number, snapshot: () => unknown) => Promise<void>; restore?: unknown } = {},
) => {
  const { ssc, clock, log } = testContext(Seconds(1));
  const source = jetStream<number>(ssc, { servers: server.servers, durable: "d", decode, ...options });
  const out: number[][] = [];
  const dead: string[] = [];
  pipe(source.records, foreachRDD((rdd) => void out.push(rdd.collect().sort((a, b) => a - b))));
  pipe(source.deadLetters, foreachRDD((rdd) => void dead.push(...rdd.collect().map(String))));
  if (opts.restore !== undefined) source.input.restore(opts.restore as never, new Time(0), new Time(0));
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
  const state = source.input.snapshot(new Time(batches * 1000), new Time(0));
  await ssc.stop();
  await terminated;
  return { batches: out, dead, errors, log, state };
};

t.test("a batch takes the durable consumer's messages; acked only by commit", async (t) => {
  const stream = await freshStream(3);
  const r = await run({ stream }, 1, { commit: false });
  t.same(r.errors, []);
  t.same(r.batches, [[1, 2, 3]]);
  t.equal(await ackPending(stream, "d"), 3, "not acked before commit");
  const next = await run({ stream }, 1);
  t.same(next.batches, [[]], "delivered already: the next run waits for redelivery");
  await publish(stream, 4, 2);
  const more = await run({ stream }, 1);
  t.same(more.batches, [[4, 5]]);
  t.equal(await ackPending(stream, "d"), 0, "commit acked everything up to 5 (ack policy all)");
});

t.test("undecodable messages are dead letters, counted", async (t) => {
  const stream = await freshStream(2);
  await publish(stream, 0, 1, "oops");
  const r = await run({ stream }, 1);
  t.same(r.batches, [[1, 2]]);
  t.equal(r.dead.length, 1);
  t.match(r.dead[0], /jetstream:S\d+:d: decode threw: not an integer: oops/);
});

t.test("maxRate bounds a batch; the rest waits in the stream", async (t) => {
  const stream = await freshStream(5);
  const r = await run({ stream, maxRate: 2, backpressure: false }, 3);
  t.same(r.batches, [[1, 2], [3, 4], [5]]);
});

t.test("redelivered messages (ack wait passed) are dropped by stream sequence", async (t) => {
  const stream = await freshStream(2);
  const r = await run({ stream, ackWaitMs: 1000 }, 2, {
    commit: false,
    between: async (i) => {
      if (i === 2) {
        await new Promise((resolve) => setTimeout(resolve, 1300)); // the server redelivers 1 and 2 now
        await publish(stream, 3, 1);
      }
    },
  });
  t.same(r.batches, [[1, 2], [3]]);
});

t.test("recovery: restored batches hold the same messages, later batches go on after them", async (t) => {
  const stream = await freshStream(3);
  const first = await run({ stream, maxPerBatch: 2 }, 2, { commit: false });
  t.same(first.batches, [[1, 2], [3]]);
  await publish(stream, 4, 2);
  const second = await run({ stream, maxPerBatch: 2 }, 3, { restore: first.state });
  t.same(second.batches, [[1, 2], [3], [4, 5]]);
  t.equal(await ackPending(stream, "d"), 0);
});

t.test("recovery after a crash between a batch's outputs and its checkpoint: that batch is read again by sequence, the same messages", async (t) => {
  const stream = await freshStream(7);
  let checkpointed: unknown;
  // Batch 3 ran (took 5 and 6) but the crash came before its checkpoint: the latest holds batches 1 and 2.
  const first = await run({ stream, maxPerBatch: 2 }, 3, { commit: false, between: async (i, snapshot) => void (i === 3 && (checkpointed = snapshot())) });
  t.same(first.batches, [[1, 2], [3, 4], [5, 6]]);
  const second = await run({ stream, maxPerBatch: 2 }, 4, { restore: checkpointed });
  t.same(second.batches, [[1, 2], [3, 4], [5, 6], [7]], "batch 3 holds 5 and 6 again although the durable delivered them already");
  t.equal(await ackPending(stream, "d"), 0);
});

t.test("a server that is down at start: the batch fails naming the server", async (t) => {
  const port = await freePort();
  const r = await run({ stream: "S1", servers: `127.0.0.1:${port}` }, 1, { commit: false });
  t.equal(r.errors.length, 1);
  t.match(String((r.errors[0] as Error).message), new RegExp(`cannot connect to NATS at 127\\.0\\.0\\.1:${port} .*is nats-server \\(with -js\\) running there\\?`));
});

t.test("a refused login says what to check", async (t) => {
  const secured = await startNats({ user: "app", password: "right" });
  t.teardown(() => secured.stop());
  const r = await run({ stream: "S1", servers: secured.servers, user: "app", pass: "wrong" }, 1, { commit: false });
  t.equal(r.errors.length, 1);
  t.match(String((r.errors[0] as Error).message), /NATS at 127\.0\.0\.1:\d+ refused the login \(.*\): check user\/pass\/token/);
});

t.test("a server restarting mid-run: a batch takes nothing and warns, the next one gets the messages", async (t) => {
  const stream = await freshStream(1);
  const r = await run({ stream }, 3, {
    between: async (i) => {
      if (i === 2) await server.kill();
      if (i === 3) {
        await server.restart();
        await admin.close().catch(() => {});
        admin = await connect({ servers: server.servers });
        await publish(stream, 2, 1);
        // the source's client reconnects on its own
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
    },
  });
  t.same(r.errors, []);
  t.same(r.batches.flat(), [1, 2]);
  t.ok(r.log.some((l) => /WARN .*NATS at 127\.0\.0\.1:\d+ unavailable at batch 2000 ms/.test(l)), "the outage is logged");
});
