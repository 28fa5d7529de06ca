/**
 * Custom receivers with Spark's contract: store one or many records, restart after a
 * failure with a reported back-off, stop with the context, and a graceful stop that
 * processes every record received so far.
 */
import t from "tap";
import { foreachRDD, Milliseconds, pipe, Receiver, Seconds } from "../mod.ts";
import { SocketTextInputDStream } from "../spi.ts";
import type { ReceiverInfo } from "../mod.ts";
import { testContext } from "./_contexts.ts";
import { until } from "./_io.ts";

/** A receiver driven by the test: it records its life and stores what it is told to. */
class Probe<T> extends Receiver<T> {
  readonly events: string[] = [];
  failStarts = 0;
  throwOnStop = false;

  onStart(): void {
    this.events.push(`start(started=${this.isStarted()})`);
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error("cannot connect");
    }
  }

  onStop(): void {
    this.events.push("stop");
    if (this.throwOnStop) throw new Error("stop failed");
  }
}

const pipeline = <T>(receiver: Receiver<T>, options = {}) => {
  const ctx = testContext();
  const input = ctx.ssc.receiverStream(receiver, { minRestartDelay: Milliseconds(5), maxRestartDelay: Milliseconds(20), ...options });
  const batches: T[][] = [];
  pipe(input, foreachRDD((rdd) => void batches.push(rdd.collect())));
  const errors: ReceiverInfo[] = [];
  ctx.ssc.addStreamingListener({ onReceiverError: ({ receiverInfo }) => void errors.push(receiverInfo) });
  return { ...ctx, input, batches, errors };
};

t.test("stored records, one at a time or many at once, go to the batch being formed", async (t) => {
  const probe = new Probe<string>();
  const { ssc, clock, input, batches } = pipeline(probe);
  ssc.start();
  t.same(probe.events, ["start(started=true)"], "onStart runs on start, with isStarted() already true");
  t.equal(probe.streamId, input.id);
  t.equal(probe.store("a"), true, "store(record) says there is room");
  await probe.store(["b", "c"]);
  await clock.advance(Seconds(1));
  probe.store("d");
  await clock.advance(Seconds(1));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["a", "b", "c"], ["d"], []]);
  t.same(probe.events, ["start(started=true)", "stop"], "onStop runs on ssc.stop()");
  t.ok(probe.isStopped());
  t.equal(input.receivedRecords, 4);
});

t.test("a record that is itself an array goes through storeRecord; store(records) takes many", async (t) => {
  const probe = new Probe<readonly [string, number]>();
  const { ssc, clock, batches } = pipeline(probe);
  ssc.start();
  probe.storeRecord(["a", 1]);
  await probe.store([["b", 2], ["c", 3]]);
  probe.storeRecords(new Set([["d", 4] as const]));
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [[["a", 1], ["b", 2], ["c", 3], ["d", 4]]]);
});

t.test("using a receiver before its stream has started it is a clear error", async (t) => {
  const probe = new Probe<string>();
  t.throws(() => probe.store("x"), /A receiver can store only once its stream has started it: give it to ssc.receiverStream/);
  const { ssc } = pipeline(probe);
  t.throws(() => probe.store("x"), /only once its stream has started it/, "given to a stream, but the context has not started");
  t.throws(() => ssc.receiverStream(probe), /This receiver already feeds stream \d+: create one receiver instance per receiverStream/);
  t.throws(
    () => ssc.receiverStream({ onStart() {}, onStop() {} } as unknown as Receiver<string>),
    /receiverStream's receiver must be an instance of a class that extends Receiver/,
  );
  t.throws(() => ssc.receiverStream(new Probe<string>(), { maxRate: 0 }), /receiverStream's maxRate must be a positive number of records per second/);
  t.throws(() => ssc.receiverStream(new Probe<string>(), { maxBufferedRecords: 1.5 }), /maxBufferedRecords must be a positive whole number/);
  await ssc.stop();
});

t.test("a receiver that throws in onStart is reported and restarted with a doubling back-off", async (t) => {
  const probe = new Probe<string>();
  probe.failStarts = 3;
  const { ssc, clock, batches, errors, input } = pipeline(probe);
  ssc.start();
  await until(() => probe.isStarted() && probe.events.length === 7, "the fourth start");
  t.same(probe.events, Array(4).fill("start(started=true)").join(",stop,").split(","), "each failed start is followed by onStop");
  t.same(errors.map((e) => e.lastErrorMessage), [
    `Error starting receiver ${input.name}; restarting in 5 ms`,
    `Error starting receiver ${input.name}; restarting in 10 ms`,
    `Error starting receiver ${input.name}; restarting in 20 ms`,
  ]);
  t.match(errors[0]!.lastError, /Error: cannot connect/);
  t.equal(errors[0]!.name, input.name);
  t.ok(probe.isStarted(), "the fourth start succeeded");
  probe.store("finally");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.same(batches, [["finally"]]);
});

t.test("an async onStart that rejects counts as a failed start", async (t) => {
  let starts = 0;
  class Async extends Receiver<string> {
    async onStart(): Promise<void> {
      starts++;
      if (starts === 1) throw new Error("not yet");
      this.store("up");
    }
    onStop(): void {}
  }
  const { ssc, clock, batches, errors } = pipeline(new Async());
  ssc.start();
  await until(() => starts === 2, "the second start");
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.match(errors[0]!.lastError, /not yet/);
  t.same(batches, [["up"]]);
});

t.test("restart() stops, waits and starts again; a stored record resets the back-off", async (t) => {
  const probe = new Probe<string>();
  const { ssc, errors } = pipeline(probe);
  ssc.start();
  probe.restart("connection lost", new Error("ECONNRESET"));
  t.notOk(probe.isStarted(), "stopped while it waits");
  t.same(probe.events, ["start(started=true)", "stop"]);
  probe.restart("ignored: a restart is under way");
  await until(() => probe.isStarted(), "the restart");
  t.same(probe.events, ["start(started=true)", "stop", "start(started=true)"]);
  probe.restart("lost again");
  await until(() => probe.isStarted(), "the second restart");
  probe.store("x");
  probe.restart("lost after a record");
  await until(() => probe.isStarted(), "the third restart");
  probe.restart("explicit delay", undefined, Milliseconds(1));
  await until(() => probe.isStarted(), "the fourth restart");
  t.same(errors.map((e) => e.lastErrorMessage), [
    "connection lost; restarting in 5 ms",
    "lost again; restarting in 10 ms",
    "lost after a record; restarting in 5 ms",
    "explicit delay; restarting in 1 ms",
  ]);
  t.match(errors[0]!.lastError, /ECONNRESET/);
  await ssc.stop();
});

t.test("listeners see the receiver start, stop and start again around a restart", async (t) => {
  const probe = new Probe<string>();
  const { ssc, input } = pipeline(probe);
  const seen: string[] = [];
  ssc.addStreamingListener({
    onReceiverStarted: ({ receiverInfo }) => void seen.push(`started ${receiverInfo.name} active=${receiverInfo.active}`),
    onReceiverStopped: ({ receiverInfo }) => void seen.push(`stopped ${receiverInfo.name} active=${receiverInfo.active}`),
    onReceiverError: ({ receiverInfo }) => void seen.push(`error ${receiverInfo.lastErrorMessage}`),
  });
  ssc.start();
  probe.restart("lost");
  await until(() => probe.isStarted(), "the restart");
  await ssc.stop();
  const name = input.name;
  t.same(seen, [
    `started ${name} active=true`,
    "error lost; restarting in 5 ms",
    `stopped ${name} active=false`,
    `started ${name} active=true`,
    `stopped ${name} active=false`,
  ]);
});

t.test("ssc.stop() during a restart's wait ends it: the receiver does not come back", async (t) => {
  const probe = new Probe<string>();
  const { ssc } = pipeline(probe, { minRestartDelay: Milliseconds(50) });
  ssc.start();
  probe.restart("flaky");
  await ssc.stop();
  const before = probe.events.length;
  await new Promise((resolve) => setTimeout(resolve, 80)); // longer than the restart delay
  t.equal(probe.events.length, before, "no start after the stop");
  t.ok(probe.isStopped());
});

t.test("stop(message) from the receiver stops it for good; its stream goes on with empty batches", async (t) => {
  const probe = new Probe<string>();
  const { ssc, clock, batches, log } = pipeline(probe);
  ssc.start();
  probe.store("last");
  probe.stop("source exhausted");
  probe.restart("too late");
  t.ok(probe.isStopped());
  await clock.advance(Seconds(2));
  await ssc.stop();
  t.same(batches, [["last"], []]);
  t.same(probe.events, ["start(started=true)", "stop"], "onStop once, no restart");
  t.ok(log.some((line) => /stopped by its receiver: source exhausted/.test(line)));
});

t.test("an onStop that throws is logged; the stop goes on", async (t) => {
  const probe = new Probe<string>();
  probe.throwOnStop = true;
  const { ssc, log } = pipeline(probe);
  ssc.start();
  await ssc.stop();
  t.equal(ssc.getState(), "STOPPED");
  t.ok(log.some((line) => /the receiver's onStop threw; ignored \(Error: stop failed\)/.test(line)));
});

t.test("a graceful stop processes every record received so far, over several batches under a rate limit", async (t) => {
  const probe = new Probe<number>();
  const { ssc, clock, batches } = pipeline(probe, { maxRate: 3 });
  ssc.start();
  await probe.store(Array.from({ length: 10 }, (_, i) => i));
  let stopped = false;
  const stopping = ssc.stop({ stopGracefully: true }).then(() => void (stopped = true));
  for (let i = 0; i < 20 && !stopped; i++) await clock.advance(Seconds(1));
  await stopping;
  t.same(batches.slice(0, 4), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]], "three a second, the rest in order");
  t.same(batches.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "none lost");
  t.same(probe.events, ["start(started=true)", "stop"], "the receiver stops first: nothing new arrives during the drain");
});

t.test("a stop that is not graceful leaves records no batch took", async (t) => {
  const probe = new Probe<number>();
  const { ssc, clock, batches } = pipeline(probe);
  ssc.start();
  await clock.advance(Seconds(1));
  probe.store(1);
  await ssc.stop();
  t.same(batches, [[]]);
});

t.test("socketTextStream is a receiver stream, with the receiver options", async (t) => {
  const { ssc } = testContext();
  const stream = ssc.socketTextStream("127.0.0.1", 9, { maxRate: 10, maxBufferedRecords: 50 });
  t.ok(stream instanceof SocketTextInputDStream);
  t.equal(stream.maxRate, 10);
  t.equal(stream.maxBufferedRecords, 50);
  t.equal(stream.kind, "socketTextStream");
  await ssc.stop();
});
