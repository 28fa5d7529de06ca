/**
 * local[n] on two cores (issue 14, point 7): the word count (flatMap → map → reduceByKey)
 * at 100,000-line batches and at 1,000-line batches, `local[1]` against `local[2]` with
 * worker threads (`StreamingContext.fromModule` on this very module, whose
 * `createContext` the driver and the worker both call).
 *
 * The harness's rows are named after its contenders: here the "hand loop" row is
 * dstreams on `local[1]` (the baseline every ratio divides by) and the "dstreams" row is
 * `local[2]` with workers, so "vs hand loop" is local[2] ÷ local[1] over both sizes, and
 * the figures `ms100k` and `ms1k` give each size's time. Only the batches are timed:
 * starting the workers (importing this module on another thread) is not. Both rows'
 * results are checked equal, as every row's are with the hand loop's.
 */
import { type DStream, flatMap, foreachRDD, ManualClock, map, pipe, type QueueDStream, reduceByKey, Seconds, SparkContext, StreamingContext } from "../../mod.ts";
import type { Sink, Workload } from "../harness.ts";
import { fingerprint, hashString, lineBatches, mix, vocabulary } from "../_data.ts";

export type WordCount = readonly [string, number];

interface CoresInput {
  /** 100,000-line batches (quick mode: smaller). */
  readonly large: string[][];
  /** 1,000-line batches. */
  readonly small: string[][];
}

// ---------------------------------------------------------------------------------------
// the job module (imported by the worker threads too: keep it free of side effects)
// ---------------------------------------------------------------------------------------

const BATCH = Seconds(1);

/** What the driver's `createContext` call built. */
let built: { readonly clock: ManualClock; readonly lines: QueueDStream<string> } | undefined;
/** Where the driver's output hands each batch (never called on a worker). */
let currentSink: Sink<WordCount> | undefined;

/** The word count both local[n] workloads run, handing each batch's counts to `sink()`. */
export const countWords = (lines: DStream<string>, sink: () => Sink<WordCount>): void => {
  pipe(
    lines,
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd) => sink()(() => rdd.collect())),
  );
};

export const createContext = (master: string): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "bench-local-cores", master }), BATCH, { clock });
  const lines = ssc.queueStream<string>([]);
  countWords(lines, () => currentSink!);
  built = { clock, lines };
  return ssc;
};

/** Counts the batches of `ssc` whose map side ran (partly) on worker threads; the function reads the count so far. */
export const countBatchesOnWorkers = (ssc: StreamingContext): () => number => {
  let onWorkers = 0;
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      for (const counts of batchInfo.metrics.values()) if ((counts["partitionsOnWorkers"] ?? 0) > 0) onWorkers++;
    },
  });
  return () => onWorkers;
};

/**
 * Runs `batches` through a fresh context on `master` (made by `fromModule`, or with
 * `plain` by calling `createContext` itself: no workers, one pass over all partitions);
 * returns the time the batches took (not the set-up) and how many ran on the workers.
 */
export const timeBatches = async (
  master: string,
  batches: ReadonlyArray<ReadonlyArray<string>>,
  sink: Sink<WordCount>,
  plain = false,
): Promise<{ readonly ms: number; readonly onWorkers: number }> => {
  const ssc = plain ? createContext(master) : await StreamingContext.fromModule(new URL(import.meta.url), "createContext", { args: [master] });
  const onWorkers = countBatchesOnWorkers(ssc);
  const { clock, lines } = built!;
  currentSink = sink;
  lines.enqueue(...batches);
  let failure: unknown;
  const watching = ssc.awaitTermination().catch((error: unknown) => void (failure = error));
  ssc.start();
  const start = performance.now();
  for (let i = 0; i < batches.length && failure === undefined; i++) await clock.advance(BATCH);
  const elapsed = performance.now() - start;
  await ssc.stop();
  await watching;
  if (failure !== undefined) throw failure;
  return { ms: elapsed, onWorkers: onWorkers() };
};

const contender = (master: string) => async (input: CoresInput, sink: Sink<WordCount>) => {
  const large = await timeBatches(master, input.large, sink);
  const small = await timeBatches(master, input.small, sink);
  return { elapsedMs: large.ms + small.ms, extra: { ms100k: large.ms, ms1k: small.ms, workerBatches100k: large.onWorkers, workerBatches1k: small.onWorkers } };
};

export const SEED = 20_240_605;
let vocab: string[] | undefined;
export const batchesOf = (batches: number, linesPerBatch: number, seed: number): string[][] =>
  lineBatches({ batches, linesPerBatch, wordsPerLine: 10, vocabulary: (vocab ??= vocabulary(10_000, SEED)), seed });

export const localCores: Workload<CoresInput, WordCount> = {
  id: "local-cores",
  title: "14. local[2] vs local[1]",
  unit: "lines",
  runs: 5,
  prepare: (mode) => ({
    // 20 batches: a new context's workers start with cold code (their first batches run slower), as a job's first batches do.
    large: batchesOf(mode.quick ? 2 : 20, mode.quick ? 30_000 : 100_000, SEED + 1),
    small: batchesOf(mode.quick ? 20 : 300, 1_000, SEED + 2),
  }),
  records: (input) => [...input.large, ...input.small].reduce((n, b) => n + b.length, 0),
  fingerprint: (input) => `${fingerprint(input.large)} ${fingerprint(input.small)}`,
  digest: (r) => mix(hashString(r[0]), r[1]),
  light: (r) => r[1],
  notes: () => [
    `the "hand loop" row is dstreams on local[1] and the "dstreams" row local[2] with worker threads (StreamingContext.fromModule); figures ms100k and ms1k: time of the 100k-line and the 1k-line batches; workerBatches100k and workerBatches1k: how many of them ran on the workers (adaptive: the rest on the driver alone, measured faster)`,
  ],
  contenders: {
    "hand loop": contender("local[1]"),
    dstreams: contender("local[2]"),
    RxJS: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
    Effect: { unavailable: "not measured: local[2] against local[1] is a race of dstreams with itself" },
  },
};
