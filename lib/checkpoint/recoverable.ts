/**
 * The seam between checkpoints and what they keep: every stateful node and every input
 * that can resume after a crash implements `Recoverable`, and registers itself with its
 * context (`StreamingGraph.registerRecoverable`). The context keeps the registry by name;
 * nothing else reaches into a node's private fields.
 *
 * The order of one batch `t` (DESIGN.md, "One batch, start to end"):
 * 1. inputs fix batch `t` (`InputDStream.take`);
 * 2. the batch's outputs run;
 * 3. the context calls `snapshot(t, stateTime)` on every registered part, synchronously,
 *    before the next batch runs, and writes the checkpoint of `t` in the background
 *    (encoded piece by piece with each part's `codec`). `stateTime` is the latest batch
 *    whose state the checkpoint holds: state is written every checkpoint interval (10 s by
 *    default), positions every batch;
 * 4. once that checkpoint is durable: `commit(stateTime)` on every part, so positions up
 *    to the state's batch are acknowledged upstream and old logs deleted;
 * 5. what no window needs any more is cleared.
 *
 * Recovery rebuilds the graph from today's code, calls `restore` on every part the
 * checkpoint holds (matched by name), and then generates every batch after `stateTime`
 * again, at its own time: an input must give those batches the same content as the first
 * time (the same files, offset ranges, logged records), then go on from where they end.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";
import type { StateCodec } from "./state_codec.ts";

/**
 * A stateful node (`role: "state"`) or an input (`role: "input"`) that a checkpoint keeps.
 *
 * @category spi
 * @since 0.3.0
 */
export interface Recoverable<S> {
  /**
   * The stable name the checkpoint records: asked for at `start()`, once the graph is
   * final (a node's name given with `named`, else derived from the pipeline's structure).
   */
  readonly name: string;
  readonly role: "state" | "input";
  /** What kind of thing this is (`"updateStateByKey"`, `"kafka"`…): a changed kind refuses recovery. */
  readonly kind: string;
  /** Encodes the snapshot; its `version` is recorded, and decoding an older one needs its `migrate`. */
  readonly codec: StateCodec<S>;
  /**
   * What resuming after the batch at `time` needs. Called right after that batch's outputs
   * ran and before the next batch runs; the value is encoded later, in the background, so
   * it must not change afterwards (copy what the next batch would mutate).
   *
   * A stateful node is asked only at `time === stateTime`: its state after that batch.
   * An input is asked every batch: how to regenerate each batch it fixed after
   * `stateTime` (those batches run again after a crash, with the same content), and where
   * it goes on after the latest batch it fixed.
   */
  snapshot(time: Time, stateTime: Time): S;
  /**
   * Takes back what `snapshot` returned (decoded, maybe by a migration), before the context
   * starts again. `time` is the recorded batch time and `stateTime` the state's.
   */
  restore(state: S, time: Time, stateTime: Time): void | Promise<void>;
  /**
   * Everything up to and including the batch at `stateTime` is held by a durable
   * checkpoint and will never be generated again: acknowledge it upstream (commit offsets,
   * ack messages) and delete what only kept it (write-ahead-log segments). Called in batch
   * order; a rejection is reported and the next commit covers it.
   */
  readonly commit?: ((stateTime: Time) => void | Promise<void>) | undefined;
}
