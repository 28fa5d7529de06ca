/**
 * Rate control and bounded buffers: a batch takes at most maxRate × batch seconds
 * records from a receiver; a full buffer pauses the producer (the socket receiver
 * stops reading, so TCP slows the sender); records are delayed, never lost.
 */
import t from "tap";
import { foreachRDD, ManualClock, pipe, Receiver, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { RateLimiter } from "../spi.ts";
import { testContext } from "./_contexts.ts";
import { listen, trackedServer, until, writeAll } from "./_io.ts";

class Manual<T> extends Receiver<T> {
  onStart(): void {}
  onStop(): void {}
}

t.test("RateLimiter: maxRate × interval per batch, fractions carried, quiet time not saved up", async (t) => {
  const limiter = new RateLimiter(2.5);
  t.same([1000, 2000, 3000, 4000].map((time) => limiter.allowance(time, 0)), [2, 3, 2, 3]);
  t.equal(limiter.allowance(14_000, 0), 25, "ten seconds at 2.5/s");
  t.equal(limiter.perInterval(1000), 3);
  t.throws(() => new RateLimiter(0), /RateLimiter's maxRate must be a positive number of records per second/);
  t.throws(() => new RateLimiter(Number.NaN), /maxRate must be a positive number/);
});

t.test("a batch takes at most maxRate × batch seconds; the rest waits, in order, none lost", async (t) => {
  const { ssc, clock } = testContext(Seconds(2));
  const receiver = new Manual<number>();
  const input = ssc.receiverStream(receiver, { maxRate: 50 });
  const batches: number[][] = [];
  pipe(input, foreachRDD((rdd) => void batches.push(rdd.collect())));
  ssc.start();
  await receiver.store(Array.from({ length: 350 }, (_, i) => i));
  for (let i = 0; i < 4; i++) await clock.advance(Seconds(2));
  receiver.store(350);
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(batches.map((b) => b.length), [100, 100, 100, 50, 1], "50/s over 2 s batches");
  t.same(batches.flat(), Array.from({ length: 351 }, (_, i) => i));
});

t.test("the context's receiverMaxRate is every receiver's default; a stream's own maxRate wins", async (t) => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "rate", logLevel: "OFF" }), Seconds(1), { clock, receiverMaxRate: 2 });
  const a = new Manual<string>();
  const b = new Manual<string>();
  const fromDefault = ssc.receiverStream(a);
  const ownRate = ssc.receiverStream(b, { maxRate: 5 });
  t.equal(fromDefault.maxRate, 2);
  t.equal(ownRate.maxRate, 5);
  t.equal(fromDefault.maxBufferedRecords, 1000, "the buffer bound follows the rate: at least 1000");
  t.equal(ssc.socketTextStream("127.0.0.1", 9).maxRate, 2, "socketTextStream too");
  const sizes: number[][] = [];
  pipe(fromDefault, foreachRDD((rdd) => void sizes.push([rdd.count()])));
  pipe(ownRate, foreachRDD((rdd) => void sizes[sizes.length - 1]!.push(rdd.count())));
  ssc.start();
  a.store(["1", "2", "3"]);
  b.store(["1", "2", "3", "4", "5", "6"]);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(sizes, [[2, 5]]);
  t.throws(
    () => new StreamingContext(new SparkContext({ appName: "bad" }), Seconds(1), { receiverMaxRate: -1 }),
    /StreamingContext's receiverMaxRate's maxRate must be a positive number/,
  );
});

t.test("a full buffer says so: store returns false, and waitForSpace / store(records) resolve when a batch makes room", async (t) => {
  const { ssc, clock } = testContext();
  const receiver = new Manual<number>();
  const input = ssc.receiverStream(receiver, { maxBufferedRecords: 3, maxRate: 2 });
  pipe(input, foreachRDD(() => {}));
  ssc.start();
  t.equal(receiver.store(1), true);
  t.equal(receiver.store(2), true);
  t.equal(receiver.store(3), false, "the third record fills the buffer");
  t.ok(receiver.isBufferFull());
  let roomy = false;
  void receiver.waitForSpace().then(() => void (roomy = true));
  let blockStored = false;
  const block = receiver.store([4, 5]).then(() => void (blockStored = true));
  t.equal(input.bufferedRecords, 5, "records stored into a full buffer are kept, never dropped");
  await Promise.resolve();
  t.notOk(roomy, "no room until a batch takes records");
  await clock.advance(Seconds(1)); // takes 2: 3 left, still full
  t.notOk(roomy);
  await clock.advance(Seconds(1)); // takes 2: 1 left
  await block;
  t.ok(roomy && blockStored, "both resolve once the buffer is below its bound");
  await ssc.stop();
});

t.test("a socket producer faster than the rate limit: memory bounded, records delayed, none lost", async (t) => {
  const total = 400_000;
  const line = (i: number) => `record ${String(i).padStart(8, "0")} ........`; // 24 bytes + newline
  let serverWaits = 0;
  let serverDone = false;
  const { server, kill } = trackedServer((socket) => {
    const chunks = function* () {
      for (let i = 0; i < total; i += 1000) {
        let chunk = "";
        for (let j = i; j < Math.min(total, i + 1000); j++) chunk += `${line(j)}\n`;
        yield chunk;
      }
    };
    void writeAll(socket, chunks()).then((waits) => {
      serverWaits = waits;
      serverDone = true;
      socket.end();
    });
  });
  const port = await listen(server);
  const maxRate = 40_000;
  const bound = 40_000;
  const { ssc, clock } = testContext();
  const input = ssc.socketTextStream("127.0.0.1", port, { maxRate, maxBufferedRecords: bound });
  const sizes: number[] = [];
  let received = 0;
  let inOrder = true;
  pipe(
    input,
    foreachRDD((rdd) => {
      const records = rdd.collect();
      sizes.push(records.length);
      for (const record of records) {
        if (record !== line(received)) inOrder = false;
        received++;
      }
    }),
  );
  ssc.start();
  let batches = 0;
  while (received < total && batches < 100) {
    // Wait until the receiver has filled its buffer (or received everything there is).
    await until(() => input.bufferedRecords >= bound || input.receivedRecords === total, "the buffer to fill");
    if (batches === 0) t.notOk(serverDone, "the sender is held back while the receiver is paused");
    await clock.advance(Seconds(1));
    batches++;
  }
  await ssc.stop();
  await kill();
  t.equal(received, total, "every record arrived");
  t.ok(inOrder, "in the order sent");
  t.ok(sizes.every((n) => n <= maxRate), `no batch above ${maxRate} records (max ${Math.max(...sizes)})`);
  t.ok(sizes.length >= total / maxRate, `delayed over ${sizes.length} batches`);
  // One TCP read past the bound at most: 64 KiB of 25-byte lines.
  t.ok(input.peakBufferedRecords <= bound + Math.ceil(65_536 / 25), `buffer peaked at ${input.peakBufferedRecords} records`);
  t.ok(serverWaits > 0, `the sender waited for the socket to drain ${serverWaits} times`);
});
