/**
 * What a DStream node needs from the context that owns it. The context layer
 * implements it; keeping it here lets nodes and sources stay free of the scheduler.
 *
 * @module
 */
import type { Clock } from "../time/clock.ts";
import type { Duration, Time } from "../time/duration.ts";
import type { RDD } from "../rdd/rdd.ts";
import type { DStreamNode } from "./_node.ts";
import type { InputDStream } from "./_input.ts";
import type { Recoverable } from "../checkpoint/recoverable.ts";

/**
 * Something a receiver or a source tells the context: printed as a warning and
 * passed to listeners.
 *
 * @category model
 * @since 0.1.0
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/**
 * How an input asks for backpressure (Spark's `spark.streaming.backpressure.*`), each
 * field falling back to the context's setting.
 *
 * @category model
 * @since 0.2.0
 */
export interface RateSettings {
  /** Let the rate follow what batches manage to process (default `true`). */
  readonly backpressure?: boolean | undefined;
  /** The rate before the first estimate, in records per second (default: no limit, or `maxRate`). */
  readonly initialRate?: number | undefined;
  /** The lowest rate ever estimated, in records per second (default 100). */
  readonly minRate?: number | undefined;
  /** The highest rate, in records per second, estimated or not (default: no limit). */
  readonly maxRate?: number | undefined;
}

/**
 * The rate an input admits under backpressure, updated after every completed batch.
 *
 * @category model
 * @since 0.2.0
 */
export interface RateControl {
  /**
   * Records per second the input's next batch may take: the latest estimate (never below
   * `minRate`), or `initialRate` before the first one, at most `maxRate`; `undefined` for
   * no limit.
   */
  rate(): number | undefined;
}

/**
 * How far the context's job is behind, as an input sees it when it fixes a batch.
 *
 * @category spi
 * @since 0.2.0
 */
export interface Backlog {
  /** Batches generated but not processed yet (waiting or running). */
  readonly pendingBatches: number;
  /** The hard bound on them (`StreamingContextOptions.maxPendingBatches`): no batch is generated beyond it. */
  readonly maxPendingBatches: number;
  /**
   * True once half the bound is pending: inputs that can leave records where they are
   * (files on disk, a queue) take less per batch, so the job catches up; none is dropped.
   */
  readonly backlogged: boolean;
}

/**
 * The context as its streams see it.
 *
 * @category model
 * @since 0.1.0
 */
export interface StreamingGraph {
  readonly batchDuration: Duration;
  /** Partitions used when an operation is not told how many. */
  readonly defaultParallelism: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Throws the lifecycle error once the context no longer accepts new streams or outputs. */
  assertBuildable(): void;
  /** A fresh id for a new stream: creation order, starting at 0. */
  nextStreamId(): number;
  /** Reserves a user-given stream name; throws when another stream of the context has it. */
  claimStreamName(name: string, stream: DStreamNode<unknown>): void;
  registerInput(stream: InputDStream<unknown>): void;
  registerOutput<A>(stream: DStreamNode<A>, name: string, run: (rdd: RDD<A>, time: Time) => void | Promise<void>): void;
  /** Reports an error without stopping the context: `awaitTermination()` rejects with it. */
  reportError(error: Error): void;
  /** Reports a receiver's trouble (a lost connection, a restart) to listeners and the log. */
  reportReceiverError(stream: DStreamNode<unknown>, message: string, error?: unknown): void;
  /** Tells listeners a receiver started (`onReceiverStarted`) or stopped (`onReceiverStopped`), e.g. around a restart. */
  reportReceiverState?(stream: DStreamNode<unknown>, active: boolean): void;
  /**
   * Adds `counts` to what `stream` reports for the batch at `time` (summed when reported
   * several times); listeners find them in `BatchInfo.metrics` under the stream's name.
   */
  reportBatchMetrics(stream: DStreamNode<unknown>, time: Time, counts: Readonly<Record<string, number>>): void;
  /**
   * Backpressure for `stream` (Spark's `RateController`): a rate estimated after each
   * completed batch from its record count and delays; `undefined` when backpressure is
   * off. `settings` override the context's. Receivers and direct inputs ask once, when built.
   */
  rateControl?(stream: InputDStream<unknown>, settings?: RateSettings): RateControl | undefined;
  /** How far the job is behind now (nothing pending before `start()`). */
  backlog(): Backlog;
  /**
   * Registers a stateful node or an input with the checkpoints (see `Recoverable`): it is
   * snapshotted after every batch once `ssc.checkpoint(directory)` is set, restored at
   * recovery, and told when its positions may be committed upstream (after each batch's
   * outputs when no checkpoint directory is set). Call it while building, before `start()`.
   */
  registerRecoverable(part: Recoverable<unknown>): void;
  /** True once `ssc.checkpoint(directory)` was called (a source may then log what it receives). */
  readonly checkpointing: boolean;
  /** The directory given to `ssc.checkpoint`, if any: receivers keep their write-ahead logs under it. */
  readonly checkpointDirectory: string | undefined;
  /** When receivers' write-ahead logs fsync (`ssc.checkpoint(dir, { writeAheadLogFsync })`): `"block"` by default. */
  readonly writeAheadLogFsync?: "block" | number;
}
