/**
 * Word count on two cores: `local[2]` with `StreamingContext.fromModule`, so that each
 * batch's splitting and counting runs on a worker thread beside the driver's (the
 * pipeline is in examples/wordcount_local_cores_job.ts, which every thread imports).
 *
 *   npx tsx examples/wordcount_local_cores.ts [--batches=5] [--lines=200000] [--master=local[2]]
 *   npx deno run -A examples/wordcount_local_cores.ts
 *
 * Feeds itself generated lines (one batch per second) and prints, per batch, the top
 * words and how long the batch took.
 */
import process from "node:process";
import { StreamingContext } from "../mod.ts";
import { runUntilStopped } from "./_run.ts";
import * as job from "./wordcount_local_cores_job.ts";

const option = (name: string, fallback: string): string =>
  process.argv.slice(2).find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const batches = Number(option("batches", "5"));
const linesPerBatch = Number(option("lines", "200000"));
const master = option("master", "local[2]");

const ssc = await StreamingContext.fromModule(new URL("./wordcount_local_cores_job.ts", import.meta.url), "createContext", { args: [{ master }] });
const threads = /^local\[(\d+)\]$/.exec(master)?.[1] ?? "1";
console.log(`word count on ${threads} threads (${master}), ${linesPerBatch} lines per batch`);

// Lines of 10 words from a 1,000-word vocabulary, some words much more frequent than others.
const vocabulary = Array.from({ length: 1000 }, (_, i) => `word${i}`);
let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const line = () => Array.from({ length: 10 }, () => vocabulary[Math.floor(vocabulary.length * random() ** 2)]!).join(" ");
for (let b = 0; b < batches; b++) job.lines!.enqueue(Array.from({ length: linesPerBatch }, line));

ssc.addStreamingListener({
  onBatchCompleted: ({ batchInfo }) => console.log(`  batch ${batchInfo.batchTime}: processed in ${batchInfo.processingDelay} ms`),
});
await runUntilStopped(ssc, { stopAfterBatches: batches });
