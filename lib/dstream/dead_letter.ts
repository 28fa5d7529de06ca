/**
 * What decoding yields besides typed values: a {@link DeadLetter} per rejected record
 * and one {@link DecodeCounts} per batch, where valid + rejected = received, always.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";
import type { DStream } from "./dstream.ts";
import { PREVIEW, preview } from "./_preview.ts";

/**
 * A record that did not decode: the record as received, why it was rejected (one
 * line per problem, e.g. `Expecting number at ts but instead got: "oops"`), the time
 * of its batch and the name of the stream it came from.
 *
 * @category decoding
 * @since 0.1.0
 */
export class DeadLetter<I = unknown> {
  readonly raw: I;
  readonly errors: ReadonlyArray<string>;
  readonly batchTime: Time;
  readonly source: string;

  constructor(raw: I, errors: ReadonlyArray<string>, batchTime: Time, source: string) {
    this.raw = raw;
    this.errors = errors;
    this.batchTime = batchTime;
    this.source = source;
  }

  /** `DeadLetter(1000 ms, socketTextStream-0: Expecting number at ts but instead got: "oops"; raw: {"ts":"oops"})` */
  toString(): string {
    const raw = typeof this.raw === "string" ? this.raw : preview(this.raw);
    const shown = raw.length > PREVIEW ? `${raw.slice(0, PREVIEW)}… (${raw.length} characters)` : raw;
    return `DeadLetter(${this.batchTime}, ${this.source}: ${this.errors.join("; ")}; raw: ${shown})`;
  }
}

/**
 * One batch's decoding tally: `received = valid + rejected`.
 *
 * @category decoding
 * @since 0.1.0
 */
export class DecodeCounts {
  readonly batchTime: Time;
  readonly received: number;
  readonly valid: number;
  readonly rejected: number;

  constructor(batchTime: Time, valid: number, rejected: number) {
    this.batchTime = batchTime;
    this.received = valid + rejected;
    this.valid = valid;
    this.rejected = rejected;
  }

  /** `received 10, valid 8, rejected 2`, as `pprint` shows it. */
  toString(): string {
    return `received ${this.received}, valid ${this.valid}, rejected ${this.rejected}`;
  }
}

/**
 * What `decode`, `jsonLines` and `csvLines` return: three streams over the same
 * batches.
 *
 * @category decoding
 * @since 0.1.0
 */
export interface Decoded<A, I> {
  /** The records that decoded, as the codec's type. */
  readonly valid: DStream<A>;
  /** One dead letter per record that did not. */
  readonly rejected: DStream<DeadLetter<I>>;
  /** One {@link DecodeCounts} per batch. */
  readonly counts: DStream<DecodeCounts>;
  /** The decoding node's name: its counts are `batchInfo.metrics.get(name)` for listeners. */
  readonly name: string;
}

