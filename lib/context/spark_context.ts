/**
 * `SparkContext`: the application's handle. In dstreams it names the application,
 * sets the default parallelism and the log, and makes RDDs.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { RDD } from "../rdd/rdd.ts";
import type { Logger } from "../dstream/_graph.ts";
import { describeError } from "../_describe.ts";

/**
 * How much the log says: Spark's levels, quietest last.
 *
 * @category model
 * @since 0.1.0
 */
export type LogLevel = "ALL" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "OFF";

const LEVELS: Record<LogLevel, number> = { ALL: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, OFF: 5 };

/**
 * Options for {@link SparkContext}.
 *
 * @category model
 * @since 0.1.0
 */
export interface SparkConf {
  /** The application's name, shown in the log. */
  readonly appName?: string;
  /**
   * `"local"`, `"local[n]"` or `"local[*]"`: sets the default parallelism (Spark's
   * meaning). A context built with `StreamingContext.fromModule` also runs its batches'
   * CPU-bound steps on n threads; otherwise everything runs on one.
   */
  readonly master?: string;
  /** Overrides the partition count used when an operation is not told one. */
  readonly defaultParallelism?: number;
  /** Where log lines go; defaults to standard error. */
  readonly log?: (line: string) => void;
  /** The quietest level still logged; defaults to `"WARN"`. */
  readonly logLevel?: LogLevel;
}

/** How many threads `master` asks for (`local[n]`: n), checked. */
export const parseMaster = (master: string): number => {
  const match = /^local(?:\[(\*|\d+)\])?$/.exec(master);
  if (match === null) {
    throw new TypeError(
      `SparkContext's master must be "local", "local[n]" or "local[*]" (dstreams runs in one process), got ${JSON.stringify(master)}`,
    );
  }
  if (match[1] === undefined) return 1;
  if (match[1] === "*") return availableParallelism();
  const n = Number(match[1]);
  if (n < 1) throw new RangeError(`SparkContext's master "local[n]" needs n >= 1, got ${JSON.stringify(master)}`);
  return n;
};

/**
 * The entry point of a dstreams application; a {@link StreamingContext} is built on one.
 *
 * @example
 * ```ts
 * import { SparkContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const sc = new SparkContext({ appName: "Demo", master: "local[2]" });
 * assert.deepEqual(sc.parallelize([1, 2, 3]).collect(), [1, 2, 3]);
 * sc.stop();
 * ```
 * @category constructors
 * @since 0.1.0
 */
export class SparkContext {
  readonly appName: string;
  readonly master: string;
  readonly defaultParallelism: number;
  readonly logger: Logger;
  #logLevel: LogLevel;
  #stopped = false;

  constructor(conf: SparkConf = {}) {
    this.appName = conf.appName ?? "dstreams";
    this.master = conf.master ?? "local[*]";
    const fromMaster = parseMaster(this.master);
    const parallelism = conf.defaultParallelism ?? fromMaster;
    if (!Number.isSafeInteger(parallelism) || parallelism < 1) {
      throw new RangeError(`SparkContext's defaultParallelism must be a positive whole number, got ${String(parallelism)}`);
    }
    this.defaultParallelism = parallelism;
    const logLevel = conf.logLevel ?? "WARN";
    if (!(logLevel in LEVELS)) {
      throw new TypeError(`SparkContext's logLevel must be one of ${Object.keys(LEVELS).join(", ")}, got ${JSON.stringify(logLevel)}`);
    }
    this.#logLevel = logLevel;
    const write = conf.log ?? ((line: string) => console.error(line));
    const at = (level: LogLevel, message: string) => {
      if (LEVELS[level] >= LEVELS[this.#logLevel]) write(`${level} ${this.appName}: ${message}`);
    };
    this.logger = {
      info: (message) => at("INFO", message),
      warn: (message) => at("WARN", message),
      error: (message, error) => at("ERROR", error === undefined ? message : `${message}: ${describeError(error)}`),
    };
  }

  /** Changes how much the log says. */
  setLogLevel(level: LogLevel): void {
    if (!(level in LEVELS)) {
      throw new TypeError(`setLogLevel takes one of ${Object.keys(LEVELS).join(", ")}, got ${JSON.stringify(level)}`);
    }
    this.#logLevel = level;
  }

  /** An RDD of `items`, split into `numSlices` partitions (default: the default parallelism). */
  parallelize<A>(items: ReadonlyArray<A>, numSlices: number = this.defaultParallelism): RDD<A> {
    this.#assertLive("parallelize");
    if (!Array.isArray(items)) {
      throw new TypeError(`parallelize's items must be an array, got ${typeof items}`);
    }
    return RDD.fromArray(items, numSlices);
  }

  /** An RDD with no records. */
  emptyRDD<A>(): RDD<A> {
    return RDD.empty<A>();
  }

  /** True once `stop()` was called. */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /** Stops this context; a stopped SparkContext cannot serve a new StreamingContext. */
  stop(): void {
    this.#stopped = true;
  }

  #assertLive(what: string): void {
    if (this.#stopped) {
      throw new Error(`Cannot call ${what} on a stopped SparkContext: create a new SparkContext`);
    }
  }
}
