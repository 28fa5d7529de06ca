/**
 * Per-batch cost of reduceByKeyAndWindow with an inverse function at window lengths of
 * 10 and 100 batches, at the same input rate. With the inverse, a slide subtracts the
 * batch that left and adds the batch that entered, so the two should cost about the
 * same (ratio near 1). The form without an inverse, which reduces the whole window
 * every slide, is timed alongside for contrast.
 *
 *   npx tsx bench/window.ts [recordsPerBatch] [distinctKeys]
 *
 * Runs under a manual clock: each batch is generated and processed as fast as it can.
 * The two window lengths run alternately, five times each; the medians are compared.
 */
import process from "node:process";
import { performance } from "node:perf_hooks";
import {
  type DStream,
  foreachRDD,
  ManualClock,
  map,
  pipe,
  reduceByKeyAndWindow,
  Seconds,
  SparkContext,
  StreamingContext,
} from "../mod.ts";

const recordsPerBatch = Number(process.argv[2] ?? 20_000);
const distinctKeys = Number(process.argv[3] ?? 2_000);
const measuredBatches = 200;
const rounds = 5;
const add = (a: number, b: number) => a + b;
const subtract = (a: number, b: number) => a - b;

/** A few pre-built batches of words, cycled, so generating input costs nothing in the timing. */
const batches: string[][] = Array.from({ length: 7 }, (_, b) =>
  Array.from({ length: recordsPerBatch }, (_, i) => `w${(i * 7919 + b * 104_729) % distinctKeys}`));

type Counts = (pairs: DStream<readonly [string, 1]>) => DStream<readonly [string, number]>;

/** Milliseconds per batch once the window is full. */
const perBatchMs = async (windowBatches: number, counts: Counts): Promise<number> => {
  const clock = new ManualClock();
  const sc = new SparkContext({ appName: "bench-window", master: "local[2]" });
  const ssc = new StreamingContext(sc, Seconds(1), { clock });
  const input = ssc.queueStream<string>([]);
  let keys = 0;
  pipe(
    input,
    map((word: string) => [word, 1] as const),
    counts,
    foreachRDD((rdd) => void (keys = rdd.count())),
  );
  ssc.start();
  let next = 0;
  const step = async () => {
    input.enqueue(batches[next++ % batches.length]!);
    await clock.advance(Seconds(1));
  };
  for (let i = 0; i < windowBatches + 20; i++) await step();
  const started = performance.now();
  for (let i = 0; i < measuredBatches; i++) await step();
  const elapsed = performance.now() - started;
  await ssc.stop();
  if (keys !== distinctKeys) throw new Error(`expected ${distinctKeys} keys in the window, got ${keys}`);
  return elapsed / measuredBatches;
};

const withInverse = (w: number): Counts => reduceByKeyAndWindow(add, subtract, Seconds(w), Seconds(1));
const withoutInverse = (w: number): Counts => reduceByKeyAndWindow(add, Seconds(w), Seconds(1));

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
const median = (xs: ReadonlyArray<number>): number => {
  const sortedXs = [...xs].sort((a, b) => a - b);
  return sortedXs[Math.floor(sortedXs.length / 2)]!;
};

console.log(
  `reduceByKeyAndWindow, ${recordsPerBatch} records per batch over ${distinctKeys} keys, slide 1 batch, ` +
    `${measuredBatches} batches timed per run, median of ${rounds} interleaved runs`,
);
await perBatchMs(10, withInverse(10)); // warm-up: let the JIT settle
const inv10: number[] = [];
const inv100: number[] = [];
for (let round = 0; round < rounds; round++) {
  inv10.push(await perBatchMs(10, withInverse(10)));
  inv100.push(await perBatchMs(100, withInverse(100)));
}
console.log(`  with inverse     window  10 batches: ${fmt(median(inv10))} per batch`);
console.log(`  with inverse     window 100 batches: ${fmt(median(inv100))} per batch`);
console.log(`  ratio 100 / 10: ${(median(inv100) / median(inv10)).toFixed(2)}`);
const naive10 = await perBatchMs(10, withoutInverse(10));
const naive100 = await perBatchMs(100, withoutInverse(100));
console.log(`  without inverse  window  10 batches: ${fmt(naive10)} per batch (one run)`);
console.log(`  without inverse  window 100 batches: ${fmt(naive100)} per batch (one run)`);
console.log(`  ratio 100 / 10: ${(naive100 / naive10).toFixed(2)} (for contrast: the whole window is reduced every slide)`);
