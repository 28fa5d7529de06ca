/**
 * What `start()` does to the graph before the first batch: zero times and remember
 * durations on every node an output reads, and which nodes keep their RDDs.
 *
 * @module
 */
import type { Duration, Time } from "../time/duration.ts";
import type { DStreamNode } from "../dstream/_node.ts";
import type { InputDStream } from "../dstream/_input.ts";
import type { OutputOperation } from "./job_scheduler.ts";

/**
 * Sets zero times and remember durations, caches nodes read by several consumers or
 * again later; returns every node to clear after each batch (outputs' ancestors and
 * every input).
 */
export const prepareGraph = (
  outputs: ReadonlyArray<OutputOperation>,
  inputs: ReadonlyArray<InputDStream<unknown>>,
  zeroTime: Time,
  rememberDuration: Duration | undefined,
): ReadonlyArray<DStreamNode<unknown>> => {
  const consumers = new Map<DStreamNode<unknown>, number>();
  const visited = new Set<DStreamNode<unknown>>();
  const visit = (node: DStreamNode<unknown>) => {
    if (visited.has(node)) return;
    visited.add(node);
    for (const parent of node.parents) {
      consumers.set(parent, (consumers.get(parent) ?? 0) + 1);
      visit(parent);
    }
  };
  for (const output of outputs) {
    consumers.set(output.stream, (consumers.get(output.stream) ?? 0) + 1);
    visit(output.stream);
    output.stream.initialize(zeroTime);
    output.stream.rememberAtLeast(rememberDuration ?? output.stream.slideDuration);
  }
  for (const node of visited) {
    const remember = node.rememberDuration;
    const rereadLater = remember !== undefined && remember.milliseconds > node.slideDuration.milliseconds;
    if ((consumers.get(node) ?? 0) > 1 || rereadLater) node.cacheGeneratedRDDs();
  }
  for (const input of inputs) visited.add(input);
  return [...visited];
};
