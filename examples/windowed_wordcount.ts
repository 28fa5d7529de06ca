/**
 * Windowed word count, the Spark programming guide's window example in TypeScript.
 *
 * Counts the words of the lines a TCP server sends over the last 30 seconds, every 10
 * seconds, with reduceByKeyAndWindow and an inverse function: each slide subtracts the
 * counts of the batches that left the window and adds those that entered, so it costs
 * the same however long the window is. No checkpoint directory is needed.
 *
 *   npx tsx examples/windowed_wordcount.ts --demo [windows]   # built-in text feeder, small durations
 *   nc -lk 9999                                               # in one terminal, then in another:
 *   npx tsx examples/windowed_wordcount.ts localhost 9999
 *   npx deno run --allow-net examples/windowed_wordcount.ts localhost 9999
 *
 * The demo uses 500 ms batches, a 3 s window and a 1 s slide, and stops after 4 windows
 * (or as many as given). Ctrl-C stops the job cleanly.
 */
import process from "node:process";
import {
  flatMap,
  map,
  Milliseconds,
  pipe,
  pprint,
  RDD,
  reduceByKeyAndWindow,
  Seconds,
  SparkContext,
  startTextFeeder,
  StreamingContext,
  type TextFeeder,
  transform,
} from "../mod.ts";
import { runUntilStopped } from "./_run.ts";

const usage = "Usage: windowed_wordcount.ts <hostname> <port>  |  windowed_wordcount.ts --demo [windows]";
const args = process.argv.slice(2);
const demo = args[0] === "--demo";
if (!demo && args.length < 2) {
  console.error(usage);
  process.exit(1);
}

// The demo feeds itself from a built-in text feeder on loopback.
const feeder: TextFeeder | undefined = demo ? await startTextFeeder({ linesPerSecond: 10 }) : undefined;
const hostname = feeder?.host ?? args[0]!;
const port = feeder?.port ?? Number(args[1]);
const batchInterval = demo ? Milliseconds(500) : Seconds(1);
const windowDuration = demo ? Seconds(3) : Seconds(30);
const slideDuration = demo ? Seconds(1) : Seconds(10);
const stopAfterWindows = demo ? Number(args[1] ?? 4) : Infinity;

const sc = new SparkContext({ appName: "WindowedNetworkWordCount", master: "local[2]" });
const ssc = new StreamingContext(sc, batchInterval);

const lines = ssc.socketTextStream(hostname, port);
pipe(
  lines,
  flatMap((line) => line.split(" ")),
  map((word) => [word, 1] as const),
  reduceByKeyAndWindow(
    (a, b) => a + b, // add the counts of the batches entering the window
    (a, b) => a - b, // subtract those of the batches leaving it
    windowDuration,
    slideDuration,
    undefined, // numPartitions: the default parallelism
    ([, count]) => count > 0, // drop the words no longer in the window
  ),
  // The most frequent words first.
  transform((rdd) => RDD.fromArray(rdd.collect().sort(([w1, a], [w2, b]) => b - a || (w1 < w2 ? -1 : 1)))),
  pprint(),
);

// A window is emitted every slide: only those batches have a job, so each completed batch is one window.
await runUntilStopped(ssc, { stopAfterBatches: stopAfterWindows, cleanup: () => feeder?.close() });
