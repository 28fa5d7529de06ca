/**
 * The course notebook's network word count, in TypeScript.
 *
 * Counts the words of the lines a TCP server sends, every batch:
 *
 *   npm start                                   # built-in text feeder, stops after 5 batches
 *   nc -lk 9999                                 # in one terminal, then in another:
 *   npx deno run --allow-net examples/network_wordcount.ts localhost 9999
 *   npx tsx examples/network_wordcount.ts localhost 9999 [batchSeconds]
 *
 * While it runs, the Streaming page is at http://127.0.0.1:4040/ (the address is printed).
 * Ctrl-C stops the job cleanly.
 */
import process from "node:process";
import {
  flatMap,
  map,
  pipe,
  pprint,
  reduceByKey,
  Seconds,
  SparkContext,
  startTextFeeder,
  StreamingContext,
  type TextFeeder,
} from "../mod.ts";
import { startUI } from "../ui.ts";

const usage = "Usage: network_wordcount.ts <hostname> <port> [batchSeconds]  |  network_wordcount.ts --demo [batches]";
const args = process.argv.slice(2);
const demo = args[0] === "--demo";
if (!demo && args.length < 2) {
  console.error(usage);
  process.exit(1);
}

// The demo feeds itself from a built-in text feeder on loopback.
const feeder: TextFeeder | undefined = demo ? await startTextFeeder({ linesPerSecond: 5 }) : undefined;
const hostname = feeder?.host ?? args[0]!;
const port = feeder?.port ?? Number(args[1]);
const batchSeconds = demo ? 1 : Number(args[2] ?? 1);
const stopAfterBatches = demo ? Number(args[1] ?? 5) : Infinity;

const sc = new SparkContext({ appName: "NetworkWordCount", master: "local[2]" });
const ssc = new StreamingContext(sc, Seconds(batchSeconds));

const lines = ssc.socketTextStream(hostname, port);
pipe(
  lines,
  flatMap((line) => line.split(" ")),
  map((word) => [word, 1] as const),
  reduceByKey((a, b) => a + b),
  pprint(),
);

let batches = 0;
ssc.addStreamingListener({
  onBatchCompleted: () => {
    if (++batches >= stopAfterBatches) void ssc.stop();
  },
});
process.once("SIGINT", () => void ssc.stop());

// The Streaming page (and a status line when the terminal shows one) while the job runs.
const ui = await startUI(ssc);
console.error(`Streaming UI at ${ui.url}`);

ssc.start();
try {
  // Resolves once stopped (after the demo's last batch or Ctrl-C); rejects if a batch failed.
  await ssc.awaitTermination();
} finally {
  if (ssc.getState() !== "STOPPED") await ssc.stop();
  await feeder?.close();
  await ui.close();
}
