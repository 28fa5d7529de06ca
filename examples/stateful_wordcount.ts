/**
 * A running word count: Spark's StatefulNetworkWordCount with `updateStateByKey`.
 *
 * Every batch prints the count of every word seen so far, not just the batch's:
 *
 *   npx tsx examples/stateful_wordcount.ts                  # built-in text feeder, stops after 3 batches
 *   npx tsx examples/stateful_wordcount.ts --demo 5         # … after 5 batches
 *   nc -lk 9999                                             # in one terminal, then in another:
 *   npx tsx examples/stateful_wordcount.ts localhost 9999
 *   npx deno run --allow-net examples/stateful_wordcount.ts
 *
 * No checkpoint directory is needed: the state lives in the context. Ctrl-C stops the job.
 */
import process from "node:process";
import {
  flatMap,
  isSome,
  map,
  type Option,
  pipe,
  pprint,
  Seconds,
  some,
  SparkContext,
  startTextFeeder,
  StreamingContext,
  type TextFeeder,
  updateStateByKey,
} from "../mod.ts";
import { runUntilStopped } from "./_run.ts";

const usage = "Usage: stateful_wordcount.ts [--demo [batches]]  |  stateful_wordcount.ts <hostname> <port>";
const args = process.argv.slice(2);
const demo = args.length === 0 || args[0] === "--demo";
if (!demo && args.length < 2) {
  console.error(usage);
  process.exit(1);
}

// The demo feeds itself from a built-in text feeder on loopback.
const feeder: TextFeeder | undefined = demo ? await startTextFeeder({ linesPerSecond: 4 }) : undefined;
const hostname = feeder?.host ?? args[0]!;
const port = feeder?.port ?? Number(args[1]);
const stopAfterBatches = demo ? Number(args[1] ?? 3) : Infinity;

const sc = new SparkContext({ appName: "StatefulNetworkWordCount", master: "local[2]" });
const ssc = new StreamingContext(sc, Seconds(1));

/** The new counts of a word in this batch, added to its count so far. */
const addCounts = (newCounts: ReadonlyArray<number>, runningCount: Option<number>): Option<number> =>
  some(newCounts.reduce((a, b) => a + b, 0) + (isSome(runningCount) ? runningCount.value : 0));

pipe(
  ssc.socketTextStream(hostname, port),
  flatMap((line) => line.split(" ")),
  map((word) => [word, 1] as const),
  updateStateByKey(addCounts, { initialRDD: [["hello", 1], ["world", 1]] }),
  pprint(),
);

await runUntilStopped(ssc, { stopAfterBatches, cleanup: () => feeder?.close() });
