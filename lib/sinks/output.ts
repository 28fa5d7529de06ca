/**
 * Output operations: each registers a job that runs once per batch, in the order
 * the outputs were defined.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import type { DStream } from "../dstream/dstream.ts";
import { nodeOf } from "../dstream/_node.ts";
import { dual } from "../dstream/_dual.ts";
import { describeValue } from "../_describe.ts";
import { formatBatch, type PrintStyle } from "./format.ts";

/**
 * Runs `f` on each batch's RDD, on the driver. A returned promise is awaited before
 * the batch counts as done; a throw (or rejection) fails that batch's job.
 *
 * @example
 * ```ts
 * import { foreachRDD, ManualClock, pipe, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const lines: string[] = [];
 * pipe(
 *   ssc.queueStream([["a", "b"], ["c"]]),
 *   foreachRDD(async (rdd, time) => void lines.push(`${time}: ${rdd.count()}`)), // awaited
 * );
 * ssc.start();
 * await clock.advance(Seconds(2));
 * await ssc.stop();
 * assert.deepEqual(lines, ["1000 ms: 2", "2000 ms: 1"]);
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const foreachRDD: {
  <A>(f: (rdd: RDD<A>, time: Time) => void | Promise<void>): (self: DStream<A>) => void;
  <A>(self: DStream<A>, f: (rdd: RDD<A>, time: Time) => void | Promise<void>): void;
} = dual(
  <A>(self: DStream<A>, f: (rdd: RDD<A>, time: Time) => void | Promise<void>): void => {
    checkOutputFunction(f);
    const node = nodeOf(self, "foreachRDD");
    node.context.registerOutput(node, "foreachRDD", f);
  },
  undefined,
  (f: unknown) => checkOutputFunction(f),
);

const checkOutputFunction = (f: unknown): void => {
  if (typeof f !== "function") throw new TypeError(`foreachRDD needs a function (rdd, time) => …, got ${describeValue(f)}`);
};

/**
 * Options for {@link pprint} and {@link print}.
 *
 * @category outputs
 * @since 0.1.0
 */
export interface PprintOptions {
  /** Where each batch's block goes; defaults to standard output. */
  readonly print?: (block: string) => void;
}

const printer = (operation: string, style: PrintStyle) =>
<A>(self: DStream<A>, num = 10, options: PprintOptions = {}): void => {
  checkNum(operation, num);
  const print = options.print ?? ((block: string) => console.log(block));
  const node = nodeOf(self, operation);
  node.context.registerOutput(node, operation, (rdd, time) => print(formatBatch(rdd.take(num + 1), time, num, style)));
};

/**
 * PySpark's `pprint`: prints the first `num` records of every batch in Spark's block,
 * 43 dashes, `Time: <batch time>` in local time as PySpark shows it
 * (`Time: 2014-10-14 15:25:21`, `.500000` for a time between seconds), the dashes again,
 * the records (`(hello,1)`), `...` when there are more, and an empty line.
 *
 * @example
 * ```ts
 * import { ManualClock, pipe, pprint, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const start = new Date(2014, 9, 14, 15, 25, 20).getTime(); // local time
 * const clock = new ManualClock(start);
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const blocks: string[] = [];
 * pipe(ssc.queueStream([[["hello", 1], ["world", 1]]]), pprint(10, { print: (block) => blocks.push(block) }));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * const dashes = "-".repeat(43);
 * assert.deepEqual(blocks, [`${dashes}\nTime: 2014-10-14 15:25:21\n${dashes}\n(hello,1)\n(world,1)\n`]);
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const pprint: {
  (num?: number, options?: PprintOptions): <A>(self: DStream<A>) => void;
  <A>(self: DStream<A>, num?: number, options?: PprintOptions): void;
} = dual(printer("pprint", "python"), undefined, (num: unknown = 10) => checkNum("pprint", num));

/**
 * Scala's `print`: the block {@link pprint} prints, with the batch time as Scala shows
 * it (`Time: 1413299121000 ms`) and grouped values as `CompactBuffer(1, 1)`.
 *
 * @example
 * ```ts
 * import { ManualClock, pipe, print, Seconds, SparkContext, StreamingContext } from "@dstreams/dstreams";
 * import assert from "node:assert";
 * const clock = new ManualClock();
 * const ssc = new StreamingContext(new SparkContext(), Seconds(1), { clock });
 * const blocks: string[] = [];
 * pipe(ssc.queueStream([[["hello", 1], ["world", 1]]]), print(1, { print: (block) => blocks.push(block) }));
 * ssc.start();
 * await clock.advance(Seconds(1));
 * await ssc.stop();
 * const dashes = "-".repeat(43);
 * assert.deepEqual(blocks, [`${dashes}\nTime: 1000 ms\n${dashes}\n(hello,1)\n...\n`]);
 * ```
 * @category outputs
 * @since 0.2.0
 */
export const print: {
  (num?: number, options?: PprintOptions): <A>(self: DStream<A>) => void;
  <A>(self: DStream<A>, num?: number, options?: PprintOptions): void;
} = dual(printer("print", "scala"), undefined, (num: unknown = 10) => checkNum("print", num));

const checkNum = (operation: string, num: unknown): void => {
  if (typeof num !== "number" || !Number.isSafeInteger(num) || num < 0) {
    throw new RangeError(`${operation}'s num must be a non-negative whole number of records, got ${describeValue(num)}: e.g. ${operation}(10)`);
  }
};
