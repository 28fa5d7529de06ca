/**
 * The node behind `decode`, `jsonLines` and `csvLines`: each batch decoded once, lazily,
 * into valid values and rejected records, with the counts reported for listeners.
 *
 * @module
 */
import type * as t from "io-ts";
import { RDD } from "../rdd/rdd.ts";
import { type DStream } from "./dstream.ts";
import { type DStreamNode, nodeOf, TransformedDStream } from "./_node.ts";
import { DeadLetter, DecodeCounts, type Decoded } from "./dead_letter.ts";
import { formatValidationErrors } from "./validation_errors.ts";
import { decodesToItself } from "./_fast_path.ts";
import type { DecodeOptions } from "./decode.ts";

/**
 * One partition of a decoded batch: the values that decoded and the dead letters, each in
 * arrival order. The valid and rejected streams read their array as it is, so a valid
 * record is not copied again nor tested for being a dead letter.
 */
class DecodedPartition<A, R> {
  readonly valid: A[];
  readonly rejected: Array<DeadLetter<R>>;
  constructor(valid: A[], rejected: Array<DeadLetter<R>>) {
    this.valid = valid;
    this.rejected = rejected;
  }
}

/** Parses a raw record: the value to decode, or the reasons it could not be parsed. */
export type Parse<R> = (raw: R) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly errors: ReadonlyArray<string> };

/** Returned for a line that is not a record at all (a CSV header row). */
export type Skip = typeof SKIP;
export const SKIP: unique symbol = Symbol("skip");

export const checkCodec = (codec: unknown, where: string): void => {
  if (typeof codec !== "object" || codec === null || typeof (codec as { decode?: unknown }).decode !== "function") {
    throw new TypeError(`${where}'s codec must be an io-ts codec such as t.type({ user: t.string, ts: t.number }), got ${codec === null ? "null" : typeof codec}`);
  }
};

const useFastPath = (codec: object, option: DecodeOptions["fastPath"], where: string): boolean => {
  const hasIs = typeof (codec as { is?: unknown }).is === "function";
  if (option === true && !hasIs) throw new TypeError(`${where}'s fastPath needs a codec with an is method (a t.Type)`);
  if (option === true || option === false) return option;
  if (option !== undefined && option !== "auto") {
    throw new TypeError(`${where}'s fastPath must be "auto", true or false, got ${JSON.stringify(option)}`);
  }
  return hasIs && decodesToItself(codec);
};

/** The parse of `jsonLines`: recognized by `build`, which calls `JSON.parse` in its loop. */
export const parseJson: Parse<string> = (line) => {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (error) {
    return { ok: false, errors: [notJson(error)] };
  }
};

const notJson = (error: unknown): string => `Invalid JSON: ${error instanceof Error ? error.message : String(error)}`;

/** The one partition (or the several, joined) of a decoded RDD's partition. */
const partitionOf = <A, R>(parts: ReadonlyArray<DecodedPartition<A, R>>): DecodedPartition<A, R> => {
  if (parts.length === 1) return parts[0]!;
  const valid: A[] = [];
  const rejected: Array<DeadLetter<R>> = [];
  for (const part of parts) {
    for (const v of part.valid) valid.push(v);
    for (const d of part.rejected) rejected.push(d);
  }
  return new DecodedPartition(valid, rejected);
};

export const build = <R, A>(
  self: DStream<R>,
  kind: string,
  codec: t.Decoder<unknown, A>,
  options: DecodeOptions,
  parse: Parse<R> | undefined,
  newBatch: () => (raw: R) => R | Skip,
): Decoded<A, R> => {
  const fast = useFastPath(codec, options.fastPath, kind);
  const is = fast ? (codec as unknown as t.Type<A, unknown, unknown>).is : undefined;
  // jsonLines' parse runs inline: no result object per line.
  const json = parse === (parseJson as Parse<unknown>);
  const prepares = newBatch !== noPreparation;
  const parent = nodeOf(self, kind);
  const source = parent.name;
  const decoded: TransformedDStream<R, DecodedPartition<A, R>> = new TransformedDStream<R, DecodedPartition<A, R>>(parent, kind, (rdd, time) => {
    const prepare = prepares ? newBatch() : undefined;
    // Cached, so that any read (even pprint's take) decodes every partition exactly once,
    // and the counts reported for listeners are complete.
    return rdd.mapPartitions((records) => {
      const valid: A[] = [];
      const rejected: Array<DeadLetter<R>> = [];
      for (let i = 0; i < records.length; i++) {
        let raw = records[i] as R;
        if (prepare !== undefined) {
          const prepared = prepare(raw);
          if (prepared === SKIP) continue;
          raw = prepared;
        }
        let value: unknown = raw;
        if (json) {
          try {
            value = JSON.parse(raw as string);
          } catch (error) {
            rejected.push(new DeadLetter(raw, [notJson(error)], time, source));
            continue;
          }
        } else if (parse !== undefined) {
          const parsed = parse(raw);
          if (!parsed.ok) {
            rejected.push(new DeadLetter(raw, parsed.errors, time, source));
            continue;
          }
          value = parsed.value;
        }
        if (is !== undefined && is(value)) {
          valid.push(value);
          continue;
        }
        const result = codec.decode(value);
        if (result._tag === "Right") valid.push(result.right);
        else rejected.push(new DeadLetter(raw, formatValidationErrors(result.left), time, source));
      }
      const received = valid.length + rejected.length;
      parent.context.reportBatchMetrics(decoded as DStreamNode<unknown>, time, { received, valid: valid.length, rejected: rejected.length });
      return [new DecodedPartition(valid, rejected)];
    }).cache();
  });
  const valid = new TransformedDStream<DecodedPartition<A, R>, A>(decoded, "valid", (rdd) => rdd.mapPartitions((parts) => partitionOf(parts).valid));
  const rejected = new TransformedDStream<DecodedPartition<A, R>, DeadLetter<R>>(decoded, "rejected", (rdd) => rdd.mapPartitions((parts) => partitionOf(parts).rejected));
  const counts = new TransformedDStream<DecodedPartition<A, R>, DecodeCounts>(decoded, "decodeCounts", (rdd, time) =>
    new RDD<DecodeCounts>(1, (_p, emit) => {
      let good = 0;
      let bad = 0;
      rdd.foreach((part) => {
        good += part.valid.length;
        bad += part.rejected.length;
      });
      emit(new DecodeCounts(time, good, bad));
    }));
  return { valid, rejected, counts, name: decoded.name };
};

/** No preparation (every record is one): `build` then skips the per-record call. */
export const noPreparation = <R>(): ((raw: R) => R) => (raw) => raw;

