/**
 * socketTextStream over real loopback sockets: lines arrive in the batch being formed,
 * the receiver reconnects with back-off and reports why, and bad bytes or an unknown
 * host never crash the job.
 */
import t from "tap";
import { createServer, type Server, type Socket } from "node:net";
import { foreachRDD, Milliseconds, pipe, Seconds } from "../mod.ts";
import type { ReceiverInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";

/** Waits for `condition`, checking every few milliseconds, failing after `timeoutMs`. */
const until = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const listen = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** A free loopback port with nothing listening on it. */
const freePort = async (): Promise<number> => {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
};

const pipeline = (port: number) => {
  const ctx = testContext();
  const input = ctx.ssc.socketTextStream("127.0.0.1", port, { minRestartDelay: Milliseconds(10), maxRestartDelay: Milliseconds(40) });
  const batches: string[][] = [];
  pipe(input, foreachRDD((rdd) => void batches.push(rdd.collect())));
  const errors: ReceiverInfo[] = [];
  ctx.ssc.addStreamingListener({ onReceiverError: ({ receiverInfo }) => void errors.push(receiverInfo) });
  return { ...ctx, input, batches, errors };
};

t.test("lines from the server land in the batch being formed, whole even when split across writes", async (t) => {
  const euro = Buffer.from("€ ✓\n");
  const server = createServer((socket) => {
    socket.write("hello wor");
    setImmediate(() => {
      socket.write(Buffer.concat([Buffer.from("ld\n"), euro.subarray(0, 1)]));
      setImmediate(() => socket.end(euro.subarray(1)));
    });
  });
  const port = await listen(server);
  const { ssc, clock, batches, errors } = pipeline(port);
  ssc.start();
  // The receiver reports the end of the stream only after every byte before it.
  await until(() => errors.length >= 1, "the end of the stream");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.slice(0, 2), ["hello world", "€ ✓"]);
  await close(server);
});

t.test("when the server closes, the receiver reports it and reconnects; data after reconnecting arrives", async (t) => {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.end(connections === 1 ? "first\n" : "second\n");
  });
  const port = await listen(server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => connections >= 2 && input.hasPendingRecords(), "a second connection");
  await until(() => errors.length >= 1, "a report");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.slice(0, 2), ["first", "second"]);
  t.match(errors[0]!.lastErrorMessage, new RegExp(`Socket data stream had no more data from 127\\.0\\.0\\.1:${port}; reconnecting in 10 ms`));
  t.equal(errors[0]!.name, input.name);
  await close(server);
});

t.test("when the server is down at start, the receiver retries with back-off until it comes up", async (t) => {
  const port = await freePort();
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => errors.length >= 3, "three failed attempts");
  t.match(errors[0]!.lastErrorMessage, /Error connecting to 127\.0\.0\.1:\d+; retrying in 10 ms/);
  t.match(errors[1]!.lastErrorMessage, /retrying in 20 ms/, "the wait doubles");
  t.match(errors[2]!.lastErrorMessage, /retrying in 40 ms/);
  t.match(errors[0]!.lastError, /ECONNREFUSED/);
  const server = createServer((socket) => socket.end("finally\n"));
  await listen(server, port);
  await until(() => input.hasPendingRecords(), "data once the server is up");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.slice(0, 1), ["finally"]);
  await close(server);
});

t.test("invalid UTF-8 from the server is reported and replaced; the job keeps running", async (t) => {
  const server = createServer((socket) => socket.end(Buffer.from([0x6f, 0x6b, 0xff, 0x0a, 0x67, 0x6f, 0x0a])));
  const port = await listen(server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => input.hasPendingRecords() && errors.some((e) => /not valid UTF-8/.test(e.lastErrorMessage)), "the bad bytes");
  await clock.advance(Seconds(1));
  t.equal(ssc.getState(), "ACTIVE");
  await ssc.stop();
  t.same(batches[0]!.slice(0, 2), ["ok\uFFFD", "go"]);
  await close(server);
});

t.test("an unknown host is reported clearly through awaitTermination, without crashing the job", async (t) => {
  const ctx = testContext();
  const unknown = ctx.ssc.socketTextStream("no-such-host.invalid", 9999, { minRestartDelay: Milliseconds(10) });
  pipe(unknown, foreachRDD(() => {}));
  ctx.ssc.start();
  await t.rejects(ctx.ssc.awaitTermination(), /Unknown host "no-such-host\.invalid" given as socketTextStream's hostname/);
  await ctx.clock.advance(Seconds(1));
  t.equal(ctx.ssc.getState(), "ACTIVE", "the context keeps running and retrying");
  await ctx.ssc.stop();
});
