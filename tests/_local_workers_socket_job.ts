/**
 * The pipeline tests/local_workers_socket.test.ts runs with `StreamingContext.fromModule`:
 * a word count over `socketTextStream` (four 250 ms blocks per 1 s batch). The driver
 * and the worker threads import this module; the driver's side reads `built`.
 */
import { ManualClock, Milliseconds, Seconds, type SocketTextDStream, SparkContext, StreamingContext } from "../mod.ts";
import { type CountedBatch, countWordsByPartition } from "./_word_count_job.ts";

export interface SocketJob {
  readonly clock: ManualClock;
  readonly lines: SocketTextDStream;
  /** Each batch's counts, partitions as collected. */
  readonly batches: ReadonlyArray<CountedBatch>;
}

export let built: SocketJob | undefined;

export const createContext = (master: string, port: number): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "local-workers-socket", master }), Seconds(1), { clock });
  const lines = ssc.socketTextStream("127.0.0.1", port, { blockInterval: Milliseconds(250) });
  built = { clock, lines, batches: countWordsByPartition(lines) };
  return ssc;
};
