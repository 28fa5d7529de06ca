/**
 * The pipeline tests/local_workers_files.test.ts runs with `StreamingContext.fromModule`:
 * a word count over `textFileStream` (one partition per file). The driver and the worker
 * threads import this module; the driver's side reads `built`.
 */
import { type FileDStream, ManualClock, Seconds, SparkContext, StreamingContext } from "../mod.ts";
import { type CountedBatch, countWordsByPartition } from "./_word_count_job.ts";

export interface FilesJob {
  readonly clock: ManualClock;
  readonly lines: FileDStream<string>;
  /** Each batch's counts, partitions as collected. */
  readonly batches: ReadonlyArray<CountedBatch>;
}

export let built: FilesJob | undefined;

export const createContext = (master: string, dir: string): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "local-workers-files", master, logLevel: "OFF" }), Seconds(1), { clock });
  const lines = ssc.textFileStream(dir);
  built = { clock, lines, batches: countWordsByPartition(lines) };
  return ssc;
};
