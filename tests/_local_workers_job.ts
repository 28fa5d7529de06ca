/**
 * The pipelines tests/local_workers.test.ts runs with `StreamingContext.fromModule`: the
 * driver and every worker thread import this module and call `createContext`. The
 * driver's side reads what it built from `built` (the same module instance as the
 * test's import).
 */
import { isMainThread } from "node:worker_threads";
import process from "node:process";
import {
  flatMap,
  foreachRDD,
  type LogLevel,
  ManualClock,
  map,
  mapValues,
  pipe,
  type QueueDStream,
  reduceByKey,
  repartition,
  filter,
  combineByKey,
  Seconds,
  SparkContext,
  StreamingContext,
  union,
  type Option,
  some,
  updateStateByKey,
} from "../mod.ts";

export type Shape = "wordcount" | "filtered" | "union" | "mixed" | "throwing" | "combine" | "files";

export interface JobArgs {
  readonly master: string;
  readonly shape: Shape;
  readonly logLevel?: LogLevel;
  /** "files": the watched directory, and the manual clock's start. */
  readonly directory?: string;
  readonly startTime?: number;
  /** A worker thread (never the driver) that meets a line holding this word exits, as a crashed worker would. */
  readonly workerExitsOn?: string;
}

/** What the driver's call built: its inputs, clock, and every output's batches (partitions as collected). */
export interface Built {
  readonly ssc: StreamingContext;
  readonly clock: ManualClock;
  /** The queue inputs (none for "files"). */
  readonly inputs: ReadonlyArray<QueueDStream<string>>;
  readonly results: Map<string, Array<ReadonlyArray<ReadonlyArray<unknown>>>>;
  readonly log: string[];
}

export let built: Built | undefined;

export const createContext = (args: JobArgs): StreamingContext => {
  const exitOn = args.workerExitsOn;
  const words = (line: string): string[] => {
    if (exitOn !== undefined && !isMainThread && line.includes(exitOn)) process.exit(1);
    return line.split(" ");
  };
  const log: string[] = [];
  const clock = new ManualClock(args.startTime ?? 0);
  const sc = new SparkContext({ appName: "local-workers", master: args.master, logLevel: args.logLevel ?? "WARN", log: (line) => log.push(line) });
  const ssc = new StreamingContext(sc, Seconds(1), { clock });
  const results = new Map<string, Array<ReadonlyArray<ReadonlyArray<unknown>>>>();
  const collect = (name: string) => {
    results.set(name, []);
    return foreachRDD<unknown>((rdd) => void results.get(name)!.push(rdd.collectPartitions()));
  };
  const inputs: Array<QueueDStream<string>> = [];
  const queue = (): QueueDStream<string> => {
    const input = ssc.queueStream<string>([]);
    inputs.push(input);
    return input;
  };
  const lines = args.shape === "files" ? ssc.textFileStream(args.directory!) : queue();
  switch (args.shape) {
    case "wordcount":
      pipe(lines, flatMap(words), map((w: string) => [w, 1] as const), reduceByKey((a: number, b: number) => a + b), collect("counts"));
      break;
    case "filtered":
      // Float sums: equal only when every thread combines per partition alike.
      pipe(
        lines,
        flatMap(words),
        filter((w: string) => w.length > 2),
        map((w: string) => [w, w.length] as const),
        mapValues((n: number) => n * 0.1),
        reduceByKey((a: number, b: number) => a + b),
        collect("sums"),
      );
      break;
    case "union": {
      const more = queue();
      pipe(lines, union(more), flatMap(words), map((w: string) => [w, 1] as const), reduceByKey((a: number, b: number) => a + b), collect("counts"));
      break;
    }
    case "mixed": {
      const pairs = pipe(lines, flatMap(words), map((w: string) => [w, 1] as const));
      pipe(pairs, reduceByKey((a: number, b: number) => a + b), collect("counts"));
      // Not parallelizable (a repartition is a shuffle): stays on the driver.
      pipe(pairs, repartition(3), reduceByKey((a: number, b: number) => a + b), collect("repartitioned"));
      break;
    }
    case "throwing":
      pipe(
        lines,
        flatMap(words),
        map((w: string) => {
          if (w === "boom") throw new RangeError(`no ${w} allowed`);
          return [w, 1] as const;
        }),
        reduceByKey((a: number, b: number) => a + b),
        collect("counts"),
      );
      break;
    case "combine":
      pipe(
        lines,
        flatMap(words),
        map((w: string) => [w.length, w] as const),
        combineByKey(
          (w: string) => [w],
          (c: string[], w: string) => (c.includes(w) ? c : [...c, w]),
          (a: string[], b: string[]) => [...a, ...b.filter((w) => !a.includes(w))],
        ),
        collect("byLength"),
      );
      break;
    case "files":
      // Recovery: running counts (state) over a parallel word count of the files.
      pipe(
        lines,
        flatMap(words),
        map((w: string) => [w, 1] as const),
        reduceByKey((a: number, b: number) => a + b),
        updateStateByKey((values: ReadonlyArray<number>, state: Option<number>) =>
          some(values.reduce((a, b) => a + b, state._tag === "Some" ? state.value : 0))
        ),
        collect("running"),
      );
      break;
  }
  built = { ssc, clock, inputs, results, log };
  return ssc;
};
