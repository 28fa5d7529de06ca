/**
 * Test harness in Spark's `testOperation` shape: feed input batches through a pipeline
 * under a manual clock and collect what every batch produced.
 */
import { type DStream, foreachRDD, ManualClock, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import type { Duration } from "../mod.ts";
import fc from "fast-check";

export interface RunOptions {
  /** Batch interval (default 1 s). */
  readonly batch?: Duration;
  /** How many batches to run (default: as many as there are input batches). */
  readonly batches?: number;
  /** Partitions per input batch (default 2). */
  readonly parallelism?: number;
}

export interface RunResult<B> {
  /** One entry per batch time that produced an RDD: [time in ms, records]. */
  readonly outputs: ReadonlyArray<readonly [number, ReadonlyArray<B>]>;
  /** The error log: one line per error reported during the run (failed batches, …). */
  readonly errors: ReadonlyArray<string>;
  /** The error `awaitTermination()` rejected with, if any. */
  readonly terminationError: Error | undefined;
}

/** Runs `operation` over `input` (one array per batch) and collects each batch's output. */
export const runOperation = async <A, B>(
  input: ReadonlyArray<ReadonlyArray<A>>,
  operation: (stream: DStream<A>) => DStream<B>,
  options: RunOptions = {},
): Promise<RunResult<B>> => {
  const clock = new ManualClock();
  const batch = options.batch ?? Seconds(1);
  const errors: string[] = [];
  const sc = new SparkContext({
    appName: "test",
    defaultParallelism: options.parallelism ?? 2,
    logLevel: "ERROR",
    log: (line) => errors.push(line),
  });
  const ssc = new StreamingContext(sc, batch, { clock });
  const outputs: Array<readonly [number, ReadonlyArray<B>]> = [];
  operation(ssc.queueStream(input)).pipe(foreachRDD((rdd, time) => {
    outputs.push([time.milliseconds, rdd.collect()]);
  }));
  ssc.start();
  let terminationError: Error | undefined;
  const watching = ssc.awaitTermination().catch((error: Error) => {
    terminationError = error;
  });
  const n = options.batches ?? input.length;
  for (let i = 0; i < n; i++) await clock.advance(batch);
  await ssc.stop();
  await watching;
  return { outputs, errors, terminationError };
};

/** Just the records of each batch that produced output. */
export const outputsOf = async <A, B>(
  input: ReadonlyArray<ReadonlyArray<A>>,
  operation: (stream: DStream<A>) => DStream<B>,
  options: RunOptions = {},
): Promise<ReadonlyArray<ReadonlyArray<B>>> => (await runOperation(input, operation, options)).outputs.map(([, records]) => records);

/**
 * Batch marbles: `"a b | c | | d"` is four batches: [a, b], [c], [], [d].
 */
export const marbles = (text: string): string[][] =>
  text.split("|").map((batch) => batch.trim().split(/\s+/).filter((s) => s !== ""));

/** Sorts records by their JSON form, for comparing batches whose order is not defined. */
export const sorted = <A>(records: ReadonlyArray<A>): A[] =>
  [...records].sort((x, y) => {
    const a = JSON.stringify(x);
    const b = JSON.stringify(y);
    return a < b ? -1 : a > b ? 1 : 0;
  });

/** Random batch sequences for property tests, with many empty and one-record batches. */
export const batchesOf = <A>(
  record: fc.Arbitrary<A>,
  { minBatches = 0, maxBatches = 12 }: { readonly minBatches?: number; readonly maxBatches?: number } = {},
): fc.Arbitrary<Array<Array<A>>> =>
  fc.array(
    fc.oneof(
      { arbitrary: fc.constant<Array<A>>([]), weight: 1 },
      { arbitrary: fc.array(record, { minLength: 1, maxLength: 1 }), weight: 1 },
      { arbitrary: fc.array(record, { maxLength: 8 }), weight: 3 },
    ),
    { minLength: minBatches, maxLength: maxBatches },
  );
