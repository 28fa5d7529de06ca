/**
 * Kafka's default partitioner, as the Java client computes it (`Utils.murmur2` of the
 * key's bytes, made positive with `& 0x7fffffff`, modulo the partition count): the
 * scale-out stream uses it to know which input partition owns a state key, so it must
 * place a key exactly where a Java (or librdkafka `murmur2_random`) producer puts it.
 * (`@platformatic/kafka`'s own default partitioner uses `>>> 0` instead of the mask, which
 * differs for half the keys: dstreams' producers pass the partition explicitly.)
 *
 * @module
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const utf8 = new TextEncoder();

/** Kafka's `Utils.murmur2`: a signed 32-bit hash of `data`. */
export const murmur2 = (data: Uint8Array): number => {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= (data[tail + 2]! & 0xff) << 16;
    // falls through
    case 2:
      h ^= (data[tail + 1]! & 0xff) << 8;
    // falls through
    case 1:
      h ^= data[tail]! & 0xff;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
};

/** The partition Kafka's default partitioner gives a record with these key bytes. */
export const partitionOfBytes = (key: Uint8Array, partitions: number): number => (murmur2(key) & 0x7fffffff) % partitions;

/**
 * The partition of a state key, by Kafka's default partitioner: a string is hashed as its
 * UTF-8 bytes (what a producer writing that string key sends), bytes as themselves.
 * Anything else has no canonical bytes: `undefined` (the caller says what to do).
 */
export const defaultPartitionOf = (key: unknown, partitions: number): number | undefined => {
  if (typeof key === "string") return partitionOfBytes(utf8.encode(key), partitions);
  if (key instanceof Uint8Array) return partitionOfBytes(key, partitions);
  return undefined;
};
