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
import { formatRecord } from "./format.ts";

/**
 * Runs `f` on each batch's RDD, on the driver. A returned promise is awaited before
 * the batch counts as done; a throw (or rejection) fails that batch's job.
 *
 * @example
 * ```ts
 * import { foreachRDD } from "@dstreams/dstreams";
 * const logCounts = foreachRDD((rdd: { count(): number }, time) => console.log(`${time}: ${rdd.count()}`));
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
 * Options for {@link pprint}.
 *
 * @category outputs
 * @since 0.1.0
 */
export interface PprintOptions {
  /** Where each batch's block goes; defaults to standard output. */
  readonly print?: (block: string) => void;
}

/** The dashes around a `pprint` header: 43, as Spark prints them. */
const DASHES = "-".repeat(43);

/**
 * Formats one batch as `pprint` prints it: Spark's block.
 *
 * @category outputs
 * @since 0.1.0
 */
export const formatBatch = <A>(records: ReadonlyArray<A>, time: Time, num: number): string => {
  const lines = [DASHES, `Time: ${time}`, DASHES];
  for (let i = 0; i < Math.min(num, records.length); i++) lines.push(formatRecord(records[i]));
  if (records.length > num) lines.push("...");
  lines.push("");
  return lines.join("\n");
};

/**
 * Prints the first `num` records of every batch in Spark's block: 43 dashes,
 * `Time: <batch time>`, the dashes again, the records, `...` when there are more,
 * and a blank line.
 *
 * @example
 * ```ts
 * import { pprint } from "@dstreams/dstreams";
 * const printFive = pprint(5);
 * ```
 * @category outputs
 * @since 0.1.0
 */
export const pprint: {
  (num?: number, options?: PprintOptions): <A>(self: DStream<A>) => void;
  <A>(self: DStream<A>, num?: number, options?: PprintOptions): void;
} = dual(
  <A>(self: DStream<A>, num = 10, options: PprintOptions = {}): void => {
    checkNum(num);
    const print = options.print ?? ((block: string) => console.log(block));
    const node = nodeOf(self, "pprint");
    node.context.registerOutput(node, "pprint", (rdd, time) => print(formatBatch(rdd.take(num + 1), time, num)));
  },
  undefined,
  (num: unknown = 10) => checkNum(num),
);

const checkNum = (num: unknown): void => {
  if (typeof num !== "number" || !Number.isSafeInteger(num) || num < 0) {
    throw new RangeError(`pprint's num must be a non-negative whole number of records, got ${describeValue(num)}`);
  }
};
