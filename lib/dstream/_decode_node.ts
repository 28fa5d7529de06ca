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

/** A rejected record inside the decoded batch; users only ever see its dead letter. */
class Rejected<I> {
  readonly dead: DeadLetter<I>;
  constructor(dead: DeadLetter<I>) {
    this.dead = dead;
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
  const parent = nodeOf(self, kind);
  const source = parent.name;
  const decoded: TransformedDStream<R, A | Rejected<R>> = new TransformedDStream<R, A | Rejected<R>>(parent, kind, (rdd, time) => {
    const prepare = newBatch();
    // Cached, so that any read (even pprint's take) decodes every partition exactly once,
    // and the counts reported for listeners are complete.
    return rdd.mapPartitions((records) => {
      const out: Array<A | Rejected<R>> = [];
      let rejected = 0;
      for (let i = 0; i < records.length; i++) {
        const raw = prepare(records[i]!);
        if (raw === SKIP) continue;
        let value: unknown = raw;
        if (parse !== undefined) {
          const parsed = parse(raw);
          if (!parsed.ok) {
            out.push(new Rejected(new DeadLetter(raw, parsed.errors, time, source)));
            rejected++;
            continue;
          }
          value = parsed.value;
        }
        if (is !== undefined && is(value)) {
          out.push(value);
          continue;
        }
        const result = codec.decode(value);
        if (result._tag === "Right") out.push(result.right);
        else {
          out.push(new Rejected(new DeadLetter(raw, formatValidationErrors(result.left), time, source)));
          rejected++;
        }
      }
      parent.context.reportBatchMetrics(decoded as DStreamNode<unknown>, time, { received: out.length, valid: out.length - rejected, rejected });
      return out;
    }).cache();
  });
  const valid = new TransformedDStream<A | Rejected<R>, A>(
    decoded,
    "valid",
    (rdd) => rdd.filter((x): x is A => !(x instanceof Rejected)),
  );
  const rejected = new TransformedDStream<A | Rejected<R>, DeadLetter<R>>(decoded, "rejected", (rdd) =>
    rdd.mapPartitions((records) => {
      const out: Array<DeadLetter<R>> = [];
      for (let i = 0; i < records.length; i++) {
        const x = records[i]!;
        if (x instanceof Rejected) out.push(x.dead as DeadLetter<R>);
      }
      return out;
    }));
  const counts = new TransformedDStream<A | Rejected<R>, DecodeCounts>(decoded, "decodeCounts", (rdd, time) =>
    new RDD<DecodeCounts>(1, (_p, emit) => {
      let good = 0;
      let bad = 0;
      rdd.foreach((x) => {
        if (x instanceof Rejected) bad++;
        else good++;
      });
      emit(new DecodeCounts(time, good, bad));
    }));
  return { valid, rejected, counts, name: decoded.name };
};

export const noPreparation = <R>(): ((raw: R) => R) => (raw) => raw;

