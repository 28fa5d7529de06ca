/**
 * `repartitionThrough(options)`: re-keys a pair stream through a Kafka topic, as Kafka
 * Streams' repartition topics do, so that a keyed operation after it (`updateStateByKey`,
 * `mapWithState`) sees every key in exactly one input partition, the one Kafka's default
 * partitioner gives the key, whichever process read the records first. Each batch's pairs
 * are written to `topic` (key = the pair's key, encoded; the partition chosen with
 * `kafkaPartitionOf`, as a Java producer would) with the idempotent producer, and the
 * stream it returns reads the topic back in scale-out mode, in a group of its own.
 *
 * The guarantee across crashes is at-least-once into the topic: a batch is written before
 * its source positions are stored, so a batch replayed after a crash writes its pairs
 * again (the idempotent producer removes only the duplicates of its own retries). From
 * the topic on, the keyed state is exactly-once (scale-out's shared store). Feed it from
 * an idempotent stage (e.g. a state whose output is its full value per key) or accept
 * the replayed duplicates; the transactional producer is not used because a member killed
 * mid-transaction would hold `read_committed` readers back until the transaction timed out.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Producer } from "@platformatic/kafka";
import type { DStream } from "../dstream/dstream.ts";
import { nodeOf } from "../dstream/_node.ts";
import { dual } from "../dstream/_dual.ts";
import { map } from "../dstream/stateless.ts";
import { KafkaSourceError } from "./_client.ts";
import { kafkaPartitionOf } from "./partitioner.ts";
import { ProducerLifetime } from "./sink.ts";
import { type KafkaScaleOutStream, ScaleOutInputDStream, type ScaleOutOptions } from "./_scale_out_stream.ts";

/**
 * Options of {@link repartitionThrough}.
 *
 * @category kafka
 * @since 0.4.0
 */
export interface RepartitionOptions<K, V> {
  /** Bootstrap brokers, `"host:port"` (one string, comma-separated, or a list). */
  readonly brokers: string | ReadonlyArray<string>;
  /** The repartition topic: it must exist, with as many partitions as the keyed work should spread over. */
  readonly topic: string;
  /** The group that reads the topic back (default `<topic>-readers`); every process of the program uses the same. */
  readonly groupId?: string;
  /** Scale-out settings of the stream that reads the topic (its `store` holds the keyed state after it). */
  readonly scaleOut: ScaleOutOptions;
  /** A key as the topic's record key and back (default: a string key as itself). */
  readonly key?: { readonly encode: (key: K) => string; readonly decode: (text: string) => K };
  /** A value as the topic's record value and back (default JSON). */
  readonly value?: { readonly encode: (value: V) => string; readonly decode: (text: string) => V };
  /** Records sent per request (default 1000). */
  readonly chunk?: number;
}

/**
 * What {@link repartitionThrough} returns: the pairs read back, and `source`, the
 * scale-out stream reading the topic (its partitions, generation, `assigned()`).
 *
 * @category kafka
 * @since 0.4.0
 */
export type RepartitionedStream<K, V> = DStream<readonly [K, V]> & { readonly source: KafkaScaleOutStream<string | null, string | null> };

const check = (options: unknown): void => {
  const o = options as RepartitionOptions<unknown, unknown> | null;
  if (typeof o !== "object" || o === null || typeof o.topic !== "string" || o.topic === "") {
    throw new TypeError('repartitionThrough needs options: { brokers: "127.0.0.1:9092", topic: "words-by-word", scaleOut: { store: "/shared/state" } }');
  }
  if (typeof o.scaleOut !== "object" || o.scaleOut === null) throw new TypeError("repartitionThrough needs scaleOut: { store } (where the keyed state after it lives)");
  for (const name of ["key", "value"] as const) {
    const c = o[name];
    if (c !== undefined && (typeof c?.encode !== "function" || typeof c?.decode !== "function")) {
      throw new TypeError(`repartitionThrough's ${name} must be { encode, decode } functions`);
    }
  }
};

/**
 * Writes each batch's pairs to `options.topic`, keyed, and returns the pairs read back
 * from it in scale-out mode (see the module's notes for the guarantee). Dual.
 *
 * @example
 * ```ts ignore
 * pipe(
 *   lines,                                             // any process may read any line
 *   flatMap((r) => r.value!.split(" ").map((w) => [w, 1] as const)),
 *   repartitionThrough({ brokers, topic: "words-by-word", scaleOut: { store: "/shared/state" } }),
 *   updateStateByKey((ones, total) => some(getOrElse(() => 0)(total) + ones.length)),
 * );
 * ```
 * @category kafka
 * @since 0.4.0
 */
export const repartitionThrough: {
  <K, V>(options: RepartitionOptions<K, V>): (self: DStream<readonly [K, V]>) => RepartitionedStream<K, V>;
  <K, V>(self: DStream<readonly [K, V]>, options: RepartitionOptions<K, V>): RepartitionedStream<K, V>;
} = dual(
  <K, V>(self: DStream<readonly [K, V]>, options: RepartitionOptions<K, V>): RepartitionedStream<K, V> => {
    check(options);
    const node = nodeOf(self, "repartitionThrough");
    const graph = node.context;
    const brokers = (typeof options.brokers === "string" ? options.brokers.split(",") : [...options.brokers]).map((b) => b.trim()).filter((b) => b !== "");
    const encodeKey = options.key?.encode ?? ((k: K) => {
      if (typeof k !== "string") throw new TypeError(`repartitionThrough: the key ${JSON.stringify(k) ?? String(k)} is not a string: give key: { encode, decode }`);
      return k;
    });
    const decodeKey = options.key?.decode ?? ((s: string) => s as unknown as K);
    const encodeValue = options.value?.encode ?? ((v: V) => JSON.stringify(v));
    const decodeValue = options.value?.decode ?? ((s: string) => JSON.parse(s) as V);
    const chunk = options.chunk ?? 1000;
    let producer: Producer | undefined;
    let partitions = 0;
    new ProducerLifetime(graph, async () => {
      const p = producer;
      producer = undefined;
      await p?.close().catch(() => undefined);
    });
    graph.registerOutput(node, `repartitionThrough(${options.topic})`, async (rdd) => {
      const pairs = rdd.collect();
      if (pairs.length === 0) return;
      producer ??= new Producer({ clientId: `dstreams-repartition-${options.topic}`, bootstrapBrokers: brokers, idempotent: true, acks: -1, retries: 3, retryDelay: 250 });
      if (partitions === 0) {
        const metadata = await producer.metadata({ topics: [options.topic] }).catch((error: unknown) => {
          throw new KafkaSourceError("unknownTopic", `repartitionThrough: topic ${options.topic} is not on ${brokers.join(", ")}: create it with as many partitions as the keyed work should spread over`, error);
        });
        partitions = metadata.topics.get(options.topic)?.partitionsCount ?? 0;
      }
      const messages = pairs.map(([k, v]) => {
        const key = encodeKey(k);
        return { topic: options.topic, key: Buffer.from(key, "utf8"), value: Buffer.from(encodeValue(v), "utf8"), partition: kafkaPartitionOf(key, partitions) };
      });
      for (let i = 0; i < messages.length; i += chunk) await producer.send({ messages: messages.slice(i, i + chunk) });
    });
    const groupId = options.groupId ?? `${options.topic}-readers`;
    const source = new ScaleOutInputDStream<string | null, string | null>(
      graph,
      {
        brokers,
        topics: [options.topic],
        groupId,
        startingOffsets: "earliest",
        // State keys are the decoded keys: their owner is the partition of their encoded form.
        scaleOut: options.scaleOut.partitionOf !== undefined || options.key === undefined
          ? options.scaleOut
          : { ...options.scaleOut, partitionOf: (key: unknown, n: number) => kafkaPartitionOf(encodeKey(key as K), n) },
      },
      brokers,
      [options.topic],
    );
    const pairsBack = map(source as DStream<{ readonly key: string | null; readonly value: string | null }>, (r) => [decodeKey(r.key ?? ""), decodeValue(r.value ?? "null")] as const);
    return Object.assign(pairsBack, { source });
  },
  undefined,
  (options: unknown) => check(options),
);
