/**
 * socketTextStream as a receiver, on real loopback sockets: a server that dies and
 * comes back, characters split across TCP writes, garbage bytes, a 5 MB line, and a
 * graceful stop that processes every line received.
 */
import t from "tap";
import type { Socket } from "node:net";
import { foreachRDD, Milliseconds, pipe, Seconds } from "../mod.ts";
import type { ManualClock, ReceiverInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";
import { listen, trackedServer, until, writeAll } from "./_io.ts";

/** A free loopback port with nothing listening on it. */
const freePort = async (): Promise<number> => {
  const probe = trackedServer(() => {});
  const port = await listen(probe.server);
  await probe.kill();
  return port;
};

/**
 * Waits for real I/O while moving the manual clock through the receiver's reconnect
 * waits (they are on the context's clock), in steps of 20 ms that never reach the
 * next batch time, so batches fall only where the test advances a whole second.
 */
const untilReconnected = async (clock: ManualClock, condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    if (clock.now() % 1000 <= 960) await clock.advance(Milliseconds(20));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

const pipeline = (port: number, options = {}) => {
  const ctx = testContext();
  const input = ctx.ssc.socketTextStream("127.0.0.1", port, { minRestartDelay: Milliseconds(5), maxRestartDelay: Milliseconds(20), ...options });
  const batches: string[][] = [];
  pipe(input, foreachRDD((rdd) => void batches.push(rdd.collect())));
  const errors: ReceiverInfo[] = [];
  ctx.ssc.addStreamingListener({ onReceiverError: ({ receiverInfo }) => void errors.push(receiverInfo) });
  return { ...ctx, input, batches, errors };
};

t.test("a server that dies and comes back on the same port: the receiver reports it, reconnects, and data after the reconnect arrives", async (t) => {
  const first = trackedServer((socket) => socket.write("before\n"));
  const port = await listen(first.server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => input.receivedRecords === 1, "the first line");
  await first.kill();
  await untilReconnected(clock, () => errors.length >= 2, "reports of the lost server");
  t.match(errors[0]!.lastErrorMessage, /from 127\.0\.0\.1:\d+; reconnecting in 5 ms/, "the lost connection");
  t.match(errors[1]!.lastErrorMessage, /Error connecting to 127\.0\.0\.1:\d+; retrying in \d+ ms/, "then the refused reconnects");
  t.match(errors[1]!.lastError, /ECONNREFUSED/);
  t.equal(errors[0]!.name, input.name);
  await clock.advance(Seconds(1));
  const second = trackedServer((socket) => socket.write("after\n"));
  await listen(second.server, port);
  await untilReconnected(clock, () => input.receivedRecords === 2, "the line from the new server");
  await clock.advance(Seconds(1));
  t.equal(ssc.getState(), "ACTIVE");
  await ssc.stop();
  await second.kill();
  t.same(batches, [["before"], ["after"]]);
});

t.test("a multi-byte character split across TCP writes arrives whole", async (t) => {
  const text = Buffer.from("naïve €uro 🎉\nzweite Zeile ✓\n");
  const { server, kill } = trackedServer((socket: Socket) => {
    socket.setNoDelay(true);
    // One byte per write, each handed to the kernel before the next is written.
    void (async () => {
      for (let i = 0; i < text.length; i++) {
        await new Promise<void>((resolve) => socket.write(text.subarray(i, i + 1), () => setImmediate(resolve)));
      }
    })();
  });
  const port = await listen(server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => input.receivedRecords === 2, "both lines");
  await clock.advance(Seconds(1));
  await ssc.stop();
  await kill();
  t.same(batches, [["naïve €uro 🎉", "zweite Zeile ✓"]]);
  t.same(errors, [], "no invalid UTF-8 reported");
});

t.test("garbage bytes are reported and replaced; the job keeps running and later lines arrive", async (t) => {
  let socket: Socket | undefined;
  const { server, kill } = trackedServer((s) => {
    socket = s;
    s.write(Buffer.concat([Buffer.from("good\n"), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0x0a]), Buffer.from("also good\n")]));
  });
  const port = await listen(server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await until(() => input.receivedRecords === 3, "three lines");
  await clock.advance(Seconds(1));
  socket!.write("next batch\n");
  await until(() => input.receivedRecords === 4, "the fourth line");
  await clock.advance(Seconds(1));
  t.equal(ssc.getState(), "ACTIVE");
  await ssc.stop();
  await kill();
  t.equal(batches.length, 2);
  t.same(batches[0]![0], "good");
  t.match(batches[0]![1]!, /^\uFFFD\(\uFFFD+$/, "the bad bytes become U+FFFD");
  t.same(batches[0]![2], "also good");
  t.same(batches[1], ["next batch"]);
  t.equal(errors.length, 1);
  t.match(errors[0]!.lastErrorMessage, /bytes of lines that are not valid UTF-8 from 127\.0\.0\.1:\d+; they were decoded with U\+FFFD/);
});

t.test("a 5 MB line arrives whole", async (t) => {
  const huge = "x".repeat(5 * 1024 * 1024);
  const { server, kill } = trackedServer((socket) => void writeAll(socket, [huge, "\nsmall\n"]));
  const port = await listen(server);
  const { ssc, clock, input, batches } = pipeline(port);
  ssc.start();
  await until(() => input.receivedRecords === 2, "both lines");
  await clock.advance(Seconds(1));
  await ssc.stop();
  await kill();
  t.equal(batches[0]!.length, 2);
  t.equal(batches[0]![0]!.length, huge.length);
  t.ok(batches[0]![0] === huge);
  t.equal(batches[0]![1], "small");
});

t.test("a graceful stop processes every line received, even when the rate limit spreads them over batches", async (t) => {
  const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
  const { server, kill } = trackedServer((socket) => socket.write(lines.map((l) => `${l}\n`).join("")));
  const port = await listen(server);
  const { ssc, clock, input, batches } = pipeline(port, { maxRate: 10 });
  ssc.start();
  await until(() => input.receivedRecords === lines.length, "every line");
  let stopped = false;
  const stopping = ssc.stop({ stopGracefully: true }).then(() => void (stopped = true));
  for (let i = 0; i < 10 && !stopped; i++) await clock.advance(Seconds(1));
  await stopping;
  await kill();
  t.same(batches.slice(0, 3).map((b) => b.length), [10, 10, 5]);
  t.same(batches.flat(), lines);
});

t.test("when the server closes, the receiver reports it and reconnects; data after reconnecting arrives", async (t) => {
  let connections = 0;
  const { server, kill } = trackedServer((socket) => {
    connections++;
    socket.end(connections === 1 ? "first\n" : "second\n");
  });
  const port = await listen(server);
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await untilReconnected(clock, () => connections >= 2 && input.bufferedRecords > 1, "a second connection");
  await until(() => errors.length >= 1, "a report");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.slice(0, 2), ["first", "second"]);
  t.match(errors[0]!.lastErrorMessage, new RegExp(`Socket data stream had no more data from 127\\.0\\.0\\.1:${port}; reconnecting in 5 ms`));
  t.equal(errors[0]!.name, input.name);
  await kill();
});

t.test("when the server is down at start, the receiver retries with back-off until it comes up", async (t) => {
  const port = await freePort();
  const { ssc, clock, input, batches, errors } = pipeline(port);
  ssc.start();
  await untilReconnected(clock, () => errors.length >= 3, "three failed attempts");
  t.match(errors[0]!.lastErrorMessage, /Error connecting to 127\.0\.0\.1:\d+; retrying in 5 ms/);
  t.match(errors[1]!.lastErrorMessage, /retrying in 10 ms/, "the wait doubles");
  t.match(errors[2]!.lastErrorMessage, /retrying in 20 ms/);
  t.match(errors[0]!.lastError, /ECONNREFUSED/);
  const { server, kill } = trackedServer((socket) => socket.end("finally\n"));
  await listen(server, port);
  await untilReconnected(clock, () => input.bufferedRecords > 0, "data once the server is up");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches[0]!.slice(0, 1), ["finally"]);
  await kill();
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

t.test("invalid UTF-8 is reported once per connection, with a running count and a total when it closes", async (t) => {
  let socket: Socket | undefined;
  const { server, kill } = trackedServer((s) => {
    socket = s;
  });
  const port = await listen(server);
  const { ssc, clock, input, errors } = pipeline(port, { minRestartDelay: Milliseconds(10_000) });
  ssc.start();
  await until(() => socket !== undefined, "the connection");
  // 40 reads of garbage lines, each handed to the kernel before the next is written.
  for (let i = 0; i < 40; i++) {
    await new Promise<void>((resolve) => socket!.write(Buffer.from([0xff, 0xfe, 0x0a]), () => setTimeout(resolve, 1)));
  }
  await until(() => input.receivedRecords === 40, "forty lines");
  const receiver = input.receiver as unknown as { invalidUtf8Bytes: number };
  t.equal(receiver.invalidUtf8Bytes, 80, "the running count: two bytes a line");
  t.equal(errors.length, 1, "one report while the connection lasts, not one per read");
  t.match(errors[0]!.lastErrorMessage, /not valid UTF-8 from 127\.0\.0\.1:\d+; .*counted \(invalidUtf8Bytes\) and reported once it closes/);
  socket!.destroy();
  await until(() => errors.length >= 2, "the total at close");
  t.match(errors[1]!.lastErrorMessage, /carried 80 bytes of invalid UTF-8 in \d+ pieces of text in all/);
  await clock.advance(Seconds(1));
  await ssc.stop();
  await kill();
});
