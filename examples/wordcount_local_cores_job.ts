/**
 * The pipeline of examples/wordcount_local_cores.ts, in a module of its own: with
 * `local[n]`, `StreamingContext.fromModule` imports it on the driver and on each of the
 * n - 1 worker threads, and calls `createContext` there too. So it only builds: no
 * context started, nothing opened (the workers never start what it builds).
 */
import { flatMap, foreachRDD, map, pipe, type QueueDStream, reduceByKey, Seconds, SparkContext, StreamingContext } from "../mod.ts";

export interface WordCountJob {
  /** `"local[2]"` runs the word count's map side on two threads. */
  readonly master: string;
}

/** The driver's input, to feed after `fromModule` returns. */
export let lines: QueueDStream<string> | undefined;

export const createContext = ({ master }: WordCountJob): StreamingContext => {
  const ssc = new StreamingContext(new SparkContext({ appName: "WordCountLocalCores", master }), Seconds(1));
  lines = ssc.queueStream<string>([]);
  pipe(
    lines,
    flatMap((line: string) => line.split(" ")),
    map((word: string) => [word, 1] as const),
    reduceByKey((a: number, b: number) => a + b),
    foreachRDD((rdd, time) => {
      const top = rdd.top(3, (a, b) => a[1] - b[1]).map(([word, n]) => `${word}=${n}`).join(" ");
      console.log(`${time}: ${rdd.count()} distinct words, top ${top}`);
    }),
  );
  return ssc;
};
