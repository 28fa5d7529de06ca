/**
 * The check in front of every training and prediction stream: each record is checked
 * once per batch (lazily, when an output reads it); a record with a wrong dimension, a
 * NaN or a bad label becomes a dead letter with its reason, counted for listeners as
 * `decode`'s rejects are. Internal.
 *
 * @module
 */
import { RDD } from "../rdd/rdd.ts";
import type { DStream } from "../dstream/dstream.ts";
import { type DStreamNode, nodeOf, TransformedDStream } from "../dstream/_node.ts";
import { DeadLetter, DecodeCounts } from "../dstream/dead_letter.ts";

/** A refused record inside the checked batch; users see its dead letter. */
class Refused<R> {
  readonly dead: DeadLetter<R>;
  constructor(dead: DeadLetter<R>) {
    this.dead = dead;
  }
}

/** What a check of one stream gives: its usable records, its dead letters and their counts. */
export interface CheckedStreams<R> {
  readonly node: DStreamNode<R | Refused<R>>;
  readonly valid: DStreamNode<R>;
  readonly rejected: DStreamNode<DeadLetter<R>>;
  readonly counts: DStreamNode<DecodeCounts>;
}

/**
 * Checks every record of `self` with `problem` (the reason it is unusable, or
 * `undefined`), under `kind` (e.g. `"StreamingKMeans.trainOn"`).
 */
export const checked = <R>(self: DStream<R>, kind: string, operation: string, problem: (raw: R) => string | undefined): CheckedStreams<R> => {
  const parent = nodeOf(self, operation);
  const source = parent.name;
  const node: TransformedDStream<R, R | Refused<R>> = new TransformedDStream<R, R | Refused<R>>(parent, kind, (rdd, time) =>
    // Cached: however many outputs read the batch, each record is checked once, and the
    // counts reported for listeners are complete.
    rdd.mapPartitions((records) => {
      const out: Array<R | Refused<R>> = new Array(records.length);
      let refused = 0;
      for (let i = 0; i < records.length; i++) {
        const raw = records[i]!;
        const reason = problem(raw);
        if (reason === undefined) out[i] = raw;
        else {
          out[i] = new Refused(new DeadLetter(raw, [reason], time, source));
          refused++;
        }
      }
      parent.context.reportBatchMetrics(node as DStreamNode<unknown>, time, {
        received: records.length,
        valid: records.length - refused,
        rejected: refused,
      });
      return out;
    }).cache());
  const valid = new TransformedDStream<R | Refused<R>, R>(node, "valid", (rdd) => rdd.filter((x): x is R => !(x instanceof Refused)));
  const rejected = new TransformedDStream<R | Refused<R>, DeadLetter<R>>(node, "rejected", (rdd) =>
    rdd.mapPartitions((records) => {
      const out: Array<DeadLetter<R>> = [];
      for (let i = 0; i < records.length; i++) {
        const x = records[i]!;
        if (x instanceof Refused) out.push(x.dead as DeadLetter<R>);
      }
      return out;
    }));
  const counts = new TransformedDStream<R | Refused<R>, DecodeCounts>(node, "checkCounts", (rdd, time) =>
    new RDD<DecodeCounts>(1, (_p, emit) => {
      let good = 0;
      let bad = 0;
      rdd.foreach((x) => {
        if (x instanceof Refused) bad++;
        else good++;
      });
      emit(new DecodeCounts(time, good, bad));
    }));
  return { node, valid, rejected, counts };
};

/** The usable records of a checked batch, partition by partition (for the training loops). */
export const usablePartitions = <R>(rdd: RDD<R | Refused<R>>): R[][] =>
  rdd.collectPartitions().map((part) => part.filter((x): x is R => !(x instanceof Refused)));

export type { Refused };
