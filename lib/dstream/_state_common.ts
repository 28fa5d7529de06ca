/**
 * What the stateful nodes share: initial state given as an RDD or pairs, the Option
 * check on user results, and the report of a failed step no output read.
 *
 * @module
 */
import type { Option } from "fp-ts/lib/Option.js";
import { RDD } from "../rdd/rdd.ts";
import type { DStreamNode } from "./_node.ts";
import type { Step } from "./_state_steps.ts";

/** Initial state: an RDD or an array of `[key, state]` pairs. */
export type Initial<K, S> = RDD<readonly [K, S]> | ReadonlyArray<readonly [K, S]>;

export const checkInitial = <K, S>(initial: unknown, what: string): Initial<K, S> => {
  if (initial instanceof RDD || Array.isArray(initial)) return initial as Initial<K, S>;
  throw new TypeError(
    `${what} must be an RDD or an array of [key, state] pairs, got ${initial === null ? "null" : typeof initial}: e.g. [["a", 1], ["b", 2]]`,
  );
};

export const pairsOf = <K, S>(initial: Initial<K, S>, what: string): ReadonlyArray<readonly [K, S]> => {
  const pairs = initial instanceof RDD ? initial.collect() : initial;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`${what} must hold [key, state] pairs, got ${JSON.stringify(pair) ?? String(pair)}`);
    }
  }
  return pairs;
};

export const isOption = (u: unknown): u is Option<unknown> =>
  typeof u === "object" && u !== null && ((u as { _tag?: unknown })._tag === "None" || (u as { _tag?: unknown })._tag === "Some");

/** Reports a batch's failed step that no output read (so no job reported it). */
export const reportUnobserved = (node: DStreamNode<unknown>, step: Step<unknown>): void => {
  const reason = step.error instanceof Error ? step.error.message : String(step.error);
  node.context.reportError(
    new Error(`Error updating the state of ${node.name} at time ${step.time}: ${reason}`, { cause: step.error }),
  );
};
