/**
 * kafkaPartitionOf and its murmur2 against the Java client's `Utils.murmur2` (the values
 * Kafka's own UtilsTest and Akka's Murmur2Spec check), and the partition Kafka's default
 * partitioner derives from it (`toPositive(hash) % partitions`).
 */
import t from "tap";
import { kafkaPartitionOf } from "../kafka.ts";
import { murmur2 } from "../lib/kafka/_murmur2.ts";

const javaMurmur2: ReadonlyArray<readonly [string, number]> = [
  ["1", -1993445489],
  ["12", 126087238],
  ["123", -267702483],
  ["1234", -1614185708],
  ["12345", -1188365604],
  ["21", -973932308],
  ["foobar", -790332482],
  ["a-little-bit-long-string", -985981536],
  ["a-little-bit-longer-string", -1486304829],
  ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
  ["abc", 479470107],
];

t.test("murmur2 equals Kafka's Utils.murmur2 on its fixtures", async (t) => {
  const utf8 = new TextEncoder();
  for (const [text, hash] of javaMurmur2) t.equal(murmur2(utf8.encode(text)), hash, JSON.stringify(text));
});

t.test("kafkaPartitionOf is toPositive(murmur2) modulo the partition count, for strings and bytes", async (t) => {
  for (const [text, hash] of javaMurmur2) {
    for (const n of [1, 3, 6, 7]) t.equal(kafkaPartitionOf(text, n), (hash & 0x7fffffff) % n, `${text} of ${n}`);
  }
  t.equal(kafkaPartitionOf(new TextEncoder().encode("foobar"), 6), kafkaPartitionOf("foobar", 6));
  t.throws(() => kafkaPartitionOf("a", 0), /positive partition count/);
  t.throws(() => kafkaPartitionOf(42 as unknown as string, 3), /string or bytes/);
});
