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

const build = (directory: string, clock: ManualClock, feed: Feed, batches: number[][], totals: number[], every?: number) => () => {
  const ssc = new StreamingContext(new SparkContext({ appName: "wal", log: () => {} }), Seconds(1), { clock });
  ssc.checkpoint(directory);
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

for (const every of [undefined, 1]) {
  t.test(`records logged before a crash are neither lost nor counted twice (state every ${every ?? 10} s)`, async (t) => {
    const directory = await mkdtemp(join(tmpdir(), "dstreams-wal-"));
    t.teardown(() => rm(directory, { recursive: true, force: true }));
    const batches: number[][] = [];
    const totals: number[] = [];

    const clock1 = new ManualClock(0);
    const feed1 = new Feed();
    const first = await StreamingContext.getOrCreate(directory, build(directory, clock1, feed1, batches, totals, every));
    first.start();
    await feed1.store([1, 2, 3, 4, 5]); // resolved: logged, so the source may forget them
    await clock1.advance(Seconds(1));
    await feed1.store([6, 7, 8]);
    await first.stop(); // dies with 6, 7, 8 received but in no batch

    const clock2 = new ManualClock(1000);
    const feed2 = new Feed(); // the source does not send 1…8 again: it had them acknowledged
    const second = await StreamingContext.getOrCreate(directory, build(directory, clock2, feed2, batches, totals, every));
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
