/**
 * `kafkaPartitionOf`: the partition Kafka's default partitioner (the Java client's:
 * murmur2 of the key's bytes, made positive, modulo the partition count) gives a key.
 * Scale-out mode uses it to know which input partition owns a state key; a producer that
 * writes to the topic should place records the same way (Java and librdkafka's
 * `murmur2_random` do; `@platformatic/kafka`'s default does not, so pass its `partition`).
 *
 * @module
 */
import { defaultPartitionOf } from "./_murmur2.ts";

/**
 * The partition of `key` (a string, hashed as UTF-8, or bytes) among `partitions`.
 *
 * @example
 * ```ts
 * import { kafkaPartitionOf } from "./partitioner.ts";
 * // Kafka's Java client puts the key "12345" in partition 3 of a 6-partition topic.
 * if (kafkaPartitionOf("12345", 6) !== (-1188365604 & 0x7fffffff) % 6) throw new Error("murmur2 differs");
 * ```
 * @category kafka
 * @since 0.4.0
 */
export const kafkaPartitionOf = (key: string | Uint8Array, partitions: number): number => {
  if (!Number.isSafeInteger(partitions) || partitions <= 0) throw new RangeError(`kafkaPartitionOf needs a positive partition count, got ${String(partitions)}`);
  const p = defaultPartitionOf(key, partitions);
  if (p === undefined) throw new TypeError(`kafkaPartitionOf's key must be a string or bytes, got ${typeof key}`);
  return p;
};
