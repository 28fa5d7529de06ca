/**
 * The course notebook's HDFS word count, on a local directory (Spark's HdfsWordCount):
 * counts the words of the files that appear in a directory, every batch.
 *
 *   npx tsx examples/file_wordcount.ts --demo [batches]     # makes a temp dir, drops files into it, stops by itself
 *   npx tsx examples/file_wordcount.ts <directory> [batchSeconds]
 *   npx deno run --allow-read --allow-write --allow-env examples/file_wordcount.ts --demo
 *
 * Only files that appear after the start are read, each once. Write a file elsewhere
 * and move it in (`mv`), or write it under a name starting with `.` or `_` and rename
 * it: a file still being written could otherwise be read half-way.
 * Ctrl-C stops the job cleanly.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { flatMap, map, pipe, pprint, reduceByKey, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { runUntilStopped } from "./_run.ts";

const usage = "Usage: file_wordcount.ts <directory> [batchSeconds]  |  file_wordcount.ts --demo [batches]";
const args = process.argv.slice(2);
const demo = args[0] === "--demo";
if (!demo && args.length < 1) {
  console.error(usage);
  process.exit(1);
}

// The demo watches a fresh temporary directory and drops files into it itself.
const directory = demo ? mkdtempSync(join(tmpdir(), "file-wordcount-")) : args[0]!;
const batchSeconds = demo ? 1 : Number(args[1] ?? 2);
const stopAfterBatches = demo ? Number(args[1] ?? 4) : Infinity;

const sc = new SparkContext({ appName: "HdfsWordCount", master: "local[2]" });
const ssc = new StreamingContext(sc, Seconds(batchSeconds));

let lines;
try {
  lines = ssc.textFileStream(directory);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
pipe(
  lines,
  flatMap((line) => line.split(" ")),
  map((word) => [word, 1] as const),
  reduceByKey((a, b) => a + b),
  pprint(),
);

// The demo's writer: one file every 700 ms, written aside under "_" and renamed in.
const TEXT = [
  "to be or not to be that is the question",
  "the quick brown fox jumps over the lazy dog",
  "a stream is a sequence of batches",
  "the fox and the dog are friends",
];
let written = 0;
const dropFile = () => {
  const name = `part-${String(written).padStart(4, "0")}.txt`;
  const staging = join(directory, `_${name}`);
  writeFileSync(staging, `${TEXT[written % TEXT.length]}\n${TEXT[(written + 1) % TEXT.length]}\n`);
  renameSync(staging, join(directory, name));
  written++;
};
const writer = demo ? setInterval(dropFile, 700) : undefined;

if (demo) {
  console.log(`Watching ${directory}; dropping a file every 700 ms`);
  setImmediate(dropFile);
}
await runUntilStopped(ssc, {
  stopAfterBatches,
  cleanup: () => {
    clearInterval(writer);
    if (demo) rmSync(directory, { recursive: true, force: true });
  },
});
