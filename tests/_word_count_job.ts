/**
 * What the local[n] input tests share: the word count their job modules build over an
 * input (each batch's counts kept partition by partition), and how they compare and watch
 * it. Imported by worker threads too: free of side effects.
 */
import { type DStream, flatMap, foreachRDD, map, pipe, reduceByKey, type StreamingContext } from "../mod.ts";

/** One batch's word counts, partitions as collected. */
export type CountedBatch = ReadonlyArray<ReadonlyArray<readonly [string, number]>>;

/** flatMap → map → reduceByKey over `lines`; returns where each batch's counts land. */
export const countWordsByPartition = (lines: DStream<string>): CountedBatch[] => {
  const batches: CountedBatch[] = [];
  pipe(
    lines,
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd) => void batches.push(rdd.collectPartitions())),
  );
  return batches;
};

/** A batch's counts, partitions flattened and sorted (local[1] and local[2] partition differently). */
export const sortedCounts = (batch: CountedBatch): string[] => batch.flat().map((kv) => kv.join("=")).sort();

/** Per completed batch, how many partitions its keyed step ran on workers. */
export const partitionsOnWorkers = (ssc: StreamingContext): number[] => {
  const onWorkers: number[] = [];
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      for (const counts of batchInfo.metrics.values()) if (counts["partitionsOnWorkers"] !== undefined) onWorkers.push(counts["partitionsOnWorkers"]);
    },
  });
  return onWorkers;
};
