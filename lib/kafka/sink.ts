/**
 * `saveToKafka`: every batch's records written to a topic with Kafka's idempotent producer
 * (retries never duplicate or reorder a record within a run), and, with `transactional`,
 * one transaction per batch: a `read_committed` reader sees a batch's records all or none,
 * and a batch that failed half-way is aborted.
 *
 * The guarantee across crashes is at-least-once: a batch regenerated after recovery is
 * written again (the offsets of the input are not part of the producer's transaction, since
 * the direct stream commits as no group member). Give records keys and write to a
 * compacted topic, or make the reader idempotent by key, for an exactly-once result.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Producer } from "@platformatic/kafka";
import type { DStream } from "../dstream/dstream.ts";
import { nodeOf } from "../dstream/_node.ts";
import { dual } from "../dstream/_dual.ts";
import { InputDStream, type TakenBatch } from "../dstream/_input.ts";
import type { StreamingGraph } from "../dstream/_graph.ts";
import { RDD } from "../rdd/rdd.ts";
import type { Time } from "../time/duration.ts";

/**
 * Options of {@link saveToKafka}.
 *
 * @category kafka
 * @since 0.3.0
 */
export interface SaveToKafkaOptions<A> {
  /** Bootstrap brokers, `"host:port"` (one string, comma-separated, or a list). */
  readonly brokers: string | ReadonlyArray<string>;
  /** The topic written to (or a function choosing it per record). */
  readonly topic: string | ((record: A) => string);
  /** The record's key (`null`/`undefined`: none); Kafka's default partitioner places equal keys in one partition. */
  readonly key?: (record: A) => string | Uint8Array | null | undefined;
  /** The record's value (`null`: a tombstone, deleting the key in a compacted topic). */
  readonly value: (record: A) => string | Uint8Array | null;
  /** Headers to add to every record. */
  readonly headers?: (record: A) => Readonly<Record<string, string>>;
  /**
   * One transaction per batch (Kafka's transactional producer, `transactionalId` by
   * default `dstreams-<topic>`): readers with `read_committed` see whole batches only.
   * Two running programs must not share a transactional id (the older one is fenced).
   */
  readonly transactional?: boolean | { readonly transactionalId: string };
  /** The client id the broker sees (default `dstreams-sink`). */
  readonly clientId?: string;
  /** Records sent per request (default 1000). */
  readonly chunk?: number;
}

/**
 * What {@link saveToKafka} returns: how much it wrote, and `close()` (the context closes
 * the producer itself when it stops).
 *
 * @category kafka
 * @since 0.3.0
 */
export interface KafkaSink {
  /** Records written so far (acknowledged by the broker; in committed transactions when transactional). */
  readonly written: number;
  /** Closes the producer (waits for writes in flight). */
  close(): Promise<void>;
}

const describe = (error: unknown): string => {
  const inner = error instanceof AggregateError ? error.errors.map(describe) : [];
  const own = error instanceof Error ? error.message : String(error);
  return inner.length === 0 ? own : `${own} (${[...new Set(inner)].join("; ")})`;
};

const toBuffer = (v: string | Uint8Array | null | undefined): Buffer | undefined =>
  v === null || v === undefined ? undefined : typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/**
 * Closes the sink's producer when the context stops: outputs have no stop hook, inputs
 * do, so the sink keeps a stand-in input that never has records.
 */
export class ProducerLifetime extends InputDStream<never> {
  readonly #close: () => Promise<void>;
  constructor(graph: StreamingGraph, close: () => Promise<void>) {
    super(graph, "kafkaSinkLifetime");
    this.#close = close;
  }
  protected override take(_time: Time): TakenBatch<never> {
    return { rdd: RDD.empty<never>(), count: 0 };
  }
  override stop(): Promise<void> {
    return this.#close();
  }
}

const checkSinkOptions = (options: unknown): void => {
  const o = options as SaveToKafkaOptions<unknown> | null;
  if (typeof o !== "object" || o === null) {
    throw new TypeError('saveToKafka needs options: { brokers: "127.0.0.1:9092", topic: "out", value: (r) => JSON.stringify(r) }');
  }
  if (typeof o.topic !== "string" && typeof o.topic !== "function") throw new TypeError("saveToKafka's topic must be a topic name or a function of the record");
  if (typeof o.value !== "function") throw new TypeError("saveToKafka's value must be a function (record) => string | Uint8Array | null");
  if (o.key !== undefined && typeof o.key !== "function") throw new TypeError("saveToKafka's key must be a function (record) => string | Uint8Array | null");
  const brokers = typeof o.brokers === "string" ? o.brokers.split(",") : o.brokers;
  if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== "string" || !/^[^:\s]+:\d+$/.test(b.trim()))) {
    throw new TypeError(`saveToKafka's brokers must be "host:port" strings, got ${JSON.stringify(o.brokers)}`);
  }
};

/**
 * Writes every batch of `stream` to Kafka (see the module's notes for the guarantee).
 * A batch's output completes once the broker acknowledged all its records, so the
 * source's offsets are committed only after they are in Kafka. Dual.
 *
 * @category kafka
 * @since 0.3.0
 */
export const saveToKafka: {
  <A>(options: SaveToKafkaOptions<A>): (self: DStream<A>) => KafkaSink;
  <A>(self: DStream<A>, options: SaveToKafkaOptions<A>): KafkaSink;
} = dual(
  <A>(self: DStream<A>, options: SaveToKafkaOptions<A>): KafkaSink => {
    checkSinkOptions(options);
    const node = nodeOf(self, "saveToKafka");
    const brokers = (typeof options.brokers === "string" ? options.brokers.split(",") : [...options.brokers]).map((b) => b.trim());
    const topicOf = typeof options.topic === "string" ? ((name: string) => () => name)(options.topic) : options.topic;
    const tx = options.transactional;
    const transactionalId = tx === undefined || tx === false ? undefined : tx === true ? `dstreams-${typeof options.topic === "string" ? options.topic : node.name}` : tx.transactionalId;
    const chunk = options.chunk ?? 1000;
    let producer: Producer | undefined;
    let written = 0;
    let closing: Promise<void> | undefined;
    const open = (): Producer =>
      producer ??= new Producer({
        clientId: options.clientId ?? "dstreams-sink",
        bootstrapBrokers: brokers,
        idempotent: true,
        acks: -1,
        retries: 3,
        retryDelay: 250,
        ...(transactionalId === undefined ? {} : { transactionalId }),
      });
    const close = (): Promise<void> => {
      const p = producer;
      producer = undefined;
      closing = p === undefined ? Promise.resolve() : p.close().catch(() => undefined);
      return closing;
    };
    new ProducerLifetime(node.context, close);
    node.context.registerOutput(node, "saveToKafka", async (rdd) => {
      const records = rdd.collect();
      if (records.length === 0) return;
      const messages = records.map((r) => {
        const key = toBuffer(options.key?.(r));
        const value = toBuffer(options.value(r));
        const headers = options.headers?.(r);
        return {
          topic: topicOf(r),
          ...(key === undefined ? {} : { key }),
          ...(value === undefined ? {} : { value }),
          ...(headers === undefined ? {} : { headers: new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k, "utf8"), Buffer.from(v, "utf8")])) }),
        };
      });
      const p = open();
      try {
        await write(p, messages);
      } catch (error) {
        throw new Error(`saveToKafka could not write the batch to ${brokers.join(", ")}: ${describe(error)} (the batch fails; its source offsets are not committed)`, { cause: error });
      }
      written += records.length;
    });
    const write = async (p: Producer, messages: Parameters<Producer["send"]>[0]["messages"]): Promise<void> => {
      if (transactionalId === undefined) {
        for (let i = 0; i < messages.length; i += chunk) await p.send({ messages: messages.slice(i, i + chunk) });
      } else {
        const transaction = await p.beginTransaction();
        try {
          for (let i = 0; i < messages.length; i += chunk) await transaction.send({ messages: messages.slice(i, i + chunk) });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
      }
    };
    return {
      get written() {
        return written;
      },
      close,
    };
  },
  undefined,
  (options: unknown) => checkSinkOptions(options),
);
