/**
 * The argument checks the combinators share, each failing with "what rule, what value,
 * what to do".
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import { Duration, type Time } from "../time/duration.ts";
import { userFunctionError } from "../rdd/user_function_error.ts";
import { describeValue } from "../_describe.ts";
import type { DStreamNode } from "./_node.ts";

/** A partition count given to `operation`, or the context's default parallelism. */
export const checkPartitions = (operation: string, parent: DStreamNode<unknown>, numPartitions: number | undefined): number => {
  const n = numPartitions ?? parent.context.defaultParallelism;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${operation}'s numPartitions must be a positive whole number, got ${String(n)}`);
  }
  return n;
};

/** Throws unless `n` is absent or a positive whole number of partitions. */
export const checkOptionalPartitions = (n: unknown, what: string): number | undefined => {
  if (n !== undefined && (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)) {
    throw new RangeError(`${what} must be a positive whole number of partitions, got ${String(n)}`);
  }
  return n;
};

export const checkFunction = (operation: string, name: string, f: unknown): void => {
  if (typeof f !== "function") {
    throw new TypeError(`${operation}'s ${name} must be a function, got ${describeValue(f)}`);
  }
};

/** `Seconds(2)` or `Milliseconds(1500)`: how a user writes `ms`. */
export const durationSource = (ms: number): string => ms % 1000 === 0 ? `Seconds(${ms / 1000})` : `Milliseconds(${ms})`;

export const checkDuration = (operation: string, name: string, d: unknown): Duration => {
  if (!(d instanceof Duration)) {
    const hint = typeof d === "number" ? `: write Seconds(${d}) for seconds or Milliseconds(${d}) for milliseconds` : "";
    throw new TypeError(`${operation}'s ${name} must be a Duration such as Seconds(10), got ${describeValue(d)}${hint}`);
  }
  if (d.milliseconds <= 0) {
    throw new RangeError(`${operation}'s ${name} must be positive, got ${d}: use e.g. Seconds(10)`);
  }
  return d;
};

/** `f`, with what it throws wrapped in a UserFunctionError naming `operation` (a node name). */
export const labelled = <Args extends ReadonlyArray<unknown>, R>(f: (...args: Args) => R, operation: string) => (...args: Args): R => {
  try {
    return f(...args);
  } catch (error) {
    throw userFunctionError(operation, error);
  }
};

/**
 * Runs a transform's user function (`transform`, `transformWith`, `ssc.transform`) for the
 * node `name`: what it throws names the node; what it returns must be an RDD.
 */
export const runTransform = <B>(operation: string, name: string, time: Time, call: () => unknown): RDD<B> => {
  let out: unknown;
  try {
    out = call();
  } catch (error) {
    throw userFunctionError(name, error);
  }
  if (out instanceof RDD) return out as RDD<B>;
  throw new TypeError(
    `${operation}'s function returned ${describeValue(out)} at time ${time}: return an RDD (RDD.empty() for no records)`,
  );
};

/** Spark's error for a transform whose parent has no RDD at a batch time. */
export const noParentRDD = (node: string, parent: string, time: Time): Error =>
  new Error(`${node} couldn't generate RDD from parent ${parent} at time ${time}`);
