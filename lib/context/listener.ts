/**
 * Streaming listeners: what happened to each batch, output operation and receiver,
 * with Spark's callback names.
 *
 * @module
 */
import type { Time } from "../time/duration.ts";

/**
 * One output operation's run within a batch.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface OutputOperationInfo {
  readonly batchTime: Time;
  /** The order in which the output was defined, from 0. */
  readonly id: number;
  /** `pprint`, `foreachRDD`, … */
  readonly name: string;
  /** What the operation is, beyond its name (Spark's `description`), when known. */
  readonly description?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** How long it ran: end time − start time, once it ended. */
  readonly duration?: number;
  /** Why the operation failed, when it did. */
  readonly failureReason?: string;
}

/**
 * What one input stream gave a batch (Spark's `StreamInputInfo`).
 *
 * @category listeners
 * @since 0.2.0
 */
export interface StreamInputInfo {
  readonly inputStreamId: number;
  readonly numRecords: number;
  /** What the input says about the batch's records (offsets, files, …), when it says anything. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** A line for people, e.g. the input's name or the files it read. */
  readonly metadataDescription?: string;
}

/**
 * One batch: when it was generated, started and finished, and how much it read.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface BatchInfo {
  readonly batchTime: Time;
  /** Records each input stream (by id) gave this batch. */
  readonly streamIdToNumRecords: ReadonlyMap<number, number>;
  /** What each input stream (by id) gave this batch, with a description, when the scheduler reports it. */
  readonly streamIdToInputInfo?: ReadonlyMap<number, StreamInputInfo>;
  /** Total records the inputs gave this batch. */
  readonly numRecords: number;
  /** Clock time at which the batch was generated and queued. */
  readonly submissionTime: number;
  readonly processingStartTime?: number;
  readonly processingEndTime?: number;
  /** How long the batch waited for earlier ones: processing start − submission. */
  readonly schedulingDelay?: number;
  /** How long its outputs ran: processing end − processing start. */
  readonly processingDelay?: number;
  /** Scheduling delay plus processing delay. */
  readonly totalDelay?: number;
  readonly outputOperationInfos: ReadonlyArray<OutputOperationInfo>;
  /**
   * Counts that streams reported for this batch, by stream name: e.g. a `decode` node's
   * `{ received, valid, rejected }`.
   */
  readonly metrics: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * A receiver's state, as listeners see it.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface ReceiverInfo {
  readonly streamId: number;
  readonly name: string;
  readonly active: boolean;
  readonly lastErrorMessage: string;
  readonly lastError: string;
  readonly lastErrorTime: number;
}

/**
 * Callbacks for streaming events, all optional. Events are delivered asynchronously, in
 * order, through a bounded queue per listener: a callback may return a promise, and the
 * listener's next event waits for it while the job goes on. A listener that throws (or
 * whose promise rejects) is logged and does not disturb the job.
 *
 * @category listeners
 * @since 0.1.0
 */
export interface StreamingListener {
  onStreamingStarted?(event: { readonly time: number }): void | PromiseLike<void>;
  onBatchSubmitted?(event: { readonly batchInfo: BatchInfo }): void | PromiseLike<void>;
  onBatchStarted?(event: { readonly batchInfo: BatchInfo }): void | PromiseLike<void>;
  onBatchCompleted?(event: { readonly batchInfo: BatchInfo }): void | PromiseLike<void>;
  onOutputOperationStarted?(event: { readonly outputOperationInfo: OutputOperationInfo }): void | PromiseLike<void>;
  onOutputOperationCompleted?(event: { readonly outputOperationInfo: OutputOperationInfo }): void | PromiseLike<void>;
  onReceiverStarted?(event: { readonly receiverInfo: ReceiverInfo }): void | PromiseLike<void>;
  onReceiverError?(event: { readonly receiverInfo: ReceiverInfo }): void | PromiseLike<void>;
  onReceiverStopped?(event: { readonly receiverInfo: ReceiverInfo }): void | PromiseLike<void>;
}
