/**
 * The pipeline tests/local_workers_socket.test.ts runs with `StreamingContext.fromModule`:
 * a word count over `socketTextStream` (four 250 ms blocks per 1 s batch). The driver
 * and the worker threads import this module; the driver's side reads `built`.
 */
import { flatMap, foreachRDD, ManualClock, map, Milliseconds, pipe, reduceByKey, Seconds, type SocketTextDStream, SparkContext, StreamingContext } from "../mod.ts";

export interface SocketJob {
  readonly clock: ManualClock;
  readonly lines: SocketTextDStream;
  /** Each batch's counts, partitions as collected. */
  readonly batches: Array<ReadonlyArray<ReadonlyArray<readonly [string, number]>>>;
}

export let built: SocketJob | undefined;

export const createContext = (master: string, port: number): StreamingContext => {
  const clock = new ManualClock();
  const ssc = new StreamingContext(new SparkContext({ appName: "local-workers-socket", master }), Seconds(1), { clock });
  const lines = ssc.socketTextStream("127.0.0.1", port, { blockInterval: Milliseconds(250) });
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
