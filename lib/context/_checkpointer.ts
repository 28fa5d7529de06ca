/**
 * Writes the checkpoints of a running context (steps 3 and 4 of a batch, DESIGN.md): after
 * each batch's outputs, every registered part is snapshotted synchronously; the checkpoint
 * is encoded and written in the background, and once it is durable every part is told to
 * commit up to the state's batch. With no checkpoint directory only the commits happen,
 * right after each batch.
 *
 * State is written every state interval (10 s by default, or the shortest interval given
 * with `checkpoint(interval)`); positions every batch. A checkpoint between two state
 * checkpoints holds the inputs' positions and refers to the latest state checkpoint.
 *
 * @module
 */
import { Time } from "../time/duration.ts";
import type { Logger } from "../dstream/_graph.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";
import type { CheckpointStore } from "../checkpoint/store.ts";
import { type CheckpointPiece, encodeCheckpoint } from "../checkpoint/_format.ts";
import type { WindowShape } from "../checkpoint/_compatibility.ts";
import { describeError } from "../_describe.ts";

export interface CheckpointerOptions {
  /** Where checkpoints go; undefined: no checkpoints, only commits after each batch. */
  readonly store: CheckpointStore | undefined;
  readonly parts: ReadonlyArray<Recoverable<unknown>>;
  readonly zeroTime: Time;
  readonly batchIntervalMs: number;
  /** How often state is written (a multiple of the batch interval). */
  readonly stateIntervalMs: number;
  readonly windows: ReadonlyArray<WindowShape>;
  /** The state checkpoint a recovered context starts from (its zero time otherwise). */
  readonly stateTime: Time;
  /** The last batch a recovered context's checkpoint says completed. */
  readonly completedTime?: Time | undefined;
  readonly logger: Logger;
  reportError(error: Error): void;
}

/** One checkpoint waiting to be written, and the commit that follows it. */
interface PendingWrite {
  readonly time: Time;
  readonly stateTime: Time;
  /** True when it holds state: never skipped (later checkpoints refer to it). */
  readonly holdsState: boolean;
  readonly run: () => Promise<void>;
}

export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #queue: PendingWrite[] = [];
  #running: Promise<void> | undefined;
  #stateTime: Time;
  /** The state checkpoint before the latest: kept too, so a corrupt latest one can fall back. */
  #previousStateTime: Time;
  #committedMs: number;
  /** The latest batch whose outputs completed. */
  #completed: Time;
  /**
   * Batches generated but not completed, and the state checkpoint their record refers to:
   * those records stay the newest files until their batch completes (after a restart a
   * run generates its downtime batches at once), so that state must not be pruned.
   */
  readonly #generatedRefs = new Map<number, number>();

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#stateTime = options.stateTime;
    this.#previousStateTime = options.stateTime;
    this.#committedMs = options.stateTime.milliseconds;
    this.#completed = options.completedTime ?? options.stateTime;
  }

  /**
   * Once the inputs fixed the batch at `time`: a checkpoint (named after it, saying which
   * batch completed last) records their positions, so that after a crash the batch is
   * generated again with the same content even if its outputs ran. Its outputs wait for it
   * (`recorded`).
   */
  afterGenerate(time: Time): void {
    const { store, parts } = this.#options;
    if (store === undefined) return;
    const stateTime = this.#stateTime;
    const pieces: CheckpointPiece[] = [];
    try {
      for (const part of parts) {
        if (part.role !== "input") continue;
        pieces.push({ name: part.name, role: part.role, kind: part.kind, version: part.codec.version, codec: part.codec, state: part.snapshot(time, stateTime) });
      }
    } catch (error) {
      this.#options.reportError(new Error(`The positions of batch ${time} were not checkpointed: ${describeError(error)}`, { cause: error }));
      return;
    }
    const { zeroTime, batchIntervalMs, windows } = this.#options;
    const meta = {
      batchTimeMs: this.#completed.milliseconds,
      zeroTimeMs: zeroTime.milliseconds,
      stateTimeMs: stateTime.milliseconds,
      graph: { batchIntervalMs, windows },
      pendingBatchesMs: [time.milliseconds],
    };
    this.#generatedRefs.set(time.milliseconds, stateTime.milliseconds);
    const keepFrom = this.#keepFrom();
    this.#enqueue({
      time,
      stateTime,
      holdsState: false,
      run: async () => void await store.write(time, encodeCheckpoint(meta, pieces), { keepFrom }),
    });
  }

  /** The oldest checkpoint a file that may still be the newest refers to: nothing from it on is pruned. */
  #keepFrom(): Time {
    let keepMs = this.#previousStateTime.milliseconds;
    for (const stateMs of this.#generatedRefs.values()) keepMs = Math.min(keepMs, stateMs);
    return keepMs === this.#previousStateTime.milliseconds ? this.#previousStateTime : new Time(keepMs);
  }

  /** Resolves once the checkpoints asked for so far (the one recording batch `time` included) are durable. */
  recorded(_time: Time): Promise<void> {
    return this.drained();
  }

  /** True while a checkpoint is being written or waits to be. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves once every checkpoint asked for so far is written (or failed and was reported). */
  async drained(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** True when the batch at `time` is due to write state. */
  #holdsState(time: Time): boolean {
    const { zeroTime, stateIntervalMs } = this.#options;
    return (time.milliseconds - zeroTime.milliseconds) % stateIntervalMs === 0;
  }

  /**
   * After the outputs of the batch at `time` ran: snapshots every part now, writes and
   * commits in the background. `pendingTimes`: batches generated after it, not run yet.
   */
  afterBatch(time: Time, pendingTimes: ReadonlyArray<number>): void {
    const { store, parts } = this.#options;
    if (store === undefined) {
      this.#enqueue({ time, stateTime: time, holdsState: false, run: () => this.#commit(time) });
      return;
    }
    const holdsState = this.#holdsState(time);
    const stateTime = holdsState ? time : this.#stateTime;
    const pieces: CheckpointPiece[] = [];
    try {
      for (const part of parts) {
        if (part.role === "state" && !holdsState) continue;
        pieces.push({ name: part.name, role: part.role, kind: part.kind, version: part.codec.version, codec: part.codec, state: part.snapshot(time, stateTime) });
      }
    } catch (error) {
      this.#options.reportError(new Error(`The checkpoint of batch ${time} was not written: ${describeError(error)}`, { cause: error }));
      return;
    }
    if (holdsState) {
      this.#previousStateTime = this.#stateTime;
      this.#stateTime = time;
    }
    this.#completed = time;
    for (const generated of this.#generatedRefs.keys()) if (generated <= time.milliseconds) this.#generatedRefs.delete(generated);
    const keepFrom = this.#keepFrom();
    const { zeroTime, batchIntervalMs, windows } = this.#options;
    const meta = {
      batchTimeMs: time.milliseconds,
      zeroTimeMs: zeroTime.milliseconds,
      stateTimeMs: stateTime.milliseconds,
      graph: { batchIntervalMs, windows },
      pendingBatchesMs: pendingTimes,
    };
    this.#enqueue({
      time,
      stateTime,
      holdsState,
      run: async () => {
        await store.write(time, encodeCheckpoint(meta, pieces), { keepFrom });
        await this.#commit(stateTime);
      },
    });
  }

  /** Tells every part that batches up to `stateTime` are safe; once per state time. */
  async #commit(stateTime: Time): Promise<void> {
    if (stateTime.milliseconds <= this.#committedMs && this.#options.store !== undefined) return;
    this.#committedMs = stateTime.milliseconds;
    for (const part of this.#options.parts) {
      if (part.commit === undefined) continue;
      try {
        await part.commit(stateTime);
      } catch (error) {
        this.#options.logger.warn(`${part.name} could not commit its position up to batch ${stateTime} (the next commit covers it): ${describeError(error)}`);
      }
    }
  }

  #enqueue(write: PendingWrite): void {
    // A position-only checkpoint not started yet is superseded by a newer one: the newer
    // one records every batch since the state's, so skipping the older loses nothing.
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (!this.#queue[i]!.holdsState) this.#queue.splice(i, 1);
    }
    this.#queue.push(write);
    this.#running ??= this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (let write = this.#queue.shift(); write !== undefined; write = this.#queue.shift()) {
        try {
          await write.run();
        } catch (error) {
          this.#options.reportError(
            new Error(`The checkpoint of batch ${write.time} could not be written: ${describeError(error)}`, { cause: error }),
          );
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}

/**
 * Spark's default checkpoint interval for a stateful stream: its slide times the smallest
 * whole number that makes it at least 10 seconds.
 */
export const defaultStateIntervalMs = (slideMs: number): number => slideMs * Math.ceil(10_000 / slideMs);
