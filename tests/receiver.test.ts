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
import type { ManualClock } from "../mod.ts";

/**
 * Advances the manual clock through a restart's wait, then lets the restart's
 * continuations run (one turn of the event loop: no waiting for time).
 */
const through = async (clock: ManualClock, ms: number): Promise<void> => {
  await clock.advance(Milliseconds(ms));
  await new Promise((resolve) => setTimeout(resolve, 0));
};

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
  t.notOk(probe.isStarted(), "the first start failed: waiting on the context's clock");
  await through(clock, 5);
  await through(clock, 10);
  t.equal(probe.events.length, 6, "three failed starts; no fourth before 20 ms more have passed on the clock");
  await through(clock, 20);
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
  await through(clock, 0);
  t.equal(errors.length, 1, "the rejection is reported");
  await through(clock, 5);
  t.equal(starts, 2);
  await clock.advance(Seconds(1));
  await ssc.stop();
  t.match(errors[0]!.lastError, /not yet/);
  t.same(batches, [["up"]]);
});

t.test("restart() stops, waits and starts again; a stored record resets the back-off", async (t) => {
  const probe = new Probe<string>();
  const { ssc, clock, errors } = pipeline(probe);
  ssc.start();
  probe.restart("connection lost", new Error("ECONNRESET"));
  t.notOk(probe.isStarted(), "stopped while it waits");
  t.same(probe.events, ["start(started=true)", "stop"]);
  probe.restart("ignored: a restart is under way");
  await through(clock, 4);
  t.notOk(probe.isStarted(), "still waiting after 4 ms of the clock");
  await through(clock, 1);
  t.same(probe.events, ["start(started=true)", "stop", "start(started=true)"]);
  probe.restart("lost again");
  await through(clock, 10);
  t.ok(probe.isStarted(), "the second restart");
  probe.store("x");
  probe.restart("lost after a record");
  await through(clock, 5);
  t.ok(probe.isStarted(), "the third restart");
  probe.restart("explicit delay", undefined, Milliseconds(1));
  await through(clock, 1);
  t.ok(probe.isStarted(), "the fourth restart");
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
  const { ssc, clock, input } = pipeline(probe);
  const seen: string[] = [];
  ssc.addStreamingListener({
    onReceiverStarted: ({ receiverInfo }) => void seen.push(`started ${receiverInfo.name} active=${receiverInfo.active}`),
    onReceiverStopped: ({ receiverInfo }) => void seen.push(`stopped ${receiverInfo.name} active=${receiverInfo.active}`),
    onReceiverError: ({ receiverInfo }) => void seen.push(`error ${receiverInfo.lastErrorMessage}`),
  });
  ssc.start();
  probe.restart("lost");
  await through(clock, 5);
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
  const { ssc, clock } = pipeline(probe, { minRestartDelay: Milliseconds(50) });
  ssc.start();
  probe.restart("flaky");
  await ssc.stop();
  const before = probe.events.length;
  await through(clock, 80); // longer than the restart delay
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

t.test("an error thrown later in every(…) is reported and restarts the receiver, with back-off; the ticks run on the context's clock", async (t) => {
  let starts = 0;
  let ticks = 0;
  class Ticking extends Receiver<number> {
    onStart(): void {
      starts++;
      this.every(Milliseconds(100), () => {
        ticks++;
        if (ticks === 3) throw new Error("tick 3 broke");
        this.store(ticks);
      });
    }
    onStop(): void {}
  }
  const { ssc, clock, batches, errors, input } = pipeline(new Ticking());
  ssc.start();
  for (let i = 0; i < 3; i++) await through(clock, 100);
  t.equal(ticks, 3);
  t.equal(errors.length, 1, "reported, not a crash");
  t.equal(errors[0]!.lastErrorMessage, `Receiver ${input.name} failed in a tick of every(100 ms); restarting in 5 ms`);
  t.match(errors[0]!.lastError, /tick 3 broke/);
  t.equal(starts, 1, "waits for the back-off on the clock");
  await through(clock, 5);
  t.equal(starts, 2, "restarted");
  await through(clock, 100);
  t.equal(ticks, 4, "the old run's ticks ended: one tick per period, from the new run");
  await clock.advance(Milliseconds(1000 - clock.now()));
  await ssc.stop();
  t.same(batches, [[1, 2, 4]]);
});

t.test("a failing run(…) task or a promise onStart returns that rejects later is supervised the same way", async (t) => {
  const seen: string[] = [];
  class Looping extends Receiver<string> {
    runs = 0;
    async onStart(): Promise<void> {
      this.runs++;
      const run = this.runs;
      this.run(async (signal) => {
        while (!signal.aborted && (await this.sleep(Milliseconds(10)))) this.store(`run ${run}`);
        seen.push(`run ${run} ended`);
      });
      if (run === 1) {
        await this.sleep(Milliseconds(25));
        throw new Error("the connection broke");
      }
      if (run === 2) {
        this.run(() => {
          throw new Error("a loop that fails at once");
        });
      }
    }
    onStop(): void {}
  }
  const receiver = new Looping();
  const { ssc, clock, errors, batches } = pipeline(receiver);
  ssc.start();
  for (let i = 0; i < 3; i++) await through(clock, 10);
  t.match(errors.map((e) => e.lastErrorMessage), [/^Error starting receiver .*; restarting in 5 ms$/]);
  t.match(errors[0]!.lastError, /the connection broke/);
  t.same(seen, ["run 1 ended"], "the first run's loop ended with its run");
  await through(clock, 5);
  t.equal(receiver.runs, 2);
  t.match(errors[1]!.lastErrorMessage, /failed in a task it runs \(run\); restarting in 10 ms/);
  await through(clock, 10);
  t.equal(receiver.runs, 3);
  await through(clock, 10);
  await clock.advance(Milliseconds(1000 - clock.now()));
  await ssc.stop();
  t.same(batches.flat(), ["run 1", "run 1", "run 1", "run 3"], "records of every run arrive (run 1 stored at 10, 20 and 30 ms)");
});

t.test("store() after the receiver stopped throws a clear error instead of dropping the record", async (t) => {
  const probe = new Probe<string>();
  const { ssc, clock } = pipeline(probe);
  ssc.start();
  probe.restart("lost");
  t.equal(probe.store("during the restart's wait"), true, "not stopped for good: the record goes to a later batch");
  await through(clock, 5);
  probe.stop("done");
  t.throws(() => probe.store("late"), /receiverStream-\d+: store was called after the receiver stopped, so the records would be lost: stop timers and loops in onStop/);
  t.throws(() => probe.store(["late"]), /store was called after the receiver stopped/);
  t.throws(() => probe.storeRecords(["late"]), /storeRecords was called after the receiver stopped/);
  await ssc.stop();
  const other = new Probe<string>();
  const second = pipeline(other);
  second.ssc.start();
  await second.ssc.stop();
  t.throws(() => other.store("after ssc.stop()"), /store was called after the receiver stopped/);
});

t.test("an async onStop may still store what it held until it finishes", async (t) => {
  let release: () => void = () => {};
  class Flushing extends Receiver<string> {
    onStart(): void {}
    onStop(): Promise<void> {
      return new Promise<void>((resolve) => (release = resolve)).then(() => void this.store("flushed"));
    }
  }
  const receiver = new Flushing();
  const { ssc, clock, batches } = pipeline(receiver);
  ssc.start();
  const stopping = ssc.stop({ stopGracefully: true });
  t.ok(receiver.isStopped(), "stopping counts as stopped for loops");
  release();
  for (let i = 0; i < 3 && batches.length === 0; i++) await clock.advance(Seconds(1));
  await stopping;
  t.same(batches.flat(), ["flushed"]);
});
