/**
 * The worker of tests/kafka_crash.test.ts: a checkpointed pipeline on the real clock that
 * keeps, per key, how many records it saw and the last sequence number, and counts every
 * step where the sequence did not advance by exactly 1 (Flink's SemanticsCheckMapper).
 * Each batch writes the whole state to `<sinkDir>/<batchTime>.json` (idempotent by batch
 * time). Prints `ready` once running and `done` once it counted `total` records, then stops.
 *
 *   node --import tsx tests/_kafka_crash_child.ts <brokers> <topic> <groupId> <checkpointDir> <sinkDir> <total>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { checkpoint, foreachRDD, map, type Option, pipe, Milliseconds, Seconds, some, SparkContext, StreamingContext, updateStateByKey } from "../mod.ts";
import { createDirectStream } from "../kafka.ts";

const [brokers, topic, groupId, checkpointDir, sinkDir, totalArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const total = Number(totalArg);

interface Seen {
  readonly count: number;
  readonly last: number;
  readonly bad: number;
}

const step = (seqs: ReadonlyArray<number>, state: Option<Seen>): Option<Seen> => {
  let { count, last, bad } = state._tag === "Some" ? state.value : { count: 0, last: 0, bad: 0 };
  for (const seq of seqs) {
    if (seq !== last + 1) bad++;
    last = seq;
    count++;
  }
  return some({ count, last, bad });
};

const ssc = await StreamingContext.getOrCreate(checkpointDir, () => {
  const ssc = new StreamingContext(new SparkContext({ appName: "kafka-crash", defaultParallelism: 2, log: () => {} }), Milliseconds(200));
  ssc.checkpoint(checkpointDir);
  const stream = createDirectStream(ssc, { brokers, topics: [topic], groupId, startingOffsets: "earliest", maxRatePerPartition: 150, backpressure: false });
  const state = pipe(
    stream,
    map((r) => [r.key ?? "", Number(r.value)] as const),
    updateStateByKey(step),
    checkpoint(Seconds(1)),
  );
  pipe(state, foreachRDD((rdd, time) => {
    const all = Object.fromEntries(rdd.collect());
    writeFileSync(join(sinkDir, `${String(time.milliseconds).padStart(15, "0")}.json`), JSON.stringify(all));
    const counted = Object.values(all).reduce((n, s) => n + (s as Seen).count, 0);
    if (counted >= total) {
      console.log("done");
      // On stderr too: a kill that comes too late sees that the run had finished.
      console.error("done");
      void ssc.stop();
    }
  }));
  return ssc;
});
ssc.start();
console.log("ready");
await ssc.awaitTermination();
process.exit(0);
