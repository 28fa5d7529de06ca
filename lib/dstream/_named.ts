/**
 * Private helper for combinators: a per-batch node whose transform knows the node's
 * own name (`map-3`), to label the RDD steps it builds so a failing user function is
 * reported with the operation that called it.
 *
 * @module
 */
import type { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";
import { type DStream, TransformedDStream } from "./dstream.ts";

/** A {@link TransformedDStream} whose transform also receives the new node's name. */
export const namedTransform = <A, B>(
  self: DStream<A>,
  kind: string,
  transform: (rdd: RDD<A>, time: Time, name: string) => RDD<B>,
): DStream<B> => {
  let name: string | undefined;
  const node: DStream<B> = new TransformedDStream<A, B>(self, kind, (rdd, time) => transform(rdd, time, name ??= node.name));
  return node;
};
