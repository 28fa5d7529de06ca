/**
 * Typed values from Kafka records: `jsonValues(codec)` parses each record's value as JSON
 * and decodes it with an io-ts codec; `decodeValues(codec)` decodes the text as it is.
 * A record whose value does not parse, does not decode, or is missing (a tombstone)
 * becomes a dead letter carrying the whole record (topic, partition, offset: where to
 * find it) and the reasons; `counts` holds received = valid + rejected per batch, and
 * listeners see them in the batch's metrics. Nothing is dropped silently.
 *
 * @module
 */
import * as t from "io-ts";
import type { DStream } from "../dstream/dstream.ts";
import type { Decoded } from "../dstream/dead_letter.ts";
import { decode } from "../dstream/decode.ts";
import { dual } from "../dstream/_dual.ts";
import type { KafkaRecord } from "./direct_stream.ts";

const checkCodec = (codec: unknown, where: string): void => {
  if (typeof codec !== "object" || codec === null || typeof (codec as { validate?: unknown }).validate !== "function") {
    throw new TypeError(`${where}'s codec must be an io-ts codec such as t.type({ user: t.string, ts: t.number }), got ${codec === null ? "null" : typeof codec}`);
  }
};

const recordCodec = <K, A>(codec: t.Decoder<unknown, A>, json: boolean): t.Decoder<KafkaRecord<K, string | null>, KafkaRecord<K, A>> =>
  new t.Type<KafkaRecord<K, A>, KafkaRecord<K, A>, KafkaRecord<K, string | null>>(
    `KafkaRecord<${codec.name}>`,
    (_u): _u is KafkaRecord<K, A> => false,
    (record, c) => {
      const text = record.value;
      if (text === null) return t.failure(record, c, `No value at ${record.topic}-${record.partition}@${record.offset} (a tombstone): filter tombstones out before decoding, or decode with t.union([codec, t.null])`);
      let value: unknown = text;
      if (json) {
        try {
          value = JSON.parse(text);
        } catch (error) {
          return t.failure(record, c, `Invalid JSON at ${record.topic}-${record.partition}@${record.offset}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const result = codec.validate(value, [{ key: "", type: codec as unknown as t.Decoder<unknown, unknown>, actual: value }]);
      return result._tag === "Right" ? t.success({ ...record, value: result.right }) : result;
    },
    t.identity,
  );

/**
 * Parses every record's value as JSON and decodes it with `codec`: `valid` holds the
 * records with typed values, `rejected` a dead letter per record that did not parse or
 * decode (use `t.unknown` for any JSON). Dual: `jsonValues(stream, codec)` or
 * `pipe(stream, jsonValues(codec))`.
 *
 * @category kafka
 * @since 0.3.0
 */
export const jsonValues: {
  <A>(codec: t.Decoder<unknown, A>): <K>(self: DStream<KafkaRecord<K, string | null>>) => Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>>;
  <K, A>(self: DStream<KafkaRecord<K, string | null>>, codec: t.Decoder<unknown, A>): Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>>;
} = dual(
  <K, A>(self: DStream<KafkaRecord<K, string | null>>, codec: t.Decoder<unknown, A>): Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>> => {
    checkCodec(codec, "jsonValues");
    return decode(self, recordCodec<K, A>(codec, true), { fastPath: false });
  },
  undefined,
  (codec: unknown) => checkCodec(codec, "jsonValues"),
);

/**
 * Decodes every record's text value with `codec` (e.g. `NumberFromString`), as
 * {@link jsonValues} does after parsing.
 *
 * @category kafka
 * @since 0.3.0
 */
export const decodeValues: {
  <A>(codec: t.Decoder<unknown, A>): <K>(self: DStream<KafkaRecord<K, string | null>>) => Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>>;
  <K, A>(self: DStream<KafkaRecord<K, string | null>>, codec: t.Decoder<unknown, A>): Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>>;
} = dual(
  <K, A>(self: DStream<KafkaRecord<K, string | null>>, codec: t.Decoder<unknown, A>): Decoded<KafkaRecord<K, A>, KafkaRecord<K, string | null>> => {
    checkCodec(codec, "decodeValues");
    return decode(self, recordCodec<K, A>(codec, false), { fastPath: false });
  },
  undefined,
  (codec: unknown) => checkCodec(codec, "decodeValues"),
);
