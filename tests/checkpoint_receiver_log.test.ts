/**
 * Receivers with a write-ahead log (on whenever a checkpoint directory is set): a record
 * counts as received once logged (`store(records)` resolves then), so a receiver that
 * acknowledges its source only after `store()` resolves loses nothing across a crash:
 * batches that were taken are regenerated with the same records, and records logged but in
 * no batch yet go to the first batch after the restart.
 */
import t from "tap";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpoint, foreachRDD, ManualClock, map, named, type Option, pipe, Receiver, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";

class Feed extends Receiver<number> {
  onStart(): void {}
  onStop(): void {}
}

const sum = (values: ReadonlyArray<number>, state: Option<number>): Option<number> =>
  some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0));

const build = (directory: string, clock: ManualClock, feed: Feed, batches: number[][], totals: number[], every?: number, fsync: "block" | number = "block") => () => {
  const ssc = new StreamingContext(new SparkContext({ appName: "wal", log: () => {} }), Seconds(1), { clock });
  ssc.checkpoint(directory, { writeAheadLogFsync: fsync });
  const numbers = pipe(ssc.receiverStream(feed), named("feed"));
  pipe(numbers, foreachRDD((rdd) => void batches.push([...rdd.collect()])));
  pipe(
    numbers,
    map((n: number) => ["total", n] as const),
    updateStateByKey(sum),
    checkpoint(every === undefined ? undefined : Seconds(every)),
    foreachRDD((rdd) => void totals.push(...rdd.collect().map(([, v]) => v))),
  );
  return ssc;
};

for (const [every, fsync] of [[undefined, "block"], [1, "block"], [1, 5]] as const) {
  t.test(`records logged before a crash are neither lost nor counted twice (state every ${every ?? 10} s, fsync ${fsync === "block" ? "per block" : `every ${fsync} ms`})`, async (t) => {
    const directory = await mkdtemp(join(tmpdir(), "dstreams-wal-"));
    t.teardown(() => rm(directory, { recursive: true, force: true }));
    const batches: number[][] = [];
    const totals: number[] = [];

    const clock1 = new ManualClock(0);
    const feed1 = new Feed();
    const first = await StreamingContext.getOrCreate(directory, build(directory, clock1, feed1, batches, totals, every, fsync));
    first.start();
    await feed1.store([1, 2, 3, 4, 5]); // resolved: logged, so the source may forget them
    await clock1.advance(Seconds(1));
    await feed1.store([6, 7, 8]);
    await first.stop(); // dies with 6, 7, 8 received but in no batch

    const clock2 = new ManualClock(1000);
    const feed2 = new Feed(); // the source does not send 1…8 again: it had them acknowledged
    const second = await StreamingContext.getOrCreate(directory, build(directory, clock2, feed2, batches, totals, every, fsync));
    second.start();
    await clock2.advance(Seconds(1));
    await feed2.store([9]);
    await clock2.advance(Seconds(1));
    await second.stop();

    t.same(batches, [[1, 2, 3, 4, 5], [6, 7, 8], [9]], "each record in one batch");
    t.same(totals, [15, 36, 45], "the running total counts each record once");
    t.ok((await readdir(join(directory, "receivedData"))).includes("feed"), "the log lives under the checkpoint directory, by stream name");
  });
}

t.test("a checkpoint taken while an append is under way still finds that block at recovery", async (t) => {
  const { ReceiverLog } = await import("../lib/sources/_receiver_log.ts");
  const directory = await mkdtemp(join(tmpdir(), "dstreams-wal-"));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };
  const delivered: number[] = [];
  const log = new ReceiverLog<number>(directory, quietLogger, (records) => void delivered.push(...records));
  log.open();
  await log.ready();
  await log.add([1, 2, 3]);
  log.took(1000, 3);
  let done = false;
  const logged = log.add([4, 5]).then(() => void (done = true));
  // A checkpoint at every turn of the event loop while the append is under way.
  const positions = [log.snapshot(0)];
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    positions.push(log.snapshot(0));
  }
  await logged;
  await log.close();
  const lost: number[] = [];
  for (const [i, position] of positions.entries()) {
    const recovered: number[] = [];
    const again = new ReceiverLog<number>(directory, quietLogger, (records) => void recovered.push(...records));
    again.restore(position);
    again.open();
    await again.ready();
    await again.close();
    if (recovered.join() !== "4,5") lost.push(i + 1);
  }
  t.same(lost, [], `none of the ${positions.length} checkpoints loses the records logged meanwhile (they are in no batch, so they come back)`);
});
