/**
 * The pipeline tests/local_workers_files.test.ts runs with `StreamingContext.fromModule`:
 * a word count over `textFileStream` (one partition per file). The driver and the worker
 * threads import this module; the driver's side reads `built`.
 */
import { type FileDStream, flatMap, foreachRDD, ManualClock, map, pipe, reduceByKey, Seconds, SparkContext, StreamingContext } from "../mod.ts";

export interface FilesJob {
  readonly clock: ManualClock;
  readonly lines: FileDStream<string>;
  /** Each batch's counts, partitions as collected. */
  readonly batches: Array<ReadonlyArray<ReadonlyArray<readonly [string, number]>>>;
}

export let built: FilesJob | undefined;

export const createContext = (master: string, dir: string): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "local-workers-files", master, logLevel: "OFF" }), Seconds(1), { clock });
  const lines = ssc.textFileStream(dir);
  const batches: Array<ReadonlyArray<ReadonlyArray<readonly [string, number]>>> = [];
  pipe(
    lines,
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd) => void batches.push(rdd.collectPartitions())),
  );
  built = { clock, lines, batches };
  return ssc;
};
